"""Run the operator as a separate process, exactly as a user does, and drive kubectl."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
from pathlib import Path

from support.cluster import REPO

# The operator image hack/images builds and `make images` loads into the real node
ARTIFACTS_IMAGE = "localhost/troupe/operator:0.1.0"


def kubectl(kubeconfig: str, *args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, *args],
        input=stdin,
        text=True,
        capture_output=True,
    )
    if out.returncode:
        raise RuntimeError(f"kubectl {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


@functools.cache
def install_crds(kubeconfig: str) -> None:
    """Troupe's CRDs as users install them (kubectl apply of crds/), Established, by an admin
    kubeconfig: for whichever test comes first in a process, on a new cluster too (a fixture
    that starts an operator calls it first). Once per process and kubeconfig."""
    kubectl(kubeconfig, "apply", "-f", str(REPO / "crds"))
    kubectl(
        kubeconfig,
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/trainingjobs.troupe.dev",
        "crd/trainingqueues.troupe.dev",
    )


class OperatorProcess:
    """`python -m troupe` against the test cluster, restartable (and killable) by tests."""

    def __init__(self, kubeconfig: str, log_path: Path, *args: str):
        self.kubeconfig = kubeconfig
        self.log_path = log_path
        self.args = args or ("-A",)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ, KUBECONFIG=self.kubeconfig, TROUPE_RESYNC_SECONDS="2")
        env.setdefault("TROUPE_ARTIFACTS_IMAGE", ARTIFACTS_IMAGE)  # hack/images: operator
        env.setdefault("TROUPE_ARTIFACTS_ENDPOINT", "http://127.0.0.1:7070")  # hack/store.sh
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "troupe", "--metrics-port", "0", "--liveness", "", *self.args],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup, as when a node dies under the operator."""
        if self.proc:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

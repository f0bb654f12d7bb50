"""Build, install and start a peer (bench/peers.py) on the bench cluster, out of cluster as
the operator is: its own binary with the bench's kubeconfig and its shipped defaults.

Webhooks are off: no webhook configuration is registered with the API server, so it calls
none. Both peers still start their certificate rotator (on by default, not switchable for
Kubeflow v1) and wait for its certificate before starting their controllers; in a cluster
the kubelet mounts the rotator's Secret into the pod, here `mount_webhook_certs` plays that
part by copying the Secret's files into the folder the peers read.
"""

from __future__ import annotations

import base64
import os
import subprocess
import time
from pathlib import Path

from kubernetes import client
from peers import Peer

from support.waiting import wait_for

REPO = Path(__file__).resolve().parents[1]
CERT_DIR = Path("/tmp/k8s-webhook-server/serving-certs")  # fixed in both peers' code


def build(peer: Peer) -> Path:
    """The peer's cached folder (bin/, crds/), built on a miss (~1 min each)."""
    out = subprocess.run(
        ["bash", str(REPO / "hack" / "build-peers.sh"), peer.name],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return Path(out.stdout.strip().splitlines()[-1])


def version_of(folder: Path) -> str:
    return folder.name.split("-", 1)[1]


def install(peer: Peer, folder: Path, kubeconfig: Path, core: client.CoreV1Api) -> None:
    """Its CRDs (server-side: they exceed the client-side apply annotation's limit), and
    the namespace and empty Secret its certificate rotator fills."""
    subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), "apply", "--server-side"]
        + ["-f", str(folder / "crds")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    crds = client.ApiextensionsV1Api(core.api_client)

    def established() -> bool:  # (`kubectl wait` fails on a CRD with no status yet)
        crd = crds.read_custom_resource_definition(f"{peer.plural}.{peer.group}")
        conditions = (crd.status and crd.status.conditions) or []
        return any(c.type == "Established" and c.status == "True" for c in conditions)

    wait_for(established, timeout=60, interval=0.5, what=f"{peer.plural} established")
    for create, body in (
        (core.create_namespace, {"metadata": {"name": peer.namespace}}),
        (
            lambda b: core.create_namespaced_secret(peer.namespace, b),
            {"metadata": {"name": peer.webhook_secret}},
        ),
    ):
        try:
            create(body)
        except client.ApiException as exc:
            if exc.status != 409:
                raise


def command(peer: Peer, folder: Path, webhook_port: int) -> list[str]:
    """The peer's command line: its defaults, but no metrics/probe listeners (ports on a
    shared machine), a free webhook port and, for JobSet, no leader election (the
    deployment's config turns it on; out of cluster it needs a namespace to be told)."""
    quiet = ["--metrics-bind-address=0", "--health-probe-bind-address=0"]
    if peer.name == "kubeflow":
        return [str(folder / "bin" / "training-operator"), *quiet] + [
            f"--webhook-server-port={webhook_port}"
        ]
    config = folder / f"bench-config-{webhook_port}.yaml"
    config.write_text(
        "apiVersion: config.jobset.x-k8s.io/v1alpha1\nkind: Configuration\n"
        f"webhook: {{port: {webhook_port}}}\nleaderElection: {{leaderElect: false}}\n"
    )
    return [str(folder / "bin" / "jobset"), f"--config={config}", *quiet]


CERT_FILES = ("tls.crt", "tls.key", "ca.crt")


def start(command: list[str], kubeconfig: Path, log) -> subprocess.Popen:
    """The peer's process; the certificate files an earlier peer left are removed first, or
    its rotator would take them for its own Secret's."""
    for name in CERT_FILES:
        (CERT_DIR / name).unlink(missing_ok=True)
    return subprocess.Popen(
        command,
        env=dict(os.environ, KUBECONFIG=str(kubeconfig)),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def mount_webhook_certs(
    core: client.CoreV1Api, peer: Peer, process: subprocess.Popen, timeout: float = 120
) -> float:
    """Copy the rotator's certificate out of its Secret into CERT_DIR once it is there;
    seconds it took. The peers' readiness waits on these files."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{peer.name} exited ({process.returncode}) before its certificate")
        data = core.read_namespaced_secret(peer.webhook_secret, peer.namespace).data or {}
        if "tls.crt" in data and "tls.key" in data:
            CERT_DIR.mkdir(parents=True, exist_ok=True)
            for name in CERT_FILES:
                if name in data:
                    (CERT_DIR / name).write_bytes(base64.b64decode(data[name]))
            return time.monotonic() - start
        time.sleep(0.5)
    raise TimeoutError(f"{peer.name}'s certificate rotator filled no Secret within {timeout}s")

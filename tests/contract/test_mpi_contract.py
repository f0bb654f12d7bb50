"""mpirun on the launcher reaches the workers over ssh with the hostfile and keys the mpi
plugin renders: the launcher's env, the ConfigMap and the Secret, mounted where the pods
mount them (/etc/mpi, /root/.ssh)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from conftest import last_json, manifest, script

pytestmark = pytest.mark.contract

SSHD = "/usr/sbin/sshd"


def materialize(objects: list[dict], root: Path) -> dict[str, Path]:
    """Write the ConfigMap and the Secret's items as the kubelet projects them (mode 0600)."""
    config_map, secret = objects
    etc_mpi = root / "etc-mpi"
    etc_mpi.mkdir()
    for key, value in config_map["data"].items():
        (etc_mpi / key).write_text(value)
    ssh = root / "ssh"
    ssh.mkdir(mode=0o700)
    items = {"id_ed25519": "ssh-privatekey", "id_ed25519.pub": "ssh-publickey",
             "authorized_keys": "authorized_keys"}  # fmt: skip
    for path, key in items.items():
        (ssh / path).write_text(secret["stringData"][key])
        (ssh / path).chmod(0o600)
    return {"/etc/mpi": etc_mpi, "/root/.ssh": ssh}


def wait_for_port(pods, pod, host: str, port: int, timeout: float) -> None:
    """What the worker's readiness probe checks: sshd accepts TCP on 22."""
    probe = f"import socket; socket.create_connection(({host!r}, {port}), timeout=1).close()"
    deadline = time.monotonic() + timeout
    while pods.run(pod, ["python3", "-c", probe], timeout=5).returncode != 0:
        assert time.monotonic() < deadline, f"{host}:{port} never accepted connections"


def test_mpirun_on_the_launcher_runs_on_every_worker_over_ssh(python_of, cluster, tmp_path):
    python = python_of("mpi")
    pods = cluster(manifest("mpi", {"launcher": 1, "worker": 2}, name="pi"))
    mounts = materialize(pods.extra_objects, tmp_path)
    host_key = tmp_path / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    Path("/run/sshd").mkdir(exist_ok=True)
    launcher, *workers = pods.pods
    for worker in workers:  # what a worker image runs: sshd in the foreground
        pods.start(
            worker,
            [SSHD, "-D", "-e", "-f", "/dev/null", "-h", str(host_key), "-o", "PidFile=none",
             "-o", "PermitRootLogin=prohibit-password", "-o", "UsePAM=no"],
            mounts={"/root/.ssh": str(mounts["/root/.ssh"])},
        )  # fmt: skip
    for worker in workers:  # the launcher depends on every worker being Ready
        wait_for_port(pods, launcher, worker.host, 22, timeout=30)
    pods.start(
        launcher,
        ["mpirun", "-np", "2", python, script("mpi_allreduce.py")],
        extra_env={"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"},
        mounts={k: str(v) for k, v in mounts.items()},
    )
    try:
        out, _ = launcher.process.communicate(timeout=120)
    finally:
        pods.kill()
    assert launcher.process.returncode == 0, f"{out}\n{pods.logs()}"
    result = last_json(out)
    assert result == {"size": 2, "sum": 3, "hosts": ["pi-worker-0", "pi-worker-1"]}

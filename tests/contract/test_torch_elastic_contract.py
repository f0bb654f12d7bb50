"""torchrun elastic (c10d) with exactly what Troupe renders: a lost node is survived.

Every pod is a network namespace (tests/contract/pods.py) with its own IP, hostname and
/etc/hosts; the `<job>-rdzv` Deployment's pod is one more namespace on the same bridge,
started with the Deployment's own command and env, and `/etc/hosts` resolves the
rendezvous Service's DNS name to it. Each pod runs `torchrun` with no arguments but the
script, with the env the planner puts on that pod: the PET_* variables are the whole
contract. The node whose worker is rank 0 (it hosts the workers' store) is killed
mid-run, every process of it at once; the other two re-rendezvous (minReplicas 2),
resume from the shared checkpoint and finish.

A second test runs the membership ConfigMap's discovery script, mounted the way the
kubelet mounts a ConfigMap volume, while the membership changes under it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import script
from pods import SUBNET, Pod, _ip, container_env

from troupe.core import elastic
from troupe.core.framework import get_framework
from troupe.core.observed import Instance
from troupe.core.planner import JobView, plan

pytestmark = pytest.mark.contract

NAME, NAMESPACE, PORT = "tel", "team-a", 29400
STEPS, KILL_AT = 60, 10  # training steps; the rank-0 node dies after this step
FINISH_WITHIN = 180  # seconds from the kill until the survivors must have finished


def manifest(uid: str = "") -> dict:
    return {
        "metadata": {"name": NAME, "namespace": NAMESPACE, "uid": uid},
        "spec": {
            "framework": "pytorch",
            "roles": [
                {
                    "name": "worker",
                    "replicas": 3,
                    "elastic": {
                        "minReplicas": 2,
                        "maxReplicas": 3,
                        "rendezvous": {
                            "port": PORT,
                            "joinTimeoutSeconds": 60,
                            "lastCallTimeoutSeconds": 1,
                            "maxRestarts": 3,
                        },
                    },
                    "template": {"spec": {"containers": [{"name": "pytorch", "image": "t"}]}},
                }
            ],
        },
    }


def planned(uid: str) -> dict[tuple[str, str], dict]:
    """The planner's first pass for the job: every object it creates, by (kind, name)."""
    now = datetime.now(UTC)
    result = plan(JobView.from_body(manifest(uid)), [], set(), now, get_framework)
    return {(m["kind"], m["metadata"]["name"]): m for m in result.creates}


def wait_for(what: str, check, timeout: float, detail=lambda: ""):
    """Poll `check` until it returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout}s: {what}\n{detail()}")
        time.sleep(0.2)
    return value


def read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def netns_pids(netns: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def kill_pod(netns: str) -> None:
    """The node is gone: SIGKILL every process in the pod's network namespace at once
    (torchrun starts its workers in sessions of their own, so a process tree is not enough)."""
    for pid in netns_pids(netns):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_for(f"every process of {netns} gone", lambda: not netns_pids(netns), 30)


def add_store_pod(cluster, deployment: dict, service: dict) -> Pod:
    """The rendezvous Deployment's pod: one more namespace on the job's bridge, named in
    every pod's /etc/hosts under the Service's DNS name (what cluster DNS would answer)."""
    tag = cluster.switch.removeprefix("trsw-")
    netns, ip = f"trp-{tag}-rdzv", SUBNET.format(net=0, host=250)
    _ip("netns", "add", netns)
    _ip("link", "add", f"v{tag}r", "netns", netns, "type", "veth",
        "peer", "name", "sr", "netns", cluster.switch)  # fmt: skip
    _ip("-n", cluster.switch, "link", "set", "sr", "master", "br0", "up")
    _ip("-n", netns, "link", "set", f"v{tag}r", "name", "eth0")
    _ip("-n", netns, "addr", "add", f"{ip}/24", "dev", "eth0")
    _ip("-n", netns, "link", "set", "eth0", "up")
    _ip("-n", netns, "link", "set", "lo", "up")
    name = service["metadata"]["name"]
    dns = f"{name}.{service['metadata']['namespace']}.svc"
    line = f"{ip} {dns} {name}\n"
    for pod in cluster.pods:
        hosts = Path(f"/etc/netns/{pod.netns}/hosts")
        hosts.write_text(hosts.read_text() + line)
    etc = Path(f"/etc/netns/{netns}")
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "hosts").write_text("127.0.0.1 localhost\n" + line)
    return Pod(
        "rendezvous",
        0,
        name,
        dns,
        ip,
        netns,
        container_env(deployment["spec"]["template"], ip),
        deployment,
    )


def logged(log: Path, argv: list[str]) -> list[str]:
    """argv with stdout and stderr going to `log` (a pipe nobody reads would fill up)."""
    return ["sh", "-c", f'exec "$0" "$@" >{shlex.quote(str(log))} 2>&1', *argv]


@pytest.fixture
def store_netns():
    made: list[str] = []
    yield made
    for netns in made:
        for pid in netns_pids(netns):
            os.kill(pid, signal.SIGKILL)
        subprocess.run(["ip", "netns", "delete", netns], capture_output=True)
        shutil.rmtree(f"/etc/netns/{netns}", ignore_errors=True)


def test_survivors_re_rendezvous_resume_and_finish_when_rank_0_node_dies(
    python_of, cluster, store_netns, tmp_path
):
    python = python_of("torch")
    pods = cluster(manifest())
    objects = planned(pods.job.uid)
    service, deployment = objects["Service", "tel-rdzv"], objects["Deployment", "tel-rdzv"]
    store = add_store_pod(pods, deployment, service)
    store_netns.append(store.netns)
    assert service["spec"]["ports"][0]["port"] == PORT

    # The store, started the way the Deployment starts it (the image's python3 = the venv's).
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[0] == "python3"
    store_log = tmp_path / "store.log"
    pods.start(store, logged(store_log, [python, *command[1:]]))
    wait_for(
        "the store listens",
        lambda: "rendezvous store on port" in read(store_log),
        60,
        lambda: read(store_log),
    )

    ckpt, results = tmp_path / "ckpt.pt", tmp_path / "results"
    results.mkdir()
    work = {"CKPT": str(ckpt), "STEPS": str(STEPS), "RESULTS": str(results), "LOGLEVEL": "INFO"}
    logs = {}
    for pod in pods.pods:
        pod.env = container_env(objects["Pod", pod.name], pod.ip)  # what the planner creates
        assert pod.env["PET_RDZV_ENDPOINT"] == f"{store.host}:{PORT}"
        assert pod.env["PET_RDZV_ID"] == pods.job.uid
        assert pod.env["PET_NNODES"] == "2:3"
        assert not {"RANK", "WORLD_SIZE", "MASTER_ADDR", "PET_NODE_RANK"} & set(pod.env)
        logs[pod.name] = tmp_path / f"{pod.name}.log"
        pods.start(
            pod,
            logged(
                logs[pod.name],
                [python, "-m", "torch.distributed.run", script("torch_elastic_train.py")],
            ),
            work,
        )

    def all_logs() -> str:
        return (
            "\n".join(f"----- {n}\n{read(p)[-4000:]}" for n, p in logs.items())
            + f"\n----- store\n{read(store_log)}"
        )

    def rank_0_at_kill_step():
        for pod in pods.pods:
            if f"step {KILL_AT} world 3 rank 0" in read(logs[pod.name]):
                return pod
        return None

    victim = wait_for(f"step {KILL_AT} with world size 3", rank_0_at_kill_step, 120, all_logs)
    killed_at = time.monotonic()
    kill_pod(victim.netns)
    victim.process.wait(timeout=10)
    survivors = [p for p in pods.pods if p is not victim]

    codes = {}
    for pod in survivors:
        try:
            codes[pod.name] = pod.process.wait(
                timeout=max(FINISH_WITHIN - (time.monotonic() - killed_at), 1)
            )
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"{pod.name} did not finish within {FINISH_WITHIN}s of the kill\n{all_logs()}"
            )
    assert set(codes.values()) == {0}, f"{codes}\n{all_logs()}"
    finished = {p.name: json.loads((results / f"{p.name}.json").read_text()) for p in survivors}
    assert not (results / f"{victim.name}.json").exists()

    # Re-rendezvous happened: two nodes, a new round that resumed mid-run from the checkpoint.
    assert {r["world"] for r in finished.values()} == {2}, finished
    assert sorted(r["rank"] for r in finished.values()) == [0, 1]
    assert {r["step"] for r in finished.values()} == {STEPS}
    starts = {r["round_start"] for r in finished.values()}
    assert len(starts) == 1 and KILL_AT <= starts.pop() < STEPS, finished
    assert {r["run_id"] for r in finished.values()} == {pods.job.uid}
    # Both survivors' workers were handed the new round's store, not the dead node's.
    assert len({r["master_addr"] for r in finished.values()}) == 1
    assert victim.host not in {r["master_addr"] for r in finished.values()}
    assert torch_step(python, ckpt) == STEPS
    assert store.process.poll() is None, "the rendezvous store outlives any worker"
    print(f"re-rendezvous and finish took {time.monotonic() - killed_at:.1f}s after the kill")
    store.process.kill()


def torch_step(python: str, ckpt: Path) -> int:
    code = f"import torch; print(torch.load({str(ckpt)!r})['step'])"
    return int(
        subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
    )


def test_discovery_script_prints_the_membership_as_it_changes(cluster, tmp_path):
    """The ConfigMap's script, run inside a pod from its mount with the pod's env, follows
    the membership the controller writes, through the kubelet's atomic symlink swap."""
    pods = cluster(manifest())
    objects = planned(pods.job.uid)
    pod = pods.pod("worker", 0)
    spec = objects["Pod", pod.name]["spec"]
    env = container_env(objects["Pod", pod.name], pod.ip)
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == elastic.VOLUME)
    assert env[elastic.DIR_ENV] == mount["mountPath"] == elastic.MOUNT_PATH
    pod.env = env

    volume = tmp_path / "volume"
    volume.mkdir()
    role = elastic.elastic_role(elastic.resolve(pods.job.spec))
    hosts = pods.job.hosts["worker"]
    stored: dict = {}
    seen = []
    for n, members in enumerate([[0, 1, 2], [0, 2], [0, 1, 2], [0, 1]]):
        live = [running(i) for i in members]
        step = elastic.step(pods.job, role, live, stored, datetime.now(UTC))
        stored = {**stored, **step.status}
        data = (
            step.creates[0]["data"]
            if n == 0
            else next(p for k, _, p in step.patches if k == "ConfigMap")["data"]
        )
        kubelet_write(volume, data, n)
        log = tmp_path / f"discover-{n}.log"
        pods.start(
            pod,
            logged(log, [f"{elastic.MOUNT_PATH}/discover_hosts.sh"]),
            mounts={elastic.MOUNT_PATH: str(volume)},
        )
        assert pod.process.wait(timeout=30) == 0, read(log)
        assert read(log).splitlines() == [f"{hosts[i]}:1" for i in members]
        seen.append(int((volume / "generation").read_text()))
    assert seen == [0, 1, 2, 3]


def running(index: int) -> Instance:
    return Instance(
        name=f"{NAME}-worker-{index}", role="worker", index=index, generation=0,
        phase="Running", ready=True, exit_code=None, reason="", message="",
        container_restarts=0, ip="", deleting=False, node="node-a",
    )  # fmt: skip


def kubelet_write(volume: Path, data: dict[str, str], version: int) -> None:
    """A ConfigMap volume as the kubelet's atomic writer lays it out: the keys are links
    into `..data`, itself a link to a timestamped directory swapped in by one rename."""
    payload = volume / f"..v{version}"
    payload.mkdir()
    for key, value in data.items():
        (payload / key).write_text(value)
        (payload / key).chmod(0o755)
        if not (volume / key).is_symlink():
            (volume / key).symlink_to(f"..data/{key}")
    (volume / "..data_tmp").symlink_to(payload.name)
    os.replace(volume / "..data_tmp", volume / "..data")

"""The local cluster's real node (hack/node.sh): a kubelet on containerd that really runs pods.

Jobs choose it explicitly: it is labelled and tainted `troupe.dev/node=real`, so `pin` adds
the node selector and the toleration to every role's pod template, the way a user targets
a node pool. Images are the ones `make images` built into its containerd.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from kubernetes import client

from support.cluster import REPO
from support.jobs import apply, job_manifest

NODE_NAME = os.environ.get("TROUPE_NODE_NAME", "troupe-real-0")
SELECTOR = {"troupe.dev/node": "real"}
TOLERATION = {
    "key": "troupe.dev/node",
    "operator": "Equal",
    "value": "real",
    "effect": "NoSchedule",
}


def pin(manifest: dict) -> dict:
    """A copy of a TrainingJob manifest whose every pod runs on the real node."""
    job = copy.deepcopy(manifest)
    for role in job["spec"]["roles"]:
        spec = role.setdefault("template", {}).setdefault("spec", {})
        spec.setdefault("nodeSelector", {}).update(SELECTOR)
        spec.setdefault("tolerations", []).append(dict(TOLERATION))
    return job


BASE = "localhost/troupe/base:bookworm"


def shell(command: str, image: str = BASE, **container) -> dict:
    """A pod template whose one container runs `command` in sh, asking for little."""
    return {
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": image,
                    "command": ["sh", "-c", command],
                    "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}},
                    **container,
                }
            ]
        }
    }


def run(kubeconfig: str, namespace: str, name: str, roles: list[dict], **spec) -> None:
    """kubectl apply of a job whose pods run on the real node."""
    apply(kubeconfig, namespace, pin(job_manifest(name, roles, **spec)))


def require(core: client.CoreV1Api, images: tuple[str, ...] = ()) -> client.V1Node:
    """The real node, Ready and holding `images`; otherwise skip, or fail where
    TROUPE_REQUIRE_REAL_NODE=1 (CI), which always builds it."""
    why = _missing(core, images)
    if why.startswith("images"):  # imported moments ago: the kubelet reports them within 10 s
        deadline = time.monotonic() + 30
        while why.startswith("images") and time.monotonic() < deadline:
            time.sleep(1)
            why = _missing(core, images)
    if why:
        if os.environ.get("TROUPE_REQUIRE_REAL_NODE") == "1":
            pytest.fail(f"real node required (TROUPE_REQUIRE_REAL_NODE=1): {why}")
        pytest.skip(why)
    return core.read_node(NODE_NAME)


def _missing(core: client.CoreV1Api, images: tuple[str, ...]) -> str:
    try:
        node = core.read_node(NODE_NAME)
    except client.ApiException as exc:
        if exc.status == 404:
            return (
                f"no real node {NODE_NAME}: `make cluster` starts one only as root "
                "(it needs network namespaces, iptables and mounts)"
            )
        raise
    ready = {c.type: c.status for c in node.status.conditions or []}.get("Ready")
    if ready != "True":
        return f"real node {NODE_NAME} is not Ready (Ready={ready})"
    present = {name for image in node.status.images or [] for name in image.names or []}
    absent = [image for image in images if image not in present]
    if absent:
        return f"images not built on {NODE_NAME}: {', '.join(absent)} (run `make images`)"
    return ""


def logs(core: client.CoreV1Api, namespace: str, pod: str, previous: bool = False) -> str:
    """A pod's log as `kubectl logs` shows it, served by the real kubelet."""
    return core.read_namespaced_pod_log(pod, namespace, previous=previous)


CLUSTER_DIR = (
    Path(os.environ.get("KWOK_WORKDIR", str(Path.home() / ".kwok")))
    / "clusters"
    / os.environ.get("TROUPE_CLUSTER", "troupe")
)
RUN_DIR = Path("/run/troupe-node") / CLUSTER_DIR.name


def component_pid(name: str) -> int:
    """The pid of a node component (containerd, kubelet, kube-proxy, coredns)."""
    return int((RUN_DIR / f"{name}.pid").read_text())


def kill_component(name: str) -> None:
    """SIGKILL, as when the process crashes: no cleanup of its own."""
    os.kill(component_pid(name), signal.SIGKILL)


def start_node(kubeconfig: str) -> None:
    """hack/node.sh up: starts whatever component is not running, waits for Ready."""
    subprocess.run(
        ["bash", str(REPO / "hack" / "node.sh"), "up", kubeconfig, str(CLUSTER_DIR)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def containerd_tasks(namespace: str) -> list[str]:
    """Ids of the running containers (pause sandboxes included) of one namespace's pods."""
    ctr = ["ctr", "--address", str(RUN_DIR / "containerd.sock"), "-n", "k8s.io"]
    label = f'labels."io.kubernetes.pod.namespace"=={namespace}'
    ours = set(_lines([*ctr, "containers", "ls", "-q", label]))
    running = [line.split()[0] for line in _lines([*ctr, "tasks", "ls"])[1:] if "RUNNING" in line]
    return sorted(ours.intersection(running))


def _lines(command: list[str]) -> list[str]:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()

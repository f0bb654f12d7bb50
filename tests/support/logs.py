"""Give pods on kwok nodes container logs that `kubectl logs` (and `troupe logs`) serve.

kwok's server is every fake node's kubelet: the API server sends `GET /pods/NAME/log` to it,
and it answers from a kwok `Logs` object named like the pod (kwok.x-k8s.io/v1alpha1, enabled
as a CRD by hack/cluster.sh) that maps the pod's containers to log files on this machine,
in the container runtime's (CRI) format. `follow` requests tail the file: lines appended
later reach the client.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from kubernetes import client

from support.waiting import wait_for

GROUP, VERSION, PLURAL = "kwok.x-k8s.io", "v1alpha1", "logs"


def require_kwok_logs(api_client: client.ApiClient) -> None:
    """Skip unless the cluster serves kwok Logs (not a kind cluster: its kubelets run
    real containers)."""
    try:
        found = client.CustomObjectsApi(api_client).get_api_resources(GROUP, VERSION).resources
    except client.ApiException as exc:
        if exc.status != 404:
            raise
        found = []
    if not any(r.name == PLURAL for r in found):
        pytest.skip("the cluster's nodes are not kwok nodes serving Logs")


class ContainerLog:
    """One container's log file; what is written is what `kubectl logs` prints."""

    def __init__(self, path: Path):
        self.path = path
        path.touch()

    def write(self, *lines: str, stream: str = "stdout") -> None:
        """Append whole lines, as the container runtime does (one write, so a follower sees
        them arrive together or in order)."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self.path.open("a") as f:
            f.write("".join(f"{now} {stream} F {line}\n" for line in lines))


def give_logs(
    core: client.CoreV1Api,
    custom: client.CustomObjectsApi,
    namespace: str,
    pod: str,
    directory: Path,
    lines: dict[str, list[str]] | None = None,
) -> dict[str, ContainerLog]:
    """Give every container of `pod` a log file under `directory`, starting with
    `lines[container]`, and the kwok Logs object naming them; return once the API server
    serves them. Returns the logs by container name, to write more."""
    spec = core.read_namespaced_pod(pod, namespace).spec
    logs = {}
    for container in spec.containers:
        log = ContainerLog(directory / f"{namespace}.{pod}.{container.name}.log")
        log.write(*(lines or {}).get(container.name, []))
        logs[container.name] = log
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Logs",
        "metadata": {"name": pod, "namespace": namespace},
        "spec": {
            "logs": [
                # `follow` is not consulted by kwok 0.8 (a request's ?follow=true is what
                # tails the file); set for the versions that do.
                {"containers": [name], "logsFile": str(log.path), "follow": True}
                for name, log in logs.items()
            ]
        },
    }
    custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    for name in logs:
        wait_for(
            lambda name=name: core.read_namespaced_pod_log(
                pod, namespace, container=name, _preload_content=False
            ),
            timeout=30,
            what=f"kwok serving the log of {pod}/{name}",
        )
    return logs


def take_logs_away(custom: client.CustomObjectsApi, namespace: str, pod: str) -> None:
    """Delete the pod's Logs object: its "kubelet" then refuses to serve the log."""
    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, pod)

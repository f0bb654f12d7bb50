"""Play the kubelet's part on kwok nodes: finish pods with chosen exit codes, lose nodes.

kwok moves pods to Running/Ready by itself; ending them is up to the test. We write the
pod status subresource exactly as a kubelet would report a terminated container.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kubernetes import client


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def finish_pod(
    core: client.CoreV1Api,
    namespace: str,
    name: str,
    *,
    exit_code: int = 0,
    reason: str | None = None,
    message: str = "",
) -> dict:
    """End every container of the pod with `exit_code`; Succeeded for 0, else Failed."""
    pod = core.read_namespaced_pod(name, namespace)
    reason = reason or ("Completed" if exit_code == 0 else "Error")
    now = _now()
    statuses = [
        {
            "name": c.name,
            "image": c.image,
            "imageID": "",
            "ready": False,
            "restartCount": _restart_count(pod, c.name),
            "started": False,
            "state": {
                "terminated": {
                    "exitCode": exit_code,
                    "reason": reason,
                    "message": message,
                    "startedAt": now,
                    "finishedAt": now,
                }
            },
        }
        for c in pod.spec.containers
    ]
    phase = "Succeeded" if exit_code == 0 else "Failed"
    body = {
        "status": {
            "phase": phase,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "PodCompleted",
                    "lastTransitionTime": now,
                },
                {
                    "type": "ContainersReady",
                    "status": "False",
                    "reason": "PodCompleted",
                    "lastTransitionTime": now,
                },
            ],
            "containerStatuses": statuses,
        }
    }
    return core.patch_namespaced_pod_status(name, namespace, body)


def evict_pod(core: client.CoreV1Api, namespace: str, name: str) -> dict:
    """Mark the pod Failed/Evicted as the kubelet does under node pressure."""
    body = {
        "status": {
            "phase": "Failed",
            "reason": "Evicted",
            "message": "The node was low on resource: memory.",
        }
    }
    return core.patch_namespaced_pod_status(name, namespace, body)


def restart_container_in_place(core: client.CoreV1Api, namespace: str, name: str) -> dict:
    """Report one more in-place restart of the pod's first container (OnFailure, Always)."""
    pod = core.read_namespaced_pod(name, namespace)
    container = pod.spec.containers[0].name
    count = _restart_count(pod, container) + 1
    body = {
        "status": {
            "containerStatuses": [
                {
                    "name": container,
                    "image": pod.spec.containers[0].image,
                    "imageID": "",
                    "ready": True,
                    "started": True,
                    "restartCount": count,
                    "state": {"running": {"startedAt": _now()}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": _now(),
                            "finishedAt": _now(),
                        }
                    },
                }
            ]
        }
    }
    return core.patch_namespaced_pod_status(name, namespace, body)


def remove_node(core: client.CoreV1Api, name: str) -> None:
    """Make a node go away: its pods are garbage-collected by the controller-manager."""
    core.delete_node(name)


def _restart_count(pod, container: str) -> int:
    for status in pod.status.container_statuses or []:
        if status.name == container:
            return status.restart_count or 0
    return 0

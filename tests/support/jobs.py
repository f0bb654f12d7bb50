"""Submit TrainingJobs the way users do (kubectl apply of YAML) and read them back."""

from __future__ import annotations

import yaml
from kubernetes import client

from support.operator import kubectl
from support.waiting import wait_for

GROUP, VERSION, PLURAL = "troupe.dev", "v1alpha1", "trainingjobs"


def container(command: str = "sleep 3600") -> dict:
    return {
        "spec": {
            "containers": [
                {"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", command]}
            ]
        }
    }


def job_manifest(name: str, roles: list[dict], framework: str = "generic", **spec) -> dict:
    for role in roles:
        role.setdefault("template", container())
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "TrainingJob",
        "metadata": {"name": name},
        "spec": {"framework": framework, "roles": roles, **spec},
    }


def apply(kubeconfig: str, namespace: str, manifest: dict) -> str:
    return kubectl(kubeconfig, "apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(manifest))


class Jobs:
    """Reads of one namespace's jobs and pods, with waits that explain themselves."""

    def __init__(self, core: client.CoreV1Api, custom: client.CustomObjectsApi, namespace: str):
        self.core, self.custom, self.namespace = core, custom, namespace

    def get(self, name: str) -> dict:
        return self.custom.get_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, name
        )

    def status(self, name: str) -> dict:
        return self.get(name).get("status") or {}

    def pods(self, job: str, role: str | None = None) -> list:
        selector = f"troupe.dev/job-name={job}" + (f",troupe.dev/role={role}" if role else "")
        items = self.core.list_namespaced_pod(self.namespace, label_selector=selector).items
        return sorted(items, key=lambda p: p.metadata.name)

    def pod(self, name: str):
        return self.core.read_namespaced_pod(name, self.namespace)

    def wait_phase(self, name: str, phase: str, timeout: float = 60) -> dict:
        return wait_for(
            lambda: (s := self.status(name)).get("phase") == phase and s,
            timeout=timeout,
            what=f"job {name} phase {phase}",
            show=lambda: self.status(name),
        )

    def wait_pods(
        self, job: str, count: int, role: str | None = None, *, running=False, timeout: float = 60
    ) -> list:
        def check():
            pods = [p for p in self.pods(job, role) if not p.metadata.deletion_timestamp]
            if running:
                pods = [p for p in pods if p.status.phase == "Running"]
            return len(pods) == count and (pods or [None])

        return wait_for(
            check,
            timeout=timeout,
            what=f"{count} pods of {job}/{role or '*'}",
            show=lambda: [(p.metadata.name, p.status.phase) for p in self.pods(job)],
        )

    def condition(self, name: str, type_: str) -> dict | None:
        return next(
            (c for c in self.status(name).get("conditions", []) if c["type"] == type_), None
        )

    def role_status(self, name: str, role: str) -> dict:
        return next(r for r in self.status(name).get("roles", []) if r["name"] == role)

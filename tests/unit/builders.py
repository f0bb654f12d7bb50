"""Build unit-test inputs the way users write them: YAML manifests and API-shaped pods."""

from __future__ import annotations

import copy
import textwrap
from datetime import UTC, datetime, timedelta

import yaml

from troupe.api.spec import TrainingJobSpec, parse_spec
from troupe.core.framework import Framework, get_framework
from troupe.core.observed import instance_from_pod
from troupe.core.planner import JobView, Plan, plan
from troupe.core.reconcile.state import Pass
from troupe.core.reconcile.validate import prepare


def spec_from_yaml(text: str) -> TrainingJobSpec:
    """Parse the `spec:` of a TrainingJob manifest written in YAML."""
    return parse_spec(yaml.safe_load(textwrap.dedent(text))["spec"])


def raw_spec(text: str) -> dict:
    return yaml.safe_load(textwrap.dedent(text))["spec"]


NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
JOB_UID = "0b6f5c1e-uid"
NAMESPACE = "team-a"


def job_body(text: str, status: dict | None = None, generation: int = 1) -> dict:
    """A TrainingJob as the API returns it, from a YAML manifest."""
    body = yaml.safe_load(textwrap.dedent(text))
    body.setdefault("apiVersion", "troupe.dev/v1alpha1")
    body.setdefault("kind", "TrainingJob")
    meta = body.setdefault("metadata", {})
    meta.setdefault("name", "job")
    meta.update(
        namespace=NAMESPACE,
        uid=JOB_UID,
        generation=generation,
        creationTimestamp="2024-05-01T11:59:00Z",
    )
    body["status"] = status or {}
    return body


class FakeCluster:
    """The API server and kubelet, reduced to what the planner observes.

    `reconcile` runs the planner and applies its plan the way the adapter would; the other
    methods move pods through the states a kubelet reports, as real pod bodies.
    """

    def __init__(self, manifest: str, framework: Framework | None = None, now: datetime = NOW):
        self.body = job_body(manifest)
        self.framework = framework or get_framework
        self.now = now
        self.pods: dict[str, dict] = {}
        self.services: set[str] = set()
        self.configmaps: dict[str, dict] = {}
        self.created: list[str] = []
        self.last: Plan | None = None

    # --- the controller side ---

    def plan(self) -> Plan:
        instances = [instance_from_pod(p) for p in self.pods.values()]
        return plan(
            JobView.from_body(self.body), instances, self.services, self.now, self.framework
        )

    def next_pass(self) -> Pass:
        """The state the next pass starts from, to run one of its steps alone."""
        job = JobView.from_body(self.body)
        framework, errors, spec = prepare(job, self.framework)
        assert not errors, errors
        instances = [instance_from_pod(p) for p in self.pods.values()]
        return Pass.begin(job, spec, framework, instances, self.services, self.now)

    def reconcile(self) -> Plan:
        result = self.last = self.plan()
        for kind, name in result.deletes:
            if kind == "Pod" and name in self.pods:
                self.pods[name]["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:00Z"
        for manifest in result.creates:
            name = manifest["metadata"]["name"]
            if manifest["kind"] == "Service":
                self.services.add(name)
            elif manifest["kind"] == "ConfigMap":
                self.configmaps.setdefault(name, copy.deepcopy(manifest))
            elif manifest["kind"] == "Pod":
                assert name not in self.pods, f"{name} created while it still exists"
                self.pods[name] = {**copy.deepcopy(manifest), "status": {"phase": "Pending"}}
                self.created.append(name)
        for kind, name, patch in result.patches:
            target = {"Pod": self.pods, "ConfigMap": self.configmaps}[kind].get(name)
            if target is not None:
                _merge(target, patch)
        self.body["status"] = result.status
        return result

    @property
    def status(self) -> dict:
        return self.body["status"]

    def role(self, name: str) -> dict:
        return next(r for r in self.status["roles"] if r["name"] == name)

    def condition(self, type_: str) -> dict | None:
        return next((c for c in self.status.get("conditions", []) if c["type"] == type_), None)

    def set_spec(self, **fields) -> None:
        self.body["spec"].update(fields)
        self.body["metadata"]["generation"] += 1

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    # --- the kubelet side ---

    def live(self) -> list[str]:
        return sorted(n for n, p in self.pods.items() if not p["metadata"].get("deletionTimestamp"))

    def finish_deletions(self) -> None:
        self.pods = {
            n: p for n, p in self.pods.items() if not p["metadata"].get("deletionTimestamp")
        }

    def run(self, *names: str, ready: bool = True) -> None:
        for name in names or self.live():
            pod = self.pods[name]
            restarts = _restart_count(pod)
            pod["status"] = {
                "phase": "Running",
                "podIP": "10.0.0.1",
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                "containerStatuses": [
                    {
                        "name": c["name"],
                        "ready": ready,
                        "restartCount": restarts,
                        "state": {"running": {"startedAt": "2024-05-01T12:00:00Z"}},
                    }
                    for c in pod["spec"]["containers"]
                ],
            }

    def cannot_start(self, name: str, reason: str, message: str) -> None:
        """The kubelet gives up on the pod's containers for now: image absent, bad config."""
        self.pods[name]["status"] = {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": c["name"],
                    "ready": False,
                    "restartCount": 0,
                    "image": c.get("image", ""),
                    "state": {"waiting": {"reason": reason, "message": message}},
                }
                for c in self.pods[name]["spec"]["containers"]
            ],
        }

    def restart_in_place(self, name: str, exit_code: int = 1) -> None:
        for status in self.pods[name]["status"]["containerStatuses"]:
            status["restartCount"] += 1
            status["lastState"] = {"terminated": {"exitCode": exit_code, "reason": "Error"}}

    def finish(self, name: str, exit_code: int, reason: str = "", message: str = "") -> None:
        pod = self.pods[name]
        restarts = _restart_count(pod)
        terminated = {
            "exitCode": exit_code,
            "reason": reason or ("Completed" if not exit_code else "Error"),
        }
        if message:
            terminated["message"] = message
        pod["status"] = {
            "phase": "Succeeded" if exit_code == 0 else "Failed",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [
                {
                    "name": c["name"],
                    "ready": False,
                    "restartCount": restarts,
                    "state": {"terminated": terminated},
                }
                for c in pod["spec"]["containers"]
            ],
        }

    def delete(self, name: str) -> None:
        """Someone deleted the pod (kubectl delete, node drain): it is simply gone."""
        del self.pods[name]

    def evict(self, name: str) -> None:
        self.finish(name, 137, "ContainerStatusUnknown")
        self.pods[name]["status"].update(
            reason="Evicted", message="The node was low on resource: memory."
        )


def _restart_count(pod: dict) -> int:
    return sum(c.get("restartCount", 0) for c in pod.get("status", {}).get("containerStatuses", []))


def _merge(target: dict, patch: dict) -> None:
    """A JSON merge patch (RFC 7386), as the API server applies it."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)

"""render.py: Pod and Service manifests, env injection and the framework hook order."""

from __future__ import annotations

from builders import JOB_UID, FakeCluster

from troupe.core.framework import Framework

JOB = """
metadata: {name: r}
spec:
  roles:
    - name: ps
      restartPolicy: Always
      template: {spec: {containers: [{name: main, image: busybox}]}}
    - name: worker
      replicas: 2
      restartPolicy: ExitCode
      template:
        metadata: {labels: {team: vision}, annotations: {note: keep}}
        spec:
          initContainers: [{name: fetch, image: busybox}]
          containers:
            - name: main
              image: busybox
              env: [{name: TROUPE_ROLE, value: mine}]
            - {name: sidecar, image: busybox}
"""


def _created(manifest: str = JOB, framework=None) -> dict[str, dict]:
    cluster = FakeCluster(manifest, framework)
    return {m["metadata"]["name"]: m for m in cluster.reconcile().creates}


def _env(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


def test_headless_service_per_role_publishes_not_ready_addresses():
    service = _created()["r-worker"]
    assert service["spec"] == {
        "clusterIP": "None",
        "publishNotReadyAddresses": True,
        "selector": {"troupe.dev/job-name": "r", "troupe.dev/role": "worker"},
    }


def test_pod_has_stable_hostname_labels_and_controller_owner():
    pod = _created()["r-worker-1"]
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("r-worker-1", "r-worker")
    assert pod["metadata"]["labels"] == {
        "team": "vision",
        "troupe.dev/job-name": "r",
        "troupe.dev/role": "worker",
        "troupe.dev/index": "1",
        "troupe.dev/restart-generation": "0",
        "troupe.dev/framework": "generic",
    }
    assert pod["metadata"]["annotations"] == {"note": "keep"}
    assert pod["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "troupe.dev/v1alpha1",
            "kind": "TrainingJob",
            "name": "r",
            "uid": JOB_UID,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def test_pod_restart_policy_follows_the_role_policy():
    created = _created()
    assert created["r-ps-0"]["spec"]["restartPolicy"] == "Always"
    assert created["r-worker-0"]["spec"]["restartPolicy"] == "Never"


def test_env_goes_into_every_container_and_init_container():
    pod = _created()["r-worker-1"]
    spec = pod["spec"]
    for container in spec["initContainers"] + spec["containers"][1:]:
        env = _env(container)
        assert env["TROUPE_ROLE"] == "worker"
        assert env["TROUPE_INDEX"] == "1"
        assert env["TROUPE_REPLICAS"] == "2"
        assert env["TROUPE_JOB_UID"] == JOB_UID
        assert env["TROUPE_PS_HOSTS"] == "r-ps-0.r-ps.team-a.svc"
        assert env["TROUPE_WORKER_HOSTS"].split(",")[1] == "r-worker-1.r-worker.team-a.svc"


def test_env_set_in_the_template_wins():
    pod = _created()["r-worker-0"]
    assert _env(pod["spec"]["containers"][0])["TROUPE_ROLE"] == "mine"


class Recording(Framework):
    """Records the order its hooks run in and what each saw."""

    name = "recording"

    def __init__(self):
        self.calls: list[str] = []

    def validate(self, spec):
        self.calls.append("validate")
        return super().validate(spec)

    def extra_objects(self, ctx):
        self.calls.append("extra_objects")
        return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{ctx.name}-cfg"}}]

    def instance_env(self, ctx):
        self.calls.append(f"instance_env {ctx.role}-{ctx.index}")
        return {"RANK": str(ctx.index), "TROUPE_ROLE": "overridden?"}

    def adjust_pod(self, ctx, pod):
        self.calls.append(f"adjust_pod {ctx.role}-{ctx.index}")
        assert _env(pod["spec"]["containers"][0])["RANK"] == str(ctx.index)
        pod["spec"]["schedulerName"] = "gang"
        return pod


def test_framework_hooks_run_in_the_documented_order():
    framework = Recording()
    cluster = FakeCluster(
        JOB.replace("spec:\n  roles:", "spec:\n  framework: recording\n  roles:"), framework
    )
    creates = cluster.reconcile().creates
    assert framework.calls == [
        "validate",
        "extra_objects",
        "instance_env ps-0",
        "adjust_pod ps-0",
        "instance_env worker-0",
        "adjust_pod worker-0",
        "instance_env worker-1",
        "adjust_pod worker-1",
    ]
    config = creates[0]
    assert config["kind"] == "ConfigMap"
    assert config["metadata"]["namespace"] == "team-a"
    assert config["metadata"]["ownerReferences"][0]["uid"] == JOB_UID
    ps = next(m for m in creates if m["metadata"]["name"] == "r-ps-0")
    assert ps["spec"]["schedulerName"] == "gang"
    assert _env(ps["spec"]["containers"][0])["TROUPE_ROLE"] == "ps"  # Troupe's env first

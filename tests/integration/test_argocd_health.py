"""The Argo CD health check (docs/argocd-health.lua), run by a real Lua interpreter on
TrainingJobs the operator has driven to each phase."""

from __future__ import annotations

from lupa import LuaRuntime

from support.cluster import REPO
from support.jobs import apply, job_manifest
from support.kubelet import finish_pod
from support.operator import kubectl

SCRIPT = (REPO / "docs" / "argocd-health.lua").read_text()


def health(obj: dict) -> tuple[str, str]:
    lua = LuaRuntime()
    lua.globals().obj = _to_lua(lua, obj)
    result = lua.execute(SCRIPT)
    return result["status"], result["message"]


def _to_lua(lua, value):
    if isinstance(value, dict):
        return lua.table_from({k: _to_lua(lua, v) for k, v in value.items()})
    if isinstance(value, list):
        return lua.table_from([_to_lua(lua, v) for v in value])
    return value


def test_health_follows_the_job_through_its_phases(kubeconfig, namespace, jobs, core):
    apply(kubeconfig, namespace, job_manifest("ok", [{"name": "worker", "replicas": 1}]))
    apply(
        kubeconfig,
        namespace,
        job_manifest("bad", [{"name": "worker", "replicas": 1, "restartPolicy": "Never"}]),
    )
    apply(
        kubeconfig,
        namespace,
        job_manifest("held", [{"name": "worker", "replicas": 1}], runPolicy={"suspend": True}),
    )
    assert health(jobs.get("ok"))[0] in ("Progressing", "Healthy")

    jobs.wait_phase("ok", "Running")
    assert health(jobs.get("ok"))[0] == "Healthy"
    jobs.wait_pods("bad", 1, running=True)
    finish_pod(core, namespace, "ok-worker-0", exit_code=0)
    finish_pod(core, namespace, "bad-worker-0", exit_code=2)
    jobs.wait_phase("ok", "Succeeded")
    jobs.wait_phase("bad", "Failed")
    jobs.wait_phase("held", "Suspended")

    assert health(jobs.get("ok"))[0] == "Healthy"
    status, message = health(jobs.get("bad"))
    assert status == "Degraded" and "bad-worker-0" in message
    assert health(jobs.get("held"))[0] == "Suspended"
    kubectl(
        kubeconfig,
        "patch",
        "-n",
        namespace,
        "tj/held",
        "--type=merge",
        "-p",
        '{"spec":{"runPolicy":{"suspend":false}}}',
    )
    jobs.wait_phase("held", "Running")
    assert health(jobs.get("held"))[0] == "Healthy"

"""gang.py and its planner hook: PodGroups whose minMember follows dependency stages."""

from __future__ import annotations

from builders import FakeCluster, spec_from_yaml

from troupe.core import gang
from troupe.core.dag import RoleProgress

C = "template: {spec: {containers: [{name: main, image: busybox}]}}"


def job(roles: str, scheduling: str) -> str:
    return f"""
metadata: {{name: j}}
spec:
  scheduling: {scheduling}
  roles:
{roles}
"""


MASTER_WORKERS = f"""    - {{name: master, {C}}}
    - {{name: worker, replicas: 3, dependsOn: [{{role: master, condition: Ready}}], {C}}}"""
PARALLEL = f"""    - {{name: master, {C}}}
    - {{name: worker, replicas: 3, {C}}}"""
COSCHED = "{gang: {policy: coscheduling, scheduleTimeoutSeconds: 60}, priorityClassName: high}"
VOLCANO = "{gang: {policy: volcano}, queue: research}"


def _groups(plan):
    return [m for m in plan.creates if m["kind"] == "PodGroup"]


def _pods(plan):
    return [m for m in plan.creates if m["kind"] == "Pod"]


def test_gang_without_dependencies_is_the_whole_job():
    cluster = FakeCluster(job(PARALLEL, COSCHED))
    plan = cluster.reconcile()
    [group] = _groups(plan)
    assert group["apiVersion"] == "scheduling.x-k8s.io/v1alpha1"
    assert group["spec"] == {"minMember": 4, "scheduleTimeoutSeconds": 60}
    assert group["metadata"]["ownerReferences"][0]["name"] == "j"
    assert plan.creates.index(group) < plan.creates.index(_pods(plan)[0])
    assert cluster.status["gang"] == {"podGroup": "j", "minMember": 4}


def test_gang_never_waits_for_pods_held_back_by_dependencies():
    cluster = FakeCluster(job(MASTER_WORKERS, COSCHED))
    first = cluster.reconcile()
    assert [p["metadata"]["name"] for p in _pods(first)] == ["j-master-0"]
    assert _groups(first)[0]["spec"]["minMember"] == 1

    cluster.run("j-master-0")
    second = cluster.reconcile()
    assert len(_pods(second)) == 3
    assert [u["spec"]["minMember"] for u in second.updates] == [4]
    assert cluster.status["gang"]["minMember"] == 4

    assert cluster.reconcile().updates == []  # recorded: patched once


def test_every_pod_carries_scheduler_group_and_priority():
    cluster = FakeCluster(job(PARALLEL, COSCHED))
    for pod in _pods(cluster.reconcile()):
        assert pod["spec"]["schedulerName"] == "scheduler-plugins-scheduler"
        assert pod["spec"]["priorityClassName"] == "high"
        assert pod["metadata"]["labels"]["scheduling.x-k8s.io/pod-group"] == "j"


def test_volcano_group_uses_annotation_and_queue():
    plan = FakeCluster(job(PARALLEL, VOLCANO)).reconcile()
    [group] = _groups(plan)
    assert group["apiVersion"] == "scheduling.volcano.sh/v1beta1"
    assert group["spec"] == {"minMember": 4, "queue": "research"}
    pod = _pods(plan)[0]
    assert pod["spec"]["schedulerName"] == "volcano"
    assert pod["metadata"]["annotations"]["scheduling.k8s.io/group-name"] == "j"


def test_no_gang_policy_means_no_pod_group_and_default_scheduler():
    plan = FakeCluster(job(PARALLEL, "{priorityClassName: low}")).reconcile()
    assert _groups(plan) == []
    pod = _pods(plan)[0]
    assert "schedulerName" not in pod["spec"]
    assert pod["spec"]["priorityClassName"] == "low"


def _progress(**ready: int) -> dict[str, RoleProgress]:
    """Each role's pods all created and as many Ready as given (needed: 1)."""
    return {
        name: RoleProgress(needed=1, created=1, running=n, ready=n, succeeded=False)
        for name, n in ready.items()
    }


def test_min_available_caps_each_stage():
    spec = spec_from_yaml(job(MASTER_WORKERS, "{gang: {policy: volcano, minAvailable: 2}}"))
    assert gang.min_member(spec, _progress(master=0, worker=0)) == 1
    assert gang.min_member(spec, _progress(master=1, worker=0)) == 2


def test_elastic_roles_count_their_minimum():
    spec = spec_from_yaml(
        job(
            "    - {name: worker, replicas: 4, elastic: {minReplicas: 2, maxReplicas: 4}, "
            + C
            + "}",
            "{gang: {policy: coscheduling}}",
        )
    )
    assert gang.min_member(spec, {}) == 2


def test_a_succeeded_dependency_leaves_the_gang():
    spec = spec_from_yaml(
        job(
            f"""    - {{name: prep, {C}}}
    - {{name: worker, replicas: 2, dependsOn: [{{role: prep, condition: Succeeded}}], {C}}}""",
            "{gang: {policy: coscheduling}}",
        )
    )
    assert gang.min_member(spec, _progress(prep=0, worker=0)) == 1
    done = {
        **_progress(worker=0),
        "prep": RoleProgress(needed=1, created=1, running=1, ready=1, succeeded=True),
    }
    assert gang.min_member(spec, done) == 2

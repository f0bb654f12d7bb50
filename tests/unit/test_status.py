"""status.py: role state from pods, job verdict from roles, and condition timestamps."""

from __future__ import annotations

from datetime import timedelta

from builders import NOW, FakeCluster, spec_from_yaml

from troupe.core.framework import apply_defaults
from troupe.core.observed import instance_from_pod
from troupe.core.status import conditions, job_verdict, role_state
from troupe_frameworks.generic import Generic

WORKERS = """
metadata: {name: st}
spec:
  roles:
    - name: worker
      replicas: 3
      restartPolicy: Never
      statusPolicy: {success: {policy: AtLeast, count: 2}, failure: {policy: All}}
      template: {spec: {containers: [{name: main, image: busybox}]}}
"""


def _worker_state(finish: dict[int, int]):
    cluster = FakeCluster(WORKERS)
    cluster.reconcile()
    cluster.run()
    for index, code in finish.items():
        cluster.finish(f"st-worker-{index}", code)
    spec = apply_defaults(spec_from_yaml(WORKERS), Generic())
    instances = [instance_from_pod(p) for p in cluster.pods.values()]
    failed = {i.name for i in instances if i.phase == "Failed"}
    hosts = [f"st-worker-{i}.st-worker.team-a.svc" for i in range(3)]
    return role_state(spec.roles[0], instances, failed, hosts)


def test_role_counts_and_addresses_of_running_pods():
    state = _worker_state({0: 0})
    assert (state.running, state.ready, state.succeeded, state.failed) == (2, 2, 1, 0)
    assert state.addresses == (
        "st-worker-1.st-worker.team-a.svc",
        "st-worker-2.st-worker.team-a.svc",
    )
    assert state.phase == "Running"


def test_role_succeeds_at_least_count():
    assert _worker_state({0: 0, 1: 0}).phase == "Succeeded"


def test_role_failure_policy_all_tolerates_some_failures():
    assert _worker_state({0: 1, 1: 1}).phase == "Running"
    assert _worker_state({0: 1, 1: 1, 2: 1}).phase == "Failed"


def test_role_with_zero_replicas_has_succeeded():
    spec = apply_defaults(spec_from_yaml("spec: {roles: [{name: w, replicas: 0}]}"), Generic())
    assert role_state(spec.roles[0], [], set(), []).phase == "Succeeded"


def test_job_ignores_roles_marked_ignore_for_job():
    spec = apply_defaults(
        spec_from_yaml(
            """
            spec:
              roles:
                - {name: ps, statusPolicy: {ignoreForJob: true}}
                - {name: worker}
            """
        ),
        Generic(),
    )
    states = {
        "ps": role_state(spec.roles[0], [], set(), ["h"]),
        "worker": role_state(spec.roles[1], [], set(), ["h"]),
    }
    assert job_verdict(spec, states) is None
    states["worker"] = states["worker"].__class__(
        **{**states["worker"].__dict__, "phase": "Succeeded"}
    )
    assert job_verdict(spec, states) == "Succeeded"


def test_last_transition_time_moves_only_when_status_flips():
    first = conditions([], {"Running": ("Running", "1/2 ready")}, NOW, 1)
    later = NOW + timedelta(minutes=5)
    same = conditions(first, {"Running": ("Running", "2/2 ready")}, later, 2)
    assert same[0]["lastTransitionTime"] == "2024-05-01T12:00:00Z"
    assert (same[0]["message"], same[0]["observedGeneration"]) == ("2/2 ready", 2)
    flipped = conditions(same, {"Succeeded": ("Succeeded", "done")}, later, 2)
    running, succeeded = flipped
    assert (running["type"], running["status"]) == ("Running", "False")
    assert running["lastTransitionTime"] == "2024-05-01T12:05:00Z"
    assert succeeded == {
        "type": "Succeeded",
        "status": "True",
        "reason": "Succeeded",
        "message": "done",
        "lastTransitionTime": "2024-05-01T12:05:00Z",
        "observedGeneration": 2,
    }


def test_conditions_never_true_are_left_out():
    types = [c["type"] for c in conditions([], {"Running": ("Running", "")}, NOW, 1)]
    assert types == ["Running"]


def _states(conds: list[dict]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in conds}


def test_kstatus_conditions_follow_the_phase():
    pending = conditions([], {"Created": ("Created", "")}, NOW, 1)
    assert _states(pending) == {"Created": "True", "Reconciling": "True"}
    running = conditions(pending, {"Created": ("Created", ""), "Running": ("Running", "")}, NOW, 1)
    assert _states(running) == {"Created": "True", "Running": "True", "Reconciling": "False"}
    restarting = conditions(running, {"Restarting": ("Restarting", "pods back")}, NOW, 1)
    assert _states(restarting)["Reconciling"] == "True"
    failed = conditions(restarting, {"Failed": ("BackoffLimitExceeded", "pod x failed")}, NOW, 1)
    stalled = next(c for c in failed if c["type"] == "Stalled")
    assert (stalled["status"], stalled["reason"], stalled["message"]) == (
        "True",
        "BackoffLimitExceeded",
        "pod x failed",
    )
    assert _states(failed)["Reconciling"] == "False"
    queued = conditions([], {"Queued": ("Queued", "waits for room")}, NOW, 1)
    assert _states(queued) == {"Queued": "True", "Reconciling": "True"}

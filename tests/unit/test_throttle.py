import copy
import math

import pytest

from troupe.core.throttle import ProgressPace, counters_only

RUNNING = {
    "phase": "Running",
    "readyPods": 1,
    "totalPods": 3,
    "conditions": [{"type": "Running", "status": "True"}],
    "roles": [{"name": "worker", "replicas": 3, "pending": 2, "ready": 1, "phase": "Running"}],
}


def _with(**changes):
    status = copy.deepcopy(RUNNING)
    for key, value in changes.items():
        if key.startswith("role_"):
            status["roles"][0][key[5:]] = value
        else:
            status[key] = value
    return status


@pytest.mark.parametrize(
    "new, waits",
    [
        (_with(readyPods=2, role_ready=2, role_pending=1), True),
        (_with(role_addresses=["a.svc"]), True),
        (_with(phase="Succeeded"), False),
        (_with(restarts=1), False),
        (_with(role_phase="Succeeded"), True),
        (_with(message="2 of 3 pods ready"), True),
        (_with(conditions=[{"type": "Running", "status": "False"}]), False),
        (_with(conditions=[{"type": "Running", "status": "True", "message": "2/3 ready"}]), True),
        (_with(conditions=[{"type": "Running", "status": "True", "reason": "Restarted"}]), False),
        (_with(membership={"generation": 2}), False),
        (copy.deepcopy(RUNNING), False),  # nothing changed: nothing to write at all
    ],
)
def test_only_pod_counters_may_wait(new, waits):
    assert counters_only(RUNNING, new) is waits


def test_the_phase_goes_out_at_once_with_everything_else():
    new = _with(phase="Failed", message="worker-0 exited 1", role_failed=1)
    assert not counters_only(RUNNING, new)


def test_the_last_pod_becoming_ready_is_progress_too():
    """The phase change that follows (Pending -> Running) is what goes out at once."""
    assert counters_only(RUNNING, _with(readyPods=3, role_ready=3, role_pending=0))


def test_progress_is_written_once_it_has_been_still_for_the_quiet_time():
    pace = ProgressPace(quiet=5, cap=30)
    two = _with(readyPods=2)
    assert pace.hold(0, two) == 5
    assert pace.hold(3, two) == 2  # unchanged: the quiet time runs from its last move
    assert pace.hold(5, two) is None


def test_moving_progress_waits_again_but_never_past_the_cap():
    pace = ProgressPace(quiet=5, cap=30)
    waits = [pace.hold(t, _with(readyPods=t)) for t in (0, 4, 8, 27)]
    assert waits == [5, 5, 5, 3]  # the last is cut to the cap, 30 s after the first
    assert pace.hold(30, _with(readyPods=27)) is None


def test_a_write_of_anything_clears_held_progress():
    pace = ProgressPace(quiet=5, cap=30)
    pace.hold(0, _with(readyPods=2))
    pace.clear()
    assert pace.hold(40, _with(readyPods=2)) == 5  # a fresh wait, not due since 0


def test_due_writes_a_phase_change_at_once_and_holds_progress():
    pace = ProgressPace(quiet=5, cap=30)
    running = _with(readyPods=1)
    assert pace.due(0, running, _with(readyPods=2)) == 5
    assert pace.due(0, running, {**running, "phase": "Succeeded"}) == 0
    assert pace.held is None  # the write took the held progress along
    assert pace.due(1, running, _with(readyPods=2)) == 5  # a fresh wait


def test_due_writes_held_progress_once_still_for_the_quiet_time():
    pace = ProgressPace(quiet=5, cap=30)
    old = _with(readyPods=1)
    assert pace.due(0, old, _with(readyPods=2)) == 5
    assert pace.due(5, old, _with(readyPods=2)) == 0
    assert pace.held is None


def test_a_finished_jobs_progress_is_never_written_on_its_own():
    pace = ProgressPace(quiet=5, cap=30)
    for phase in ("Succeeded", "Failed"):
        old = {**_with(readyPods=1), "phase": phase}
        assert pace.due(0, old, {**old, "readyPods": 0}) == math.inf
        assert pace.due(100, old, {**old, "readyPods": 0}) == math.inf
        assert pace.due(100, old, {**old, "phase": "Restarting"}) == 0


def test_progress_without_a_quiet_time_waits_for_the_next_phase():
    pace = ProgressPace(quiet=math.inf, cap=math.inf)  # --progress-seconds 0
    old = _with(readyPods=1)
    for now in (0, 60, 86_400):
        assert pace.due(now, old, _with(readyPods=2)) == math.inf
    assert pace.due(86_400, old, _with(readyPods=3, phase="Succeeded")) == 0


def test_a_role_failing_goes_out_at_once_though_the_job_runs_on():
    assert not counters_only(RUNNING, _with(role_phase="Failed", role_failed=1))
    pace = ProgressPace(quiet=30, cap=60)
    assert pace.due(0, RUNNING, _with(role_phase="Failed", role_failed=1)) == 0

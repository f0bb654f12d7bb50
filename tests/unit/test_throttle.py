import copy

import pytest

from troupe.throttle import CounterPace, counters_only

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


def test_the_last_pod_becoming_ready_is_written_at_once():
    assert not counters_only(RUNNING, _with(readyPods=3, role_ready=3, role_pending=0))


def test_counter_pace_backs_off_while_only_counters_move_and_resets_on_a_milestone():
    pace = CounterPace(base=2, cap=30)
    assert pace.hold(0) is None  # nothing written yet: write now
    pace.written(0, counters_only=False)
    assert pace.hold(1) == 1
    assert pace.hold(2) is None
    waits = []
    now = 2.0
    for _ in range(6):
        pace.written(now, counters_only=True)
        waits.append(pace.wait)
        now += pace.wait
    assert waits == [4, 8, 16, 30, 30, 30]  # the milestone itself waited 2
    pace.written(now, counters_only=False)
    assert pace.wait == 2

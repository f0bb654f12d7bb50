"""What the watcher records: a job's phase, a pod's state, an event, a timed log line."""

from __future__ import annotations

import pytest

from troupe_studio.domain.render import RunArtifacts, Task, render_job, with_pod_spec
from troupe_studio.domain.run_state import (
    LogCursor,
    event_entry,
    job_phase,
    job_summary,
    line_metric,
    normal_stamp,
    pod_state,
    run_roles,
    split_timestamp,
)


def pod(phase="Running", state=None, restarts=0, deleting=False, name="fit-r1-worker-0"):
    meta = {"name": name, "labels": {"troupe.dev/role": "worker"}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    statuses = [{"name": "sidecar", "state": {"running": {}}, "restartCount": 9}]
    if state is not None:
        statuses.append({"name": "main", "state": state, "restartCount": restarts})
    return {"metadata": meta, "status": {"phase": phase, "containerStatuses": statuses}}


@pytest.mark.parametrize(
    "given, expected",
    [
        (pod("Pending"), ("Pending", None, 0, False)),
        (pod("Pending", {"waiting": {"reason": "ContainerCreating"}}), ("Pending", None, 0, False)),
        (pod("Running", {"running": {}}, restarts=2), ("Running", None, 2, True)),
        (pod("Failed", {"terminated": {"exitCode": 3}}), ("Failed", 3, 0, True)),
        (pod("Running", {"running": {}}, deleting=True), ("Terminating", None, 0, True)),
    ],
)
def test_a_pod_is_told_by_its_training_container(given, expected):
    state = pod_state(given, "main")
    assert (state["phase"], state["exitCode"], state["restarts"], state["started"]) == expected
    assert (state["pod"], state["role"]) == ("fit-r1-worker-0", "worker")


def test_a_job_without_status_is_pending_and_its_summary_keeps_timings():
    assert job_phase({"metadata": {}}) == ("Pending", "")
    job = {"status": {"phase": "Running", "message": "1/1 ready", "startTime": "t0"}}
    summary = job_summary(job)
    assert (summary["phase"], summary["message"], summary["startTime"]) == (
        "Running",
        "1/1 ready",
        "t0",
    )
    assert summary["completionTime"] is None and summary["conditions"] == []


def test_an_event_repeat_has_a_new_key_and_names_its_object():
    e = {
        "metadata": {"uid": "u1"},
        "involvedObject": {"kind": "Pod", "name": "p"},
        "reason": "Pulled",
        "message": "pulled",
        "count": 1,
    }
    first, again = event_entry(e), event_entry(e | {"count": 2})
    assert first["object"] == "Pod/p" and first["reason"] == "Pulled"
    assert first["key"] != again["key"]


def test_log_stamps_compare_in_time_order_whatever_digits_the_kubelet_kept():
    a, _ = split_timestamp("2026-01-02T03:04:05.1Z first")
    b, text = split_timestamp("2026-01-02T03:04:05.123Z second line")
    assert text == "second line" and a < b
    assert normal_stamp("2026-01-02T03:04:05Z") == "2026-01-02T03:04:05.000000000Z"
    assert split_timestamp("no stamp here") == ("", "no stamp here")


def test_metric_lines_are_read_and_bad_ones_are_plain_log():
    m = line_metric('[rank0]: TROUPE_METRIC {"step": 3, "loss": 0.5}')
    assert (m.step, m.values) == (3, {"loss": 0.5})
    assert line_metric('TROUPE_METRIC {"step": -1, "loss": 1}') is None
    assert line_metric("loss 0.5") is None


def test_the_deployments_pod_spec_is_merged_into_every_role():
    task = Task(name="fit", roles=[{"name": "a"}, {"name": "b"}], command=["python3", "t.py"])
    job = render_job(task, 1, "ns", RunArtifacts(dataset="s3://b/d.csv"))
    placed = with_pod_spec(
        job, {"nodeSelector": {"pool": "gpu"}, "tolerations": [{"key": "k"}], "priority": 1}
    )
    for role in placed["spec"]["roles"]:
        spec = role["template"]["spec"]
        assert spec["nodeSelector"] == {"pool": "gpu"} and spec["tolerations"] == [{"key": "k"}]
        assert spec["containers"][0]["command"] == ["python3", "t.py"]
    assert "nodeSelector" not in job["spec"]["roles"][0]["template"]["spec"]  # a copy


def test_extra_env_reaches_every_training_container():
    from troupe_studio.domain.render import with_env

    task = Task(name="fit", roles=[{"name": "a"}], command=["python3", "t.py"])
    job = with_env(render_job(task, 1, "ns"), {"TROUPE_MAX_STEPS": "5"})
    env = job["spec"]["roles"][0]["template"]["spec"]["containers"][0]["env"]
    assert env[-1] == {"name": "TROUPE_MAX_STEPS", "value": "5"}
    assert env[0]["name"] == "TROUPE_STUDIO_TASK"


def test_a_validation_run_never_restarts_its_pods():
    from troupe.api.spec import validate_spec
    from troupe_studio.domain.render import without_restarts

    task = Task(name="fit", roles=[{"name": "a"}, {"name": "b"}], command=["python3", "t.py"])
    job = without_restarts(render_job(task, 1, "ns"))
    assert [r["restartPolicy"] for r in job["spec"]["roles"]] == ["Never", "Never"]
    assert validate_spec(job["spec"])[1] == []


def manifest(framework: str, roles: list[dict]) -> dict:
    task = Task(name="fit", framework=framework, roles=roles, command=["python3", "t.py"])
    return render_job(task, 1, "team-a")


def test_roles_wait_for_what_the_framework_makes_them_wait_for():
    spec = manifest("pytorch", [{"name": "master"}, {"name": "worker", "replicas": 2}])["spec"]
    roles = run_roles(spec, [{"name": "master", "phase": "Running", "ready": 1}])
    assert roles == [
        {"name": "master", "phase": "Running", "ready": 1, "dependsOn": []},
        {
            "name": "worker",
            "phase": "Pending",
            "dependsOn": [{"role": "master", "condition": "Ready"}],
        },
    ]


def test_a_stated_dependency_replaces_the_framework_default():
    spec = manifest("tensorflow", [{"name": "ps"}, {"name": "chief"}, {"name": "worker"}])["spec"]
    spec["roles"][2]["dependsOn"] = [{"role": "chief", "condition": "Running"}]
    deps = {r["name"]: r["dependsOn"] for r in run_roles(spec, [])}
    assert deps == {
        "ps": [],
        "chief": [{"role": "ps", "condition": "Ready"}],
        "worker": [{"role": "chief", "condition": "Running"}],
    }


def test_roles_of_a_spec_that_does_not_parse_are_drawn_as_written():
    spec = {
        "roles": [{"name": "a", "replicas": "many"}, {"name": "b", "dependsOn": [{"role": "a"}]}]
    }
    roles = run_roles(
        spec,
        [{"name": "b", "phase": "Failed"}, {"name": "gone", "phase": "Succeeded"}, {"name": "new"}],
    )
    assert [(r["name"], r["phase"], r["dependsOn"]) for r in roles] == [
        ("a", "Pending", []),
        ("b", "Failed", [{"role": "a"}]),
        ("gone", "Succeeded", []),
        ("new", "Pending", []),  # reported before its phase was
    ]


def test_a_framework_not_installed_keeps_the_stated_dependencies():
    spec = {
        "framework": "no-such",
        "roles": [{"name": "a"}, {"name": "b", "dependsOn": [{"role": "a"}]}],
    }
    deps = [r["dependsOn"] for r in run_roles(spec, [])]
    assert deps == [[], [{"role": "a", "condition": "Ready"}]]


A, B, C = (f"2026-12-04T10:00:0{i}.000000000Z" for i in (1, 2, 3))


def _taken(cursor: LogCursor, stamps: list[str]) -> list[int]:
    return [i for i, stamp in enumerate(stamps) if cursor.take(stamp)]


def test_a_stream_keeps_every_line_even_those_sharing_a_stamp():
    assert _taken(LogCursor(), [A, A, B, B, B, C]) == [0, 1, 2, 3, 4, 5]


def test_a_resumed_stream_skips_what_is_stored_line_for_line():
    cursor = LogCursor()
    _taken(cursor, [A, B, B])  # stored: A, then two lines at B
    cursor.resume()
    # the API resends from a second early: A, both B lines, then a third B line and C are new
    assert _taken(cursor, [A, B, B, B, C]) == [3, 4]
    assert (cursor.last, cursor.same) == (C, 1)


def test_a_cursor_from_the_database_resumes_the_same_way():
    cursor = LogCursor(B, 2)
    cursor.resume()
    assert _taken(cursor, [A, B, B, B, "", C]) == [3, 4, 5]


def test_after_the_first_new_line_nothing_is_skipped():
    cursor = LogCursor(B, 1)
    cursor.resume()
    assert _taken(cursor, [C, A, B]) == [0, 1, 2]

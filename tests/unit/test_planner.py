"""planner.py: whole reconcile passes against a fake cluster, one behaviour per test."""

from __future__ import annotations

import pytest
from builders import FakeCluster

from troupe.core.planner import JobView
from troupe_frameworks.generic import Generic

C = "template: {spec: {containers: [{name: main, image: busybox}]}}"


def job(roles: str, run_policy: str = "{}", name: str = "j", framework: str = "generic") -> str:
    return f"""
metadata: {{name: {name}}}
spec:
  framework: {framework}
  runPolicy: {run_policy}
  roles:
{roles}
"""


ONE_WORKER = job(f"    - {{name: worker, {C}}}")
TWO_WORKERS_EXIT_CODE = job(f"    - {{name: worker, replicas: 2, restartPolicy: ExitCode, {C}}}")
MASTER_WORKER = job(
    f"""    - {{name: master, {C}}}
    - {{name: worker, replicas: 2, dependsOn: [{{role: master, condition: Ready}}], {C}}}"""
)


def _names(plan, kind="Pod"):
    return [m["metadata"]["name"] for m in plan.creates if m["kind"] == kind]


def test_first_pass_creates_services_and_pods_and_is_pending():
    cluster = FakeCluster(TWO_WORKERS_EXIT_CODE)
    plan = cluster.reconcile()
    assert _names(plan, "Service") == ["j-worker"]
    assert _names(plan) == ["j-worker-0", "j-worker-1"]
    assert [m["kind"] for m in plan.creates] == ["Service", "Pod", "Pod"]
    assert cluster.status["phase"] == "Pending"
    assert cluster.status["totalPods"] == 2
    assert cluster.condition("Created")["status"] == "True"


def test_replanning_the_same_state_changes_nothing():
    cluster = FakeCluster(TWO_WORKERS_EXIT_CODE)
    cluster.reconcile()
    cluster.run()
    first = cluster.reconcile()
    cluster.advance(30)
    again = cluster.reconcile()
    assert (again.creates, again.deletes, again.events) == ([], [], [])
    assert again.status == first.status


def test_same_input_gives_the_same_plan():
    cluster = FakeCluster(MASTER_WORKER)
    assert cluster.plan() == cluster.plan()


def test_worker_waits_for_ready_master():
    cluster = FakeCluster(MASTER_WORKER)
    first = cluster.reconcile()
    assert _names(first) == ["j-master-0"]
    assert _names(first, "Service") == ["j-master"]  # a role's Service comes with its pods
    assert cluster.status["message"] == "0/3 pods running; worker waits for master Ready"
    cluster.run("j-master-0", ready=False)
    assert _names(cluster.reconcile(), "Service") == []
    cluster.run("j-master-0", ready=True)
    second = cluster.reconcile()
    assert _names(second) == ["j-worker-0", "j-worker-1"]
    assert _names(second, "Service") == ["j-worker"]
    assert cluster.status["phase"] == "Pending"  # the master alone does not train
    assert cluster.status["message"] == "1/3 pods running"
    cluster.run()
    cluster.reconcile()
    assert cluster.status["phase"] == "Running"
    assert cluster.status["message"] == "3/3 pods ready"


def test_role_gated_on_succeeded_starts_after_preparation():
    cluster = FakeCluster(
        job(
            f"""    - {{name: prepare, {C}}}
    - {{name: train, dependsOn: [{{role: prepare, condition: Succeeded}}], {C}}}"""
        )
    )
    cluster.reconcile()
    cluster.run()
    assert _names(cluster.reconcile()) == []
    cluster.finish("j-prepare-0", 0)
    assert _names(cluster.reconcile()) == ["j-train-0"]
    assert cluster.status["phase"] == "Pending"
    cluster.run("j-train-0")
    cluster.reconcile()
    assert cluster.status["phase"] == "Running"  # prepare's pod ran: it counts as up
    cluster.finish("j-train-0", 0)
    cluster.reconcile()
    assert cluster.status["phase"] == "Succeeded"
    assert cluster.status["completionTime"] == "2024-05-01T12:00:00Z"


def test_exit_code_137_recreates_the_pod_under_the_same_name():
    cluster = FakeCluster(TWO_WORKERS_EXIT_CODE)
    cluster.reconcile()
    cluster.run()
    cluster.reconcile()
    cluster.finish("j-worker-0", 137, "OOMKilled")
    plan = cluster.reconcile()
    assert plan.deletes == [("Pod", "j-worker-0")]
    assert _names(plan) == []
    assert cluster.status["phase"] == "Restarting"
    assert cluster.status["restarts"] == 1
    assert any("exit code 137 (OOMKilled)" in e.message for e in plan.events)
    cluster.finish_deletions()
    assert _names(cluster.reconcile()) == ["j-worker-0"]
    cluster.run()
    cluster.reconcile()
    assert (cluster.status["phase"], cluster.status["restarts"]) == ("Running", 1)


def test_terminating_pod_is_not_recreated():
    cluster = FakeCluster(TWO_WORKERS_EXIT_CODE)
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-1", 143)
    cluster.reconcile()
    for _ in range(3):
        plan = cluster.reconcile()
        assert (plan.creates, plan.deletes) == ([], [])
    assert cluster.status["restarts"] == 1


def test_exit_code_1_fails_the_job_naming_the_pod():
    cluster = FakeCluster(TWO_WORKERS_EXIT_CODE)
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-1", 1, "Error")
    plan = cluster.reconcile()
    status = cluster.status
    assert status["phase"] == "Failed"
    assert status["message"] == "pod j-worker-1 failed with exit code 1 (Error)"
    failed = cluster.condition("Failed")
    assert (failed["status"], failed["reason"], failed["observedGeneration"]) == (
        "True",
        "RoleFailed",
        1,
    )
    assert plan.deletes == [("Pod", "j-worker-0")]  # cleanPodPolicy Running
    assert any(e.type == "Warning" and e.reason == "RoleFailed" for e in plan.events)


def test_never_policy_fails_the_job_with_the_kill_reason():
    cluster = FakeCluster(job(f"    - {{name: worker, restartPolicy: Never, {C}}}"))
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-0", 137, "OOMKilled")
    cluster.reconcile()
    assert cluster.status["phase"] == "Failed"
    assert "OOMKilled" in cluster.status["message"]


def test_on_failure_recreates_an_evicted_pod():
    cluster = FakeCluster(ONE_WORKER)
    cluster.reconcile()
    cluster.run()
    cluster.reconcile()
    cluster.evict("j-worker-0")
    assert cluster.reconcile().deletes == [("Pod", "j-worker-0")]
    cluster.finish_deletions()
    assert _names(cluster.reconcile()) == ["j-worker-0"]
    assert cluster.status["phase"] == "Restarting"  # not back to Pending
    cluster.run()
    cluster.reconcile()
    assert cluster.status["phase"] == "Running"


def test_backoff_limit_counts_in_place_and_recreated_restarts():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{backoffLimit: 2}"))
    cluster.reconcile()
    cluster.run()
    cluster.restart_in_place("j-worker-0")
    cluster.restart_in_place("j-worker-0")
    cluster.reconcile()
    assert (cluster.status["phase"], cluster.status["restarts"]) == ("Running", 2)
    cluster.evict("j-worker-0")
    cluster.reconcile()
    assert cluster.status["phase"] == "Failed"
    assert cluster.condition("Failed")["reason"] == "BackoffLimitExceeded"
    assert "Evicted" in cluster.status["message"]


def test_restarts_of_a_replaced_pod_still_count():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{backoffLimit: 3}"))
    cluster.reconcile()
    cluster.run()
    cluster.restart_in_place("j-worker-0")
    cluster.evict("j-worker-0")
    cluster.reconcile()
    cluster.finish_deletions()
    cluster.reconcile()
    cluster.run()
    cluster.reconcile()
    assert cluster.status["restarts"] == 2  # one in place, one recreation
    cluster.restart_in_place("j-worker-0")
    cluster.restart_in_place("j-worker-0")
    cluster.reconcile()
    assert cluster.condition("Failed")["reason"] == "BackoffLimitExceeded"


def test_backoff_limit_zero_fails_on_the_first_retry():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{backoffLimit: 0}"))
    cluster.reconcile()
    cluster.run()
    cluster.evict("j-worker-0")
    plan = cluster.reconcile()
    assert cluster.condition("Failed")["reason"] == "BackoffLimitExceeded"
    assert _names(plan) == []


def test_active_deadline_fails_the_job_and_removes_running_pods():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{activeDeadlineSeconds: 60}"))
    assert cluster.reconcile().requeue_after == 60
    cluster.run()
    cluster.advance(45)
    assert cluster.reconcile().requeue_after == 15
    cluster.advance(15)
    plan = cluster.reconcile()
    assert cluster.condition("Failed")["reason"] == "DeadlineExceeded"
    assert plan.deletes == [("Pod", "j-worker-0")]


@pytest.mark.parametrize(
    ("policy", "deleted"),
    [
        ("Running", ["j-ps-0"]),
        ("All", ["j-ps-0", "j-worker-0"]),
        ("None", []),
    ],
)
def test_clean_pod_policy_on_success(policy, deleted):
    cluster = FakeCluster(
        job(
            f"""    - {{name: ps, restartPolicy: Always, statusPolicy: {{ignoreForJob: true}}, {C}}}
    - {{name: worker, {C}}}""",
            f"{{cleanPodPolicy: {policy}}}",
        )
    )
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-0", 0)
    plan = cluster.reconcile()
    assert cluster.status["phase"] == "Succeeded"
    assert [n for _, n in plan.deletes] == deleted
    assert [n for _, n in cluster.reconcile().deletes] == []  # already terminating


def test_finished_job_stays_finished_when_its_pods_go():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{cleanPodPolicy: All}"))
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-0", 0)
    cluster.reconcile()
    finished = cluster.status
    cluster.finish_deletions()
    cluster.advance(600)
    plan = cluster.reconcile()
    assert (plan.creates, plan.deletes, plan.events) == ([], [], [])
    assert cluster.status == finished


def test_ttl_requeues_until_due_then_deletes_the_job():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{ttlSecondsAfterFinished: 100}"))
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-0", 0)
    plan = cluster.reconcile()
    assert (plan.delete_job, plan.requeue_after) == (False, 100)
    cluster.advance(99)
    assert cluster.reconcile().requeue_after == 1
    cluster.advance(1)
    assert cluster.reconcile().delete_job is True


def test_suspend_deletes_pods_and_resume_recreates_them():
    cluster = FakeCluster(job(f"    - {{name: worker, replicas: 2, {C}}}"))
    cluster.reconcile()
    cluster.run()
    cluster.reconcile()
    cluster.set_spec(runPolicy={"suspend": True})
    plan = cluster.reconcile()
    assert sorted(n for _, n in plan.deletes) == ["j-worker-0", "j-worker-1"]
    assert cluster.status["phase"] == "Suspended"
    assert cluster.condition("Suspended")["status"] == "True"
    assert cluster.condition("Running")["status"] == "False"
    cluster.finish_deletions()
    assert cluster.reconcile().creates == []
    cluster.set_spec(runPolicy={"suspend": False})
    assert _names(cluster.reconcile()) == ["j-worker-0", "j-worker-1"]
    cluster.run()
    cluster.reconcile()
    assert cluster.status["phase"] == "Running"
    assert cluster.condition("Suspended")["status"] == "False"


def test_suspended_job_restarts_its_deadline_clock_on_resume():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{activeDeadlineSeconds: 60}"))
    cluster.reconcile()
    cluster.set_spec(runPolicy={"activeDeadlineSeconds": 60, "suspend": True})
    cluster.reconcile()
    cluster.finish_deletions()
    cluster.advance(3600)
    cluster.set_spec(runPolicy={"activeDeadlineSeconds": 60, "suspend": False})
    assert cluster.reconcile().requeue_after == 60
    assert cluster.status["phase"] == "Pending"


def test_job_created_suspended_creates_nothing():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{suspend: true}"))
    plan = cluster.reconcile()
    assert plan.creates == [] and cluster.status["phase"] == "Suspended"


def test_whole_job_restart_recreates_every_pod_under_a_new_generation():
    cluster = FakeCluster(
        job(
            f"""    - {{name: master, restartPolicy: ExitCode, restartScope: Job, {C}}}
    - {{name: worker, replicas: 2, restartPolicy: ExitCode, restartScope: Job, {C}}}"""
        )
    )
    cluster.reconcile()
    cluster.run()
    cluster.restart_in_place("j-master-0")
    cluster.reconcile()
    cluster.finish("j-worker-1", 137, "OOMKilled")
    plan = cluster.reconcile()
    assert sorted(n for _, n in plan.deletes) == ["j-master-0", "j-worker-0", "j-worker-1"]
    assert _names(plan) == []
    assert (cluster.status["restartGeneration"], cluster.status["restarts"]) == (1, 2)
    assert cluster.status["phase"] == "Restarting"
    assert any(e.reason == "RestartingJob" for e in plan.events)

    again = cluster.reconcile()  # old pods still terminating: nothing new yet
    assert (again.creates, again.deletes) == ([], [])
    assert cluster.status["restartGeneration"] == 1
    cluster.finish_deletions()
    plan = cluster.reconcile()
    assert _names(plan) == ["j-master-0", "j-worker-0", "j-worker-1"]
    assert {m["metadata"]["labels"]["troupe.dev/restart-generation"] for m in plan.creates} == {"1"}
    cluster.run()
    cluster.reconcile()
    assert (cluster.status["phase"], cluster.status["restarts"]) == ("Running", 2)


def test_pods_of_an_older_generation_are_ignored_for_status():
    cluster = FakeCluster(
        job(f"    - {{name: worker, replicas: 2, restartPolicy: Never, restartScope: Job, {C}}}")
    )
    cluster.reconcile()
    cluster.run()
    cluster.status["restartGeneration"] = 1  # as after a whole-job restart
    cluster.finish("j-worker-0", 1)  # a stale pod failing must not fail the job
    plan = cluster.reconcile()
    assert cluster.status["phase"] == "Restarting"
    assert sorted(n for _, n in plan.deletes) == ["j-worker-0", "j-worker-1"]
    assert cluster.role("worker")["failed"] == 0


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        (
            job(
                f"""    - {{name: a, dependsOn: [{{role: b}}], {C}}}
    - {{name: b, dependsOn: [{{role: a}}], {C}}}"""
            ),
            "dependency cycle: a -> b -> a",
        ),
        (job(f"    - {{name: worker, {C}}}", framework="nope"), 'unknown framework "nope"'),
        (job(f"    - {{name: Worker, replicas: -1, {C}}}"), "spec.roles[0].replicas"),
        (
            job(f"    - {{name: w, statusPolicy: {{success: {{policy: Most}}}}, {C}}}"),
            'unknown status policy "Most"',
        ),
        (job(f"    - {{name: worker, {C}}}", name="x" * 60), "longer than 63"),
    ],
)
def test_invalid_stored_job_fails_with_invalid_spec_and_creates_nothing(manifest, words):
    cluster = FakeCluster(manifest)
    plan = cluster.reconcile()
    assert plan.creates == [] and plan.deletes == []
    assert cluster.status["phase"] == "Failed"
    assert cluster.condition("Failed")["reason"] == "InvalidSpec"
    assert words in cluster.status["message"]
    assert cluster.reconcile().events == []  # stable on the next pass


def test_fixed_spec_runs_after_invalid_spec():
    cluster = FakeCluster(job(f"    - {{name: w, dependsOn: [{{role: w}}], {C}}}"))
    cluster.reconcile()
    cluster.set_spec(roles=[{"name": "w", "template": {"spec": {"containers": [{"name": "m"}]}}}])
    assert _names(cluster.reconcile()) == ["j-w-0"]
    assert cluster.condition("Failed")["status"] == "False"
    assert "completionTime" not in cluster.status


def test_first_start_is_told_by_its_running_event_alone():
    cluster = FakeCluster(ONE_WORKER)
    plan_ = cluster.reconcile()
    assert _names(plan_) and plan_.events == []  # Pending needs no Event of its own
    cluster.run()
    assert [e.reason for e in cluster.reconcile().events] == ["Running"]


def test_creations_after_the_first_start_are_recorded():
    cluster = FakeCluster(job(f"    - {{name: worker, replicas: 1, {C}}}"))
    cluster.reconcile()
    cluster.run()
    cluster.reconcile()
    roles = cluster.body["spec"]["roles"]
    cluster.set_spec(roles=[{**roles[0], "replicas": 2}])
    events = [(e.reason, e.message) for e in cluster.reconcile().events]
    assert ("CreatedPod", "created pod j-worker-1") in events


def test_scaling_down_deletes_pods_beyond_replicas():
    cluster = FakeCluster(job(f"    - {{name: worker, replicas: 3, {C}}}"))
    cluster.reconcile()
    cluster.run()
    roles = cluster.body["spec"]["roles"]
    cluster.set_spec(roles=[{**roles[0], "replicas": 1}])
    assert cluster.reconcile().deletes == [("Pod", "j-worker-1"), ("Pod", "j-worker-2")]
    assert cluster.status["totalPods"] == 1


def test_dependent_of_elastic_role_starts_once_min_replicas_are_ready():
    cluster = FakeCluster(
        job(
            f"""    - {{name: worker, replicas: 3, elastic: {{minReplicas: 2, maxReplicas: 4}},
       {C}}}
    - {{name: monitor, dependsOn: [{{role: worker, condition: Ready}}], {C}}}"""
        )
    )
    cluster.reconcile()
    cluster.run("j-worker-0")
    assert _names(cluster.reconcile()) == []
    cluster.run("j-worker-1")
    assert _names(cluster.reconcile()) == ["j-monitor-0"]


def test_role_status_reports_counts_and_addresses():
    cluster = FakeCluster(MASTER_WORKER)
    cluster.reconcile()
    cluster.reconcile()
    assert cluster.role("master")["pending"] == 1
    cluster.run("j-master-0")
    cluster.reconcile()
    assert cluster.role("master")["addresses"] == ["j-master-0.j-master.team-a.svc"]
    assert (cluster.status["readyPods"], cluster.status["totalPods"]) == (1, 3)


def test_pods_a_pass_creates_count_as_pending_in_its_own_status():
    cluster = FakeCluster(MASTER_WORKER)
    cluster.reconcile()  # the first write says the master exists: no second write for it
    assert (cluster.role("master")["pending"], cluster.role("worker")["pending"]) == (1, 0)
    cluster.run("j-master-0")
    assert _names(cluster.reconcile()) == ["j-worker-0", "j-worker-1"]
    assert (cluster.role("master")["pending"], cluster.role("worker")["pending"]) == (0, 2)


def test_plan_accepts_a_framework_instance():
    cluster = FakeCluster(ONE_WORKER, Generic())
    assert _names(cluster.reconcile()) == ["j-worker-0"]


def test_job_view_parses_the_spec_again_only_when_the_generation_moves():
    body = {
        "metadata": {"name": "j", "uid": "u1", "generation": 1},
        "spec": {"roles": [{"name": "worker", "replicas": 2}]},
    }
    first = JobView.from_body(body)
    status_only = {**body, "status": {"phase": "Running"}}
    assert JobView.from_body(status_only, first).spec is first.spec  # no parsing per pass
    body["metadata"]["generation"] = 2
    body["spec"]["roles"][0]["replicas"] = 3
    assert JobView.from_body(body, first).spec.roles[0].replicas == 3
    other_job = {**body, "metadata": {"name": "j", "uid": "u2", "generation": 1}}
    assert JobView.from_body(other_job, first).spec is not first.spec

"""The generic controller against a real API server: every behaviour of issue 3."""

from __future__ import annotations

from kubernetes import client

from support.jobs import apply, container, job_manifest
from support.kubelet import evict_pod, finish_pod, restart_container_in_place
from support.operator import kubectl
from support.waiting import wait_for


def _env(pod) -> dict[str, str]:
    return {e.name: e.value for e in pod.spec.containers[0].env or []}


def test_pods_and_services_get_stable_names_dns_and_owner(kubeconfig, namespace, jobs, core):
    apply(kubeconfig, namespace, job_manifest("names", [{"name": "worker", "replicas": 2}]))
    pods = jobs.wait_pods("names", 2, running=True)
    job = jobs.get("names")
    assert [p.metadata.name for p in pods] == ["names-worker-0", "names-worker-1"]
    for index, pod in enumerate(pods):
        assert pod.spec.hostname == f"names-worker-{index}"
        assert pod.spec.subdomain == "names-worker"
        assert pod.metadata.labels["troupe.dev/role"] == "worker"
        assert pod.metadata.labels["troupe.dev/index"] == str(index)
        owner = pod.metadata.owner_references[0]
        assert (owner.kind, owner.uid, owner.controller) == (
            "TrainingJob",
            job["metadata"]["uid"],
            True,
        )
        env = _env(pod)
        assert env["TROUPE_ROLE"] == "worker" and env["TROUPE_INDEX"] == str(index)
        assert env["TROUPE_JOB_UID"] == job["metadata"]["uid"]
    svc = core.read_namespaced_service("names-worker", namespace)
    assert svc.spec.cluster_ip == "None" and svc.spec.publish_not_ready_addresses
    jobs.wait_phase("names", "Running")


def test_worker_waits_for_ready_ps_and_learns_its_address(kubeconfig, namespace, jobs, core):
    pool = f"pool-{namespace}"
    ps_template = container()
    ps_template["spec"]["nodeSelector"] = {"troupe.test/pool": pool}
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "dep",
            [
                {"name": "ps", "replicas": 1, "template": ps_template},
                {
                    "name": "worker",
                    "replicas": 2,
                    "dependsOn": [{"role": "ps", "condition": "Ready"}],
                },
            ],
        ),
    )
    jobs.wait_pods("dep", 1, "ps")
    # the ps cannot be scheduled; the job says the workers are waiting for it
    # progress alone is written once it has been still for the operator's quiet period
    wait_for(
        lambda: jobs.role_status("dep", "ps").get("pending") == 1, what="ps pending", timeout=90
    )
    assert jobs.pods("dep", "worker") == []
    kubectl(kubeconfig, "label", "node", "kwok-node-0", f"troupe.test/pool={pool}")
    try:
        workers = jobs.wait_pods("dep", 2, "worker")
    finally:
        kubectl(kubeconfig, "label", "node", "kwok-node-0", "troupe.test/pool-")
    ps = jobs.pod("dep-ps-0")
    ready_at = next(c.last_transition_time for c in ps.status.conditions if c.type == "Ready")
    host = f"dep-ps-0.dep-ps.{namespace}.svc"
    for worker in workers:
        assert worker.metadata.creation_timestamp >= ready_at.replace(microsecond=0)
        assert host in _env(worker)["TROUPE_PS_HOSTS"].split(",")
    wait_for(lambda: host in jobs.role_status("dep", "ps")["addresses"], what="ps address")


def test_role_gated_on_succeeded_starts_after_preparation(kubeconfig, namespace, jobs, core):
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "prep",
            [
                {"name": "prepare", "replicas": 1, "restartPolicy": "OnFailure"},
                {
                    "name": "train",
                    "replicas": 1,
                    "dependsOn": [{"role": "prepare", "condition": "Succeeded"}],
                },
            ],
        ),
    )
    jobs.wait_pods("prep", 1, "prepare", running=True)
    assert jobs.pods("prep", "train") == []
    finish_pod(core, namespace, "prep-prepare-0", exit_code=0)
    jobs.wait_pods("prep", 1, "train", running=True)
    finish_pod(core, namespace, "prep-train-0", exit_code=0)
    status = jobs.wait_phase("prep", "Succeeded")
    assert status["completionTime"]
    kubectl(
        kubeconfig, "wait", "-n", namespace, "--for=condition=Succeeded", "tj/prep", "--timeout=10s"
    )


def test_exit_code_policy_retries_137_and_fails_on_1(kubeconfig, namespace, jobs, core):
    apply(
        kubeconfig,
        namespace,
        job_manifest("codes", [{"name": "worker", "replicas": 2, "restartPolicy": "ExitCode"}]),
    )
    jobs.wait_pods("codes", 2, running=True)
    first_uid = jobs.pod("codes-worker-0").metadata.uid
    finish_pod(core, namespace, "codes-worker-0", exit_code=137, reason="OOMKilled")
    wait_for(
        lambda: (
            (p := jobs.pod("codes-worker-0")).metadata.uid != first_uid
            and p.status.phase == "Running"
        ),
        what="worker-0 recreated under the same name",
    )
    assert jobs.status("codes")["restarts"] == 1
    finish_pod(core, namespace, "codes-worker-1", exit_code=1, reason="Error")
    status = jobs.wait_phase("codes", "Failed")
    assert "codes-worker-1" in status["message"] and "1" in status["message"]
    failed = jobs.condition("codes", "Failed")
    assert failed["status"] == "True" and failed["observedGeneration"] == 1
    assert failed["lastTransitionTime"]


def test_on_failure_recreates_an_evicted_pod(kubeconfig, namespace, jobs, core):
    apply(
        kubeconfig,
        namespace,
        job_manifest("evict", [{"name": "worker", "replicas": 1, "restartPolicy": "OnFailure"}]),
    )
    jobs.wait_pods("evict", 1, running=True)
    uid = jobs.pod("evict-worker-0").metadata.uid
    evict_pod(core, namespace, "evict-worker-0")
    wait_for(
        lambda: (
            (p := jobs.pod("evict-worker-0")).metadata.uid != uid and p.status.phase == "Running"
        ),
        what="evicted pod recreated",
    )
    assert jobs.status("evict")["phase"] in ("Running", "Restarting")


def test_never_policy_fails_the_job_on_first_failure(kubeconfig, namespace, jobs, core):
    apply(
        kubeconfig,
        namespace,
        job_manifest("never", [{"name": "worker", "replicas": 1, "restartPolicy": "Never"}]),
    )
    jobs.wait_pods("never", 1, running=True)
    finish_pod(core, namespace, "never-worker-0", exit_code=137, reason="OOMKilled")
    status = jobs.wait_phase("never", "Failed")
    assert "OOMKilled" in status["message"]


def test_backoff_limit_counts_in_place_and_recreated_restarts(kubeconfig, namespace, jobs, core):
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "backoff",
            [{"name": "worker", "replicas": 1, "restartPolicy": "OnFailure"}],
            runPolicy={"backoffLimit": 2},
        ),
    )
    jobs.wait_pods("backoff", 1, running=True)
    restart_container_in_place(core, namespace, "backoff-worker-0")
    restart_container_in_place(core, namespace, "backoff-worker-0")
    wait_for(
        lambda: jobs.status("backoff").get("restarts") == 2,
        what="two restarts counted",
        show=lambda: jobs.status("backoff"),
    )
    evict_pod(core, namespace, "backoff-worker-0")
    failed = jobs.wait_phase("backoff", "Failed")
    assert jobs.condition("backoff", "Failed")["reason"] == "BackoffLimitExceeded", failed


def test_active_deadline_fails_the_job(kubeconfig, namespace, jobs):
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "deadline", [{"name": "worker", "replicas": 1}], runPolicy={"activeDeadlineSeconds": 2}
        ),
    )
    jobs.wait_phase("deadline", "Failed", timeout=30)
    assert jobs.condition("deadline", "Failed")["reason"] == "DeadlineExceeded"
    wait_for(
        lambda: (
            jobs.pods("deadline") == []
            or all(p.metadata.deletion_timestamp for p in jobs.pods("deadline"))
        ),
        what="running pods removed after the deadline",
    )


def test_clean_pod_policy_running_keeps_finished_pods(kubeconfig, namespace, jobs, core):
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "clean",
            [
                {
                    "name": "ps",
                    "replicas": 1,
                    "restartPolicy": "Always",
                    "statusPolicy": {"ignoreForJob": True},
                },
                {"name": "worker", "replicas": 1, "restartPolicy": "OnFailure"},
            ],
        ),
    )
    jobs.wait_pods("clean", 2, running=True)
    finish_pod(core, namespace, "clean-worker-0", exit_code=0)
    jobs.wait_phase("clean", "Succeeded")
    wait_for(
        lambda: (
            [p.metadata.name for p in jobs.pods("clean") if not p.metadata.deletion_timestamp]
            == ["clean-worker-0"]
        ),
        what="running ps deleted, finished worker kept",
        show=lambda: [(p.metadata.name, p.status.phase) for p in jobs.pods("clean")],
    )


def test_ttl_after_finished_deletes_the_job(kubeconfig, namespace, jobs, core, custom):
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "ttl", [{"name": "worker", "replicas": 1}], runPolicy={"ttlSecondsAfterFinished": 1}
        ),
    )
    jobs.wait_pods("ttl", 1, running=True)
    finish_pod(core, namespace, "ttl-worker-0", exit_code=0)

    def gone():
        try:
            jobs.get("ttl")
        except client.ApiException as exc:
            return exc.status == 404
        return False

    wait_for(gone, timeout=30, what="job deleted by its TTL")


def test_suspend_removes_pods_and_resume_recreates_them(kubeconfig, namespace, jobs):
    apply(kubeconfig, namespace, job_manifest("pause", [{"name": "worker", "replicas": 2}]))
    jobs.wait_pods("pause", 2, running=True)
    kubectl(
        kubeconfig,
        "patch",
        "-n",
        namespace,
        "tj/pause",
        "--type=merge",
        "-p",
        '{"spec":{"runPolicy":{"suspend":true}}}',
    )
    jobs.wait_phase("pause", "Suspended")
    jobs.wait_pods("pause", 0)
    kubectl(
        kubeconfig,
        "patch",
        "-n",
        namespace,
        "tj/pause",
        "--type=merge",
        "-p",
        '{"spec":{"runPolicy":{"suspend":false}}}',
    )
    jobs.wait_pods("pause", 2, running=True)
    jobs.wait_phase("pause", "Running")


def test_whole_job_restart_recreates_every_pod_under_a_new_generation(
    kubeconfig, namespace, jobs, core
):
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "gen",
            [
                {
                    "name": "master",
                    "replicas": 1,
                    "restartPolicy": "ExitCode",
                    "restartScope": "Job",
                },
                {
                    "name": "worker",
                    "replicas": 2,
                    "restartPolicy": "ExitCode",
                    "restartScope": "Job",
                },
            ],
        ),
    )
    jobs.wait_pods("gen", 3, running=True)
    finish_pod(core, namespace, "gen-worker-1", exit_code=137, reason="OOMKilled")

    def regenerated():
        pods = [
            p
            for p in jobs.pods("gen")
            if not p.metadata.deletion_timestamp and p.status.phase == "Running"
        ]
        gens = {p.metadata.labels["troupe.dev/restart-generation"] for p in pods}
        return len(pods) == 3 and gens == {"1"}

    wait_for(
        regenerated,
        timeout=60,
        what="all pods recreated at generation 1",
        show=lambda: [(p.metadata.name, p.metadata.labels) for p in jobs.pods("gen")],
    )
    assert jobs.status("gen")["restartGeneration"] == 1
    jobs.wait_phase("gen", "Running")


def test_invalid_stored_job_is_failed_and_others_go_on(kubeconfig, namespace, jobs):
    # a dependency cycle passes schema validation but can never run
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "cycle",
            [
                {"name": "a", "dependsOn": [{"role": "b", "condition": "Ready"}]},
                {"name": "b", "dependsOn": [{"role": "a", "condition": "Ready"}]},
            ],
        ),
    )
    apply(kubeconfig, namespace, job_manifest("ghost", [{"name": "worker"}], framework="nope"))
    apply(kubeconfig, namespace, job_manifest("fine", [{"name": "worker", "replicas": 1}]))
    jobs.wait_phase("cycle", "Failed")
    assert jobs.condition("cycle", "Failed")["reason"] == "InvalidSpec"
    assert "cycle" in jobs.status("cycle")["message"]
    jobs.wait_phase("ghost", "Failed")
    assert "nope" in jobs.status("ghost")["message"]
    jobs.wait_phase("fine", "Running")
    assert jobs.pods("cycle") == [] and jobs.pods("ghost") == []


def test_events_tell_refused_pods_once_and_the_phase_changes(kubeconfig, namespace, jobs, core):
    core.create_namespaced_resource_quota(
        namespace, {"metadata": {"name": "two-pods"}, "spec": {"hard": {"pods": "2"}}}
    )
    wait_for(  # until the quota controller has counted, every create is refused
        lambda: core.read_namespaced_resource_quota("two-pods", namespace).status.hard,
        what="quota status",
    )
    apply(kubeconfig, namespace, job_manifest("ev", [{"name": "worker", "replicas": 3}]))

    def events(reason: str) -> list:
        items = core.list_namespaced_event(namespace, field_selector="involvedObject.name=ev").items
        return [e for e in items if e.reason == reason]

    [refused] = wait_for(lambda: events("FailedCreate"), what="FailedCreate event")
    assert refused.type == "Warning"
    assert refused.message.startswith("pod ev-worker-")  # which one: the creates race
    assert "exceeded quota: two-pods" in refused.message
    wait_for(lambda: len(jobs.pods("ev")) == 2, what="the two pods the quota allows")
    assert jobs.status("ev")["phase"] == "Pending"

    core.patch_namespaced_resource_quota("two-pods", namespace, {"spec": {"hard": {"pods": "3"}}})
    jobs.wait_phase("ev", "Running", timeout=120)
    assert len(events("FailedCreate")) == 1  # told once, not once per retry
    [running] = wait_for(lambda: events("Running"), what="Running event")
    assert running.type == "Normal"
    assert events("CreatedPod") == []  # a first start is told by its Running Event


def test_operator_sigkilled_mid_creation_leaves_exactly_50_pods(
    kubeconfig, namespace, jobs, operator
):
    apply(kubeconfig, namespace, job_manifest("big", [{"name": "worker", "replicas": 50}]))
    wait_for(
        lambda: len(jobs.pods("big")) >= 1,
        timeout=30,
        interval=0.05,
        what="first pods of the big job",
    )
    operator.kill()
    operator.start()
    pods = jobs.wait_pods("big", 50, timeout=120)
    names = [p.metadata.name for p in pods]
    assert names == sorted(f"big-worker-{i}" for i in range(50))
    jobs.wait_phase("big", "Running", timeout=120)
    assert len(jobs.pods("big")) == 50

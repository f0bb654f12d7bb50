"""Restart rules against a real kubelet: real exit codes, a real OOM kill, in-place container
restarts by the kubelet, and `kubectl delete pod`, on the real node (no status patches)."""

from __future__ import annotations

import pytest

from support.operator import kubectl
from support.realnode import BASE, require, run, shell
from support.waiting import wait_for

pytestmark = pytest.mark.realnode


@pytest.fixture(autouse=True)
def real_node(core):
    return require(core, (BASE,))


def terminated(pod) -> dict:
    state = pod.status.container_statuses[0].state.terminated
    return {"exit_code": state.exit_code, "reason": state.reason} if state else {}


def test_exit_codes_decide_the_exit_code_policy(kubeconfig, namespace, jobs, core, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    # The shell is PID 1, which ignores signals it has no handler for: a child dies of
    # SIGKILL and the shell exits with its status, 137.
    retry = shell(
        "[ -f /marks/killed ] && exit 0; touch /marks/killed; "
        'python3 -c "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"',
        volumeMounts=[{"name": "marks", "mountPath": "/marks"}],
    )
    retry["spec"]["volumes"] = [{"name": "marks", "hostPath": {"path": str(marks)}}]
    run(
        kubeconfig,
        namespace,
        "retry",
        [{"name": "worker", "restartPolicy": "ExitCode", "template": retry}],
    )
    status = jobs.wait_phase("retry", "Succeeded", timeout=120)
    assert status["restarts"] == 1, status  # SIGKILL (137) is retryable: one recreation

    run(
        kubeconfig,
        namespace,
        "permanent",
        [{"name": "worker", "restartPolicy": "ExitCode", "template": shell("exit 3")}],
    )
    status = jobs.wait_phase("permanent", "Failed", timeout=120)
    assert terminated(jobs.pod("permanent-worker-0")) == {"exit_code": 3, "reason": "Error"}
    assert "permanent-worker-0" in status["message"] and "3" in status["message"], status


def test_a_real_oom_kill_fails_a_never_job_naming_oomkilled(kubeconfig, namespace, jobs):
    hog = shell(
        "python3 -c 'import time; x = bytearray(400 * 2**20); time.sleep(30)'",
        resources={"requests": {"memory": "64Mi"}, "limits": {"memory": "64Mi"}},
    )
    run(
        kubeconfig,
        namespace,
        "oom",
        [{"name": "worker", "restartPolicy": "Never", "template": hog}],
    )
    status = jobs.wait_phase("oom", "Failed", timeout=120)
    assert terminated(jobs.pod("oom-worker-0")) == {"exit_code": 137, "reason": "OOMKilled"}
    assert "OOMKilled" in status["message"], status


def test_on_failure_restarts_in_place_and_counts_against_backoff(kubeconfig, namespace, jobs):
    # The kubelet restarts the container in the same pod; an emptyDir survives that.
    flaky = shell(
        "n=$(cat /work/n 2>/dev/null || echo 0); echo $((n + 1)) > /work/n; "
        'echo "attempt $((n + 1))"; [ "$n" -ge 2 ]',
        volumeMounts=[{"name": "work", "mountPath": "/work"}],
    )
    flaky["spec"]["volumes"] = [{"name": "work", "emptyDir": {}}]
    run(
        kubeconfig,
        namespace,
        "flaky",
        [{"name": "worker", "restartPolicy": "OnFailure", "template": flaky}],
    )
    uid = wait_for(lambda: jobs.pod("flaky-worker-0").metadata.uid, timeout=60, what="pod")
    status = jobs.wait_phase("flaky", "Succeeded", timeout=180)
    pod = jobs.pod("flaky-worker-0")
    assert pod.metadata.uid == uid  # the same pod: restarted in place, never recreated
    assert pod.status.container_statuses[0].restart_count == 2
    assert status["restarts"] == 2, status

    run(
        kubeconfig,
        namespace,
        "doomed",
        [{"name": "worker", "restartPolicy": "OnFailure", "template": shell("exit 1")}],
        runPolicy={"backoffLimit": 1},
    )
    jobs.wait_phase("doomed", "Failed", timeout=180)
    assert jobs.condition("doomed", "Failed")["reason"] == "BackoffLimitExceeded"


def test_a_deleted_pod_is_recreated_and_the_job_finishes(kubeconfig, namespace, jobs, core):
    run(
        kubeconfig,
        namespace,
        "gone",
        [
            {
                "name": "worker",
                "replicas": 2,
                "restartPolicy": "OnFailure",
                "template": shell("trap 'exit 143' TERM; sleep 20 & wait; echo finished"),
            },
        ],
    )
    wait_for(
        lambda: (
            all(p.status.phase == "Running" for p in jobs.pods("gone"))
            and len(jobs.pods("gone")) == 2
        ),
        timeout=60,
        what="both workers running",
    )
    uid = jobs.pod("gone-worker-1").metadata.uid
    kubectl(kubeconfig, "delete", "pod", "-n", namespace, "gone-worker-1", "--wait=false")
    wait_for(
        lambda: (
            (p := jobs.pod("gone-worker-1")).metadata.uid != uid and p.status.phase == "Running"
        ),
        timeout=90,
        what="gone-worker-1 recreated and running",
    )
    jobs.wait_phase("gone", "Succeeded", timeout=120)

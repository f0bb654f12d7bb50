"""What kstatus-based tools (Flux, kpt, Config Sync) say about TrainingJobs the operator has
driven to each phase: the real kstatus library (sigs.k8s.io/cli-utils, hack/kstatus) and
the Flux healthCheckExprs of docs/flux-health-check.yaml, evaluated with cel-go as Flux does."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import yaml

from support.cluster import REPO
from support.jobs import GROUP, VERSION, Jobs, apply, container, job_manifest
from support.kubelet import finish_pod
from support.operator import kubectl
from support.waiting import wait_for

HEALTH_CHECKS = REPO / "docs" / "flux-health-check.yaml"

# state -> (kstatus, Flux with docs/flux-health-check.yaml). kstatus reads
# status.observedGeneration and the Reconciling and Stalled conditions, which the operator
# derives from the phase; the CRD defaults a new job's status to observedGeneration 0.
EXPECTED = {
    "created": ("InProgress", "InProgress"),  # not yet seen by the operator
    "queued": ("InProgress", "InProgress"),
    "pending": ("InProgress", "InProgress"),
    "running": ("Current", "Current"),
    "spec not yet observed": ("InProgress", "InProgress"),
    "restarting": ("InProgress", "InProgress"),
    "suspended": ("Current", "Current"),
    "succeeded": ("Current", "Current"),
    "failed": ("Failed", "Failed"),
}


@pytest.fixture(scope="module")
def kstatus_health() -> str:
    out = subprocess.run(
        ["bash", str(REPO / "hack" / "build-kstatus.sh")], capture_output=True, text=True
    )
    if out.returncode:
        pytest.skip(f"hack/build-kstatus.sh could not build the tool: {out.stderr[-500:]}")
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def health(kstatus_health):
    """health(obj) -> ((kstatus status, message), (Flux status, message))."""

    def run(obj: dict) -> tuple[tuple[str, str], tuple[str, str]]:
        out = subprocess.run(
            [kstatus_health, "-health-checks", str(HEALTH_CHECKS)],
            input=json.dumps(obj),
            capture_output=True,
            text=True,
            check=True,
        )
        (line,) = [json.loads(text) for text in out.stdout.splitlines()]
        return (line["status"], line["message"]), (line["flux"]["status"], line["flux"]["message"])

    return run


@pytest.fixture
def closed_queue(custom):
    """A TrainingQueue that admits nothing (maxRunningJobs 0)."""
    name = f"closed-{uuid.uuid4().hex[:8]}"
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TrainingQueue", "metadata": {"name": name}}
    custom.create_cluster_custom_object(
        GROUP, VERSION, "trainingqueues", {**body, "spec": {"maxRunningJobs": 0}}
    )
    yield name
    custom.delete_cluster_custom_object(GROUP, VERSION, "trainingqueues", name)


@pytest.fixture
def pool(kubeconfig, namespace):
    """A label on kwok-node-0 that only this test's pods select; removed to strand them."""
    key = "troupe.test/kstatus"
    kubectl(kubeconfig, "label", "--overwrite", "node", "kwok-node-0", f"{key}={namespace}")
    yield {key: namespace}
    kubectl(kubeconfig, "label", "node", "kwok-node-0", f"{key}-")


def in_phase(jobs: Jobs, name: str, phase: str) -> dict:
    """The whole object, as first seen in `phase`."""
    return wait_for(
        lambda: (obj := jobs.get(name)).get("status", {}).get("phase") == phase and obj,
        timeout=60,
        what=f"job {name} phase {phase}",
        show=lambda: jobs.status(name),
    )


def worker(name: str, template: dict | None = None, restartPolicy=None, **spec) -> dict:
    """A job of one worker pod; `spec` adds job-level fields."""
    role = {"name": "worker", "replicas": 1, "template": template or container()}
    if restartPolicy:
        role["restartPolicy"] = restartPolicy
    return job_manifest(name, [role], **spec)


def pinned(selector: dict) -> dict:
    template = container()
    template["spec"]["nodeSelector"] = selector
    return template


def patch_spec(kubeconfig: str, namespace: str, name: str, spec: dict) -> dict:
    """The object as the patch left it, before the operator can have reacted."""
    out = kubectl(
        kubeconfig, "patch", "-n", namespace, f"tj/{name}", "--type=merge", "-o", "json",
        "-p", json.dumps({"spec": spec}),
    )  # fmt: skip
    return json.loads(out)


def test_kstatus_and_flux_health_follow_the_job_through_its_phases(
    kubeconfig, namespace, jobs, core, health, closed_queue, pool
):
    created = kubectl(
        kubeconfig, "create", "-n", namespace, "-o", "json", "-f", "-",
        stdin=yaml.safe_dump(worker("ok")),
    )  # fmt: skip
    seen = {"created": json.loads(created)}
    assert seen["created"]["status"] == {"observedGeneration": 0}  # the CRD's default
    for manifest in (
        worker("bad", restartPolicy="Never"),
        worker("held", runPolicy={"suspend": True}),
        worker("waiting", scheduling={"queue": closed_queue}),
        worker("stuck", template=pinned({"troupe.test/kstatus": "nowhere"})),
        worker("again", template=pinned(pool)),
    ):
        apply(kubeconfig, namespace, manifest)

    seen["queued"] = in_phase(jobs, "waiting", "Queued")
    seen["pending"] = in_phase(jobs, "stuck", "Pending")
    seen["suspended"] = in_phase(jobs, "held", "Suspended")
    seen["running"] = in_phase(jobs, "ok", "Running")
    seen["spec not yet observed"] = patch_spec(
        kubeconfig, namespace, "ok", {"runPolicy": {"activeDeadlineSeconds": 86400}}
    )
    in_phase(jobs, "again", "Running")
    kubectl(kubeconfig, "label", "node", "kwok-node-0", "troupe.test/kstatus-")
    core.delete_namespaced_pod("again-worker-0", namespace)  # its replacement cannot land
    seen["restarting"] = in_phase(jobs, "again", "Restarting")

    jobs.wait_pods("bad", 1, running=True)
    finish_pod(core, namespace, "ok-worker-0", exit_code=0)
    finish_pod(core, namespace, "bad-worker-0", exit_code=2)
    seen["succeeded"] = in_phase(jobs, "ok", "Succeeded")
    seen["failed"] = in_phase(jobs, "bad", "Failed")

    verdicts = {state: health(obj) for state, obj in seen.items()}
    got = {state: (kstatus[0], flux[0]) for state, (kstatus, flux) in verdicts.items()}
    assert got == EXPECTED, json.dumps(verdicts, indent=1)
    # the operator caught up with the edit while the job ran
    assert seen["spec not yet observed"]["metadata"]["generation"] == 2
    assert seen["succeeded"]["status"]["observedGeneration"] == 2


def test_an_edited_finished_job_is_observed(kubeconfig, namespace, jobs, core, health):
    apply(kubeconfig, namespace, worker("done"))
    jobs.wait_pods("done", 1, running=True)
    finish_pod(core, namespace, "done-worker-0", exit_code=0)
    in_phase(jobs, "done", "Succeeded")
    patch_spec(kubeconfig, namespace, "done", {"runPolicy": {"ttlSecondsAfterFinished": 86400}})
    obj = wait_for(
        lambda: (o := jobs.get("done"))["status"].get("observedGeneration") == 2 and o,
        timeout=10,
        what="the operator to observe generation 2 of a finished job",
        show=lambda: jobs.status("done"),
    )
    assert [v[0] for v in health(obj)] == ["Current", "Current"]

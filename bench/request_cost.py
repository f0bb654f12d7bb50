"""What one request of each kind the operator sends costs the control plane.

`bench/run.py` shows where a thousand jobs' time goes; this shows why: it sends N requests
of one kind at a time, one after the other, to an otherwise idle bench cluster and divides
the CPU the API server, etcd and the controller-manager spent (until they are idle again)
by N. The objects are the ones Troupe writes: pods and Services rendered by the planner for
the bench's job, its Events, and the status patches of a job going Pending -> Running ->
Succeeded (computed by the pure planner, sent as the adapter sends them). Plain pods (the
floor's shape) are measured alongside. Pods name a scheduler that does not exist, so no
scheduler or kwok work is charged to them. Prints a table and writes JSON; asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml
from kubernetes import client, config

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parents[0] / "tests" / "unit"))
import run  # noqa: E402
from builders import FakeCluster  # noqa: E402

from troupe.kube.adapter import event_body, status_patch  # noqa: E402

MEASURED = ("kube-apiserver", "etcd", "kube-controller")
UNSCHEDULED = "bench-no-scheduler"  # pods stay Pending: no binding, no kwok status writes


def job_statuses(workers: int) -> tuple[dict, list[dict], list[dict]]:
    """The bench job's manifest, its rendered pods, and the statuses it goes through."""
    manifest = run.job_manifest("cost", workers)
    job = FakeCluster(yaml.safe_dump(manifest))
    statuses = [copy.deepcopy(job.reconcile().status)]  # master created, Pending
    job.run()
    statuses.append(copy.deepcopy(job.reconcile().status))  # master ready, workers created
    job.run()
    statuses.append(copy.deepcopy(job.reconcile().status))  # Running
    for name in job.live():
        job.finish(name, 0)
    statuses.append(copy.deepcopy(job.reconcile().status))  # Succeeded
    pods = [copy.deepcopy(p) for p in job.pods.values()]
    for pod in pods:
        pod.pop("status", None)
    return manifest, pods, statuses


def settle(timeout: float = 60.0) -> None:
    """Until the measured processes stop using CPU (controllers react after a request)."""
    deadline = time.monotonic() + timeout
    last = _measured_cpu()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _measured_cpu()
        if sum(now.values()) - sum(last.values()) < 0.02:
            return
        last = now


def _measured_cpu() -> dict[str, float]:
    cpu = run.component_cpu()
    return {k: cpu.get(k, 0.0) for k in MEASURED}


def measure(label: str, send, count: int) -> dict:
    settle()
    before, started = _measured_cpu(), time.monotonic()
    for i in range(count):
        send(i)
    wall = time.monotonic() - started
    settle()
    after = _measured_cpu()
    row = {k: 1000 * (after[k] - before[k]) / count for k in MEASURED}
    row["latency_ms"] = 1000 * wall / count
    print(
        f"{label:<42}"
        + "".join(f"{row[k]:>16.2f}" for k in MEASURED)
        + f"{row['latency_ms']:>14.2f}",
        flush=True,
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="requests of each kind")
    parser.add_argument("--workers", type=int, default=7)
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args()

    run.start_cluster(1)
    settings = client.Configuration()
    config.load_kube_config(config_file=str(run.KUBECONFIG), client_configuration=settings)
    api = client.ApiClient(settings)
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    namespace = "bench-cost"
    core.create_namespace({"metadata": {"name": namespace}})
    group = ("troupe.dev", "v1alpha1", namespace, "trainingjobs")

    manifest, troupe_pods, statuses = job_statuses(args.workers)
    owner = custom.create_namespaced_custom_object(*group, manifest)
    floor_pod = next(o for o in run.floor_objects("f", args.workers) if o["kind"] == "Pod")
    troupe_pod = next(p for p in troupe_pods if "worker" in p["metadata"]["name"])
    troupe_pod["metadata"]["namespace"] = namespace
    for ref in troupe_pod["metadata"].get("ownerReferences", []):
        ref.update(name="cost", uid=owner["metadata"]["uid"])  # the GC keeps them
    service = next(o for o in run.floor_objects("s", args.workers) if o["kind"] == "Service")

    def pod_like(template: dict, i: int, prefix: str) -> dict:
        pod = copy.deepcopy(template)
        pod["metadata"]["name"] = f"{prefix}-{i}"
        pod["spec"].update(schedulerName=UNSCHEDULED, hostname=f"{prefix}-{i}")
        return pod

    def running(i: int) -> dict:
        """What a kubelet reports once the container runs and is ready."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ready = {"type": "Ready", "status": "True", "lastTransitionTime": now}
        return {
            "status": {
                "phase": "Running",
                "podIP": f"10.0.{i // 250}.{i % 250 + 1}",
                "startTime": now,
                "conditions": [ready, {**ready, "type": "ContainersReady"}],
                "containerStatuses": [
                    {
                        "name": "main",
                        "image": "busybox:1.36",
                        "imageID": "",
                        "ready": True,
                        "restartCount": 0,
                        "started": True,
                        "state": {"running": {"startedAt": now}},
                    }
                ],
            }
        }

    def event(i: int) -> dict:
        message = f"all {args.workers + 1} pods running ({i})"
        return event_body(owner["metadata"], "Normal", "Running", message)

    jobs = [f"cost-{i}" for i in range(args.count)]

    def create_job(i: int) -> None:
        body = copy.deepcopy(manifest)
        body["metadata"]["name"] = jobs[i]
        custom.create_namespaced_custom_object(*group, body)

    # the patches the adapter sends as the job moves through its statuses
    patches = [
        status_patch(old, new) for old, new in zip([{}] + statuses[:-1], statuses, strict=True)
    ]

    def status_step(step: int):
        def send(i: int) -> None:
            custom.patch_namespaced_custom_object_status(
                *group[:3], "trainingjobs", jobs[i], {"status": patches[step]}
            )

        return send

    print(
        f"{'request (per request, ms)':<42}"
        + "".join(f"{k + ' CPU':>16}" for k in MEASURED)
        + f"{'latency':>14}"
    )
    kinds = [
        (
            "create pod (floor shape)",
            lambda i: core.create_namespaced_pod(namespace, pod_like(floor_pod, i, "floor")),
        ),
        (
            "create pod (Troupe's)",
            lambda i: core.create_namespaced_pod(namespace, pod_like(troupe_pod, i, "troupe")),
        ),
        (
            "patch pod status (floor shape)",
            lambda i: core.patch_namespaced_pod_status(f"floor-{i}", namespace, running(i)),
        ),
        (
            "patch pod status (Troupe's)",
            lambda i: core.patch_namespaced_pod_status(f"troupe-{i}", namespace, running(i)),
        ),
        (
            "create service",
            lambda i: core.create_namespaced_service(
                namespace, {**service, "metadata": {"name": f"svc-{i}"}}
            ),
        ),
        ("create event", lambda i: core.create_namespaced_event(namespace, event(i))),
        ("create trainingjob", create_job),
    ] + [
        (f"patch trainingjob status: {label}", status_step(step))
        for step, label in enumerate(("first (Pending)", "progress", "Running", "Succeeded"))
    ]
    rows = {label: measure(label, send, args.count) for label, send in kinds}

    result = {
        **run.machine_facts(),
        "count": args.count,
        "status_patch_bytes": [len(json.dumps(p)) for p in patches],
        "per_request_ms": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"request-cost-{datetime.now().strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

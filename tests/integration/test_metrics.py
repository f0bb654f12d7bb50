"""The operator's Prometheus metrics, scraped from the running process after real jobs."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from support.jobs import Jobs, apply, job_manifest
from support.kubelet import finish_pod
from support.waiting import wait_for


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_job_outcomes_and_timings_are_counted(kubeconfig, namespace, core, custom, operator):
    port = operator.metrics_port
    before = wait_for(lambda: scrape(port), what="the metrics endpoint")
    jobs = Jobs(core, custom, namespace)
    apply(kubeconfig, namespace, job_manifest("good", [{"name": "worker", "replicas": 1}]))
    apply(
        kubeconfig,
        namespace,
        job_manifest("bad", [{"name": "worker", "replicas": 1, "restartPolicy": "Never"}]),
    )
    jobs.wait_pods("good", 1, running=True)
    jobs.wait_pods("bad", 1, running=True)
    jobs.wait_phase("good", "Running")
    finish_pod(core, namespace, "good-worker-0", exit_code=0)
    finish_pod(core, namespace, "bad-worker-0", exit_code=3)
    jobs.wait_phase("good", "Succeeded")
    jobs.wait_phase("bad", "Failed")

    def counted():
        after = scrape(port)
        grew = lambda name, **lb: value(after, name, **lb) - value(before, name, **lb)  # noqa: E731
        return (
            grew("troupe_jobs_created_total", framework="generic") >= 2
            and grew("troupe_jobs_succeeded_total", framework="generic") >= 1
            and grew("troupe_jobs_failed_total", framework="generic", reason="PodFailed")
            + grew("troupe_jobs_failed_total", framework="generic", reason="RoleFailed")
            >= 1
            and grew("troupe_job_time_to_running_seconds_count") >= 1
            and grew("troupe_reconcile_duration_seconds_count") > 0
            and after
        )

    after = wait_for(
        counted,
        what="metrics for one succeeded and one failed job",
        show=lambda: {k: v for k, v in scrape(port).items() if "troupe_jobs" in k[0]},
    )
    assert value(after, "troupe_jobs", phase="Succeeded") >= 1

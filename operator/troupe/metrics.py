"""Prometheus metrics of the operator (served by prometheus-client's HTTP server)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

JOBS_CREATED = Counter(
    "troupe_jobs_created_total", "TrainingJobs seen for the first time", ["framework"]
)
JOBS_SUCCEEDED = Counter(
    "troupe_jobs_succeeded_total", "TrainingJobs that succeeded", ["framework"]
)
JOBS_FAILED = Counter(
    "troupe_jobs_failed_total", "TrainingJobs that failed", ["framework", "reason"]
)
JOBS_RESTARTED = Counter(
    "troupe_jobs_restarted_total", "Instance or whole-job restarts", ["framework"]
)
JOBS_BY_PHASE = Gauge("troupe_jobs", "TrainingJobs by phase", ["phase"])
TIME_TO_RUNNING = Histogram(
    "troupe_job_time_to_running_seconds",
    "From job creation to every pod running",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
)
RECONCILE_SECONDS = Histogram("troupe_reconcile_duration_seconds", "One reconcile of one job")
API_ERRORS = Counter("troupe_api_errors_total", "Failed API calls", ["verb", "resource"])


def serve(port: int) -> None:
    start_http_server(port)

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
# Where a job's next step waits when the operator is saturated (as controller-runtime's
# workqueue_queue_duration_seconds): behind the watch, for a pass slot, for an API thread.
_WAITS = (0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
WATCH_LAG = Histogram(
    "troupe_watch_lag_seconds",
    "From an object's last write (newest managedFields or condition transition time, whole "
    "seconds) to its watch event reaching the operator's cache",
    ["kind"],
    buckets=(1, 2, 5, 10, 30, 60, 120, 300),
)
PASS_QUEUE_SECONDS = Histogram(
    "troupe_pass_queue_seconds",
    "A job's wait for a pass slot (at most 8 x api-concurrency passes run at once)",
    ["priority"],
    buckets=_WAITS,
)
API_QUEUE_SECONDS = Histogram(
    "troupe_api_queue_seconds", "An API call's wait for a thread", ["pool"], buckets=_WAITS
)
API_ERRORS = Counter("troupe_api_errors_total", "Failed API calls", ["verb", "resource"])


def serve(port: int) -> None:
    start_http_server(port)

"""Follows studio's TrainingJobs, their pods and Events, and the pods' logs, into run history.

Kubernetes is the truth; this only writes down what it says, so the history outlives the job.
Three watch threads (jobs, pods, events: list, then watch from the list's resourceVersion,
relist after any error) and one log follower per pod, whatever the number of viewers: each
line is stored once, and its metric (by the TROUPE_METRIC convention) beside it.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time

from sqlalchemy import select

from . import kube
from .db import Run, RunEntry, Validation
from .domain import run_state
from .history import History

log = logging.getLogger("troupe_studio.watcher")
JOB_LABEL = "troupe.dev/job-name"
WATCH_S = 60
LOG_DRAIN_S = 20.0  # how long a validation outcome waits for its pods' last log lines


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def run_container(run: Run) -> str:
    """The training container's name: the first container of the first role's pod."""
    return run.manifest["spec"]["roles"][0]["template"]["spec"]["containers"][0]["name"]


class Watcher:
    def __init__(self, sessions, history: History, api):
        self.sessions, self.history, self.api = sessions, history, api
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.followers: dict[tuple[str, str], threading.Thread] = {}
        self.follower_runs: dict[tuple[str, str], int] = {}  # (namespace, pod) -> run id
        self.follow_lock = threading.Lock()
        self.pod_runs: dict[tuple[str, str], int] = {}
        self.seen_events: set[str] = set()
        self.run_lock = threading.Lock()

    # lifecycle
    def start(self) -> None:
        with self.sessions() as s:
            keys = s.scalars(
                select(RunEntry.data).join(Run).where(RunEntry.type == "event", Run.job_exists)
            )
            self.seen_events = {d.get("key", "") for d in keys}
        for what, handle in (
            ("jobs", self.on_job),
            ("pods", self.on_pod),
            ("events", self.on_event),
        ):
            t = threading.Thread(
                target=self._loop, args=(what, handle), name=f"watch-{what}", daemon=True
            )
            t.start()
            self.threads.append(t)

    def stop(self) -> None:
        self.stopping.set()

    def log_streams(self) -> int:
        """How many pod logs are being followed now (one per pod, however many viewers)."""
        with self.follow_lock:
            return sum(t.is_alive() for t in self.followers.values())

    def _loop(self, what: str, handle) -> None:
        rv: str | None = None
        while not self.stopping.is_set():
            try:
                for kind, obj in kube.watch_objects(self.api, what, rv, WATCH_S):
                    if self.stopping.is_set():
                        return
                    if kind == "SYNCED":
                        rv = obj["resourceVersion"]
                        continue
                    rv = (obj.get("metadata") or {}).get("resourceVersion") or rv
                    try:
                        handle(kind, obj)
                    except Exception:  # noqa: BLE001 - one bad object must not stop the watch
                        log.exception("watch %s: cannot record %s", what, kind)
            except Exception as exc:  # noqa: BLE001 - relist after any failure
                log.warning("watch %s: %s; relisting", what, exc)
                rv = None
                self.stopping.wait(2)

    # lookups
    def _run(self, s, namespace: str, job: str) -> Run | None:
        return s.scalar(select(Run).where(Run.project == namespace, Run.name == job))

    # handlers
    def on_job(self, kind: str, job: dict) -> None:
        meta = job["metadata"]
        with self.run_lock, self.sessions() as s:
            run = self._run(s, meta["namespace"], meta["name"])
            if (
                run is None
                or meta.get("uid")
                and run.status.get("uid")
                not in (
                    None,
                    meta["uid"],
                )
            ):
                return
            if kind == "DELETED":
                if run.job_exists:
                    run.job_exists = False
                    s.commit()
                    self.history.record(
                        run.id,
                        [("phase", {"phase": run.phase, "message": "the TrainingJob was deleted"})],
                    )
                return
            summary = run_state.job_summary(job) | {"uid": meta.get("uid")}
            phase, message = summary["phase"], summary["message"]
            changed = (phase, message) != (run.phase, run.message)
            run.status = summary
            run.started_at = _parse_time(summary["startTime"]) or run.started_at
            run.finished_at = _parse_time(summary["completionTime"]) or run.finished_at
            run.phase, run.message = phase, message
            run_id = run.id
            annotations = run.manifest["metadata"].get("annotations") or {}
            validates = annotations.get("studio.troupe.dev/validates")
            s.commit()
        if changed:
            self.history.record(run_id, [("phase", {"phase": phase, "message": message})])
            if phase in run_state.TERMINAL and validates:
                threading.Thread(
                    target=self._store_validation,
                    args=(run_id, int(validates), phase),
                    name=f"validation-{run_id}",
                    daemon=True,
                ).start()

    def _store_validation(self, run_id: int, version_id: int, phase: str) -> None:
        """A validation run ended: {ok, phase, log (its last lines)} with the version, once
        its pods' log followers have read their logs to the end (the job's phase can come
        before a failing pod's last lines, which say why), or after LOG_DRAIN_S."""
        with self.follow_lock:
            followers = [
                t for key, t in self.followers.items() if self.follower_runs.get(key) == run_id
            ]
        deadline = time.monotonic() + LOG_DRAIN_S
        for t in followers:
            t.join(max(0.0, deadline - time.monotonic()))
        lines = [e["line"] for e in self.history.stored(run_id, types=("log",), limit=100_000)]
        result = {"ok": phase == "Succeeded", "phase": phase, "log": "\n".join(lines[-200:])}
        with self.sessions() as s:
            s.add(Validation(version_id=version_id, ok=result["ok"], result=result))
            s.commit()

    def on_pod(self, kind: str, pod: dict) -> None:
        meta = pod["metadata"]
        ns, name = meta["namespace"], meta["name"]
        job = (meta.get("labels") or {}).get(JOB_LABEL)
        if not job:
            return
        with self.run_lock, self.sessions() as s:
            run = self._run(s, ns, job)
            if run is None:
                return
            self.pod_runs[(ns, name)] = run.id
            container = run_container(run)
            state = run_state.pod_state(pod, container)
            if kind == "DELETED":
                state = state | {"phase": "Deleted"} if not run_state.pod_done(state) else state
            shown = {k: v for k, v in state.items() if k != "started"}
            changed = run.pods.get(name) != shown
            if changed:
                run.pods = {**run.pods, name: shown}
                s.commit()
            run_id = run.id
        if changed:
            self.history.record(run_id, [("pod", shown)])
        if state["started"] and kind != "DELETED":
            self._follow(ns, name, container, run_id)

    def on_event(self, kind: str, event: dict) -> None:
        if kind == "DELETED":
            return
        obj = event.get("involvedObject") or {}
        ns, name = obj.get("namespace") or "", obj.get("name") or ""
        entry = run_state.event_entry(event)
        if entry["key"] in self.seen_events:
            return
        run_id = self.pod_runs.get((ns, name))
        if run_id is None and obj.get("kind") == "TrainingJob":
            with self.sessions() as s:
                run = self._run(s, ns, name)
                if (
                    run is None
                    or obj.get("uid")
                    and run.status.get("uid")
                    not in (
                        None,
                        obj.get("uid"),
                    )
                ):
                    return
                run_id = run.id
        if run_id is None:
            return
        self.seen_events.add(entry["key"])
        self.history.record(run_id, [("event", entry)])

    # logs
    def _follow(self, ns: str, pod: str, container: str, run_id: int) -> None:
        with self.follow_lock:
            current = self.followers.get((ns, pod))
            if current is not None and current.is_alive():
                return
            t = threading.Thread(
                target=self._follow_pod,
                args=(ns, pod, container, run_id),
                name=f"log-{ns}/{pod}",
                daemon=True,
            )
            self.followers[(ns, pod)] = t
            self.follower_runs[(ns, pod)] = run_id
            t.start()

    def _log_cursor(self, run_id: int, pod: str) -> run_state.LogCursor:
        """Where the stored log of `pod` ends: its newest stamp and how many lines carry it."""
        cursor = run_state.LogCursor()
        with self.sessions() as s:
            newest_first = s.scalars(
                select(RunEntry.data)
                .where(RunEntry.run_id == run_id, RunEntry.type == "log", RunEntry.pod == pod)
                .order_by(RunEntry.seq.desc())
                .execution_options(yield_per=200)
            )
            for data in newest_first:
                stamp = (data or {}).get("ts", "")
                if not stamp:
                    continue
                if cursor.last and stamp != cursor.last:
                    break
                cursor.last, cursor.same = stamp, cursor.same + 1
        return cursor

    def _follow_pod(self, ns: str, pod: str, container: str, run_id: int) -> None:
        """Follow one pod's log until it ends for good; reconnects resume after the lines
        stored (by the kubelet's timestamps), so a cut stream neither loses nor repeats. The
        stored lines are the truth: a batch that failed to be stored is read again."""
        while not self.stopping.is_set():
            try:
                cursor, since = self._log_cursor(run_id, pod), None
                if cursor.last:
                    age = (_now() - _parse_time(cursor.last[:26] + "Z")).total_seconds()
                    since = max(1, math.ceil(age) + 2)
                cursor.resume()
                for batch in kube.follow_log(self.api, ns, pod, container, since):
                    items = []
                    for raw in batch:
                        stamp, text = run_state.split_timestamp(raw)
                        if cursor.take(stamp):
                            items += self._line_entries(pod, stamp, text)
                    self.history.record(run_id, items)
            except kube.Refused as exc:
                if exc.status == 404:
                    return  # the pod is gone
                log.info("log of %s/%s: %s", ns, pod, exc.message)
            except Exception as exc:  # noqa: BLE001 - retried below while the pod runs
                log.info("log of %s/%s cut: %s", ns, pod, exc)
            if self._pod_finished(ns, pod, container):
                return
            self.stopping.wait(2)

    def _line_entries(self, pod: str, stamp: str, text: str) -> list[tuple[str, dict]]:
        """A log entry, and a metric entry after it when the line carries one."""
        items = [("log", {"pod": pod, "line": text, "ts": stamp})]
        metric = run_state.line_metric(text)
        if metric is not None:
            data = {"pod": pod, "step": metric.step, "values": metric.values}
            if metric.epoch is not None:
                data["epoch"] = metric.epoch
            items.append(("metric", data))
        return items

    def _pod_finished(self, ns: str, pod: str, container: str) -> bool:
        try:
            got = kube.read_pod(self.api, ns, pod)
        except kube.ClusterDown:
            return False
        return got is None or run_state.pod_done(run_state.pod_state(got, container))

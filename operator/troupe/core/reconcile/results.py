"""A job's artifacts in its status: what was fetched, what each pod uploaded, which logs are
archived; an input that could not be fetched fails the job; the job turns terminal only
once the logs of its pods are archived (or the archive's failure is recorded)."""

from __future__ import annotations

from dataclasses import dataclass

from troupe.api.spec import Artifacts
from troupe.core import artifacts
from troupe.core.observed import Instance
from troupe.core.plan import Verdict
from troupe.core.reconcile.state import Pass
from troupe.core.status import TERMINAL_PHASES

HOLDING = ("Pending", "Running", "Restarting")  # phases a job keeps while its logs are archived


@dataclass(frozen=True)
class LogArchive:
    """Archive the logs of `pod`'s containers under `uri` (a prefix), with the store's
    credentials from `secret`; the kube layer does it and annotates the pod with the result."""

    pod: str
    containers: tuple[str, ...]
    uri: str
    secret: str


def fetch_failure(p: Pass, live: list[Instance]) -> Verdict | None:
    """An input that could not be fetched fails the job at once, naming the input and URI:
    the fetcher already retried what a retry can cure."""
    for i in live:
        if i.fetched and not i.fetched.ok:
            return Verdict("Failed", "InputFetchFailed", f"pod {i.name}: {i.fetched.error}")
    return None


def archives_due(p: Pass, verdict: Verdict) -> list[LogArchive]:
    """Logs to archive now: of pods that ended, and once the job ends, of every pod left."""
    spec = p.spec.artifacts
    if spec is None or spec.output is None or not spec.output.logs:
        return []
    ending = verdict.phase in TERMINAL_PHASES
    due = []
    for i in p.instances:
        output = artifacts.output_for(spec, i.role)
        if output is None or i.logs or i.deleting or not (i.finished or ending):
            continue
        containers = _containers(p, i.role)
        uri = artifacts.result_prefix(output, i.name) + "logs/"
        due.append(LogArchive(i.name, containers, uri, spec.secret_name))
    return due


def hold_for_logs(p: Pass, verdict: Verdict, due: list[LogArchive]) -> Verdict:
    """A job whose verdict is in waits, still Running, until its logs are archived: its
    pods (and their logs) may go as soon as it is terminal."""
    if verdict.phase not in TERMINAL_PHASES or not due:
        return verdict
    pods = ", ".join(a.pod for a in due[:3]) + (" ..." if len(due) > 3 else "")
    phase = p.stored.get("phase") if p.stored.get("phase") in HOLDING else "Running"
    return Verdict(phase, "ArchivingLogs", f"{verdict.message}; archiving logs of {pods}")


def _containers(p: Pass, role: str) -> tuple[str, ...]:
    spec = p.roles[role].template.get("spec") or {}
    names = [c.get("name", "") for c in spec.get("initContainers") or []]
    names += [c.get("name", "") for c in spec.get("containers") or []]
    inputs = artifacts.inputs_for(p.spec.artifacts, role)
    return tuple(([artifacts.FETCH] if inputs else []) + [artifacts.UPLOAD] + names)


def artifact_status(
    spec: Artifacts | None, stored_status: dict, instances: list[Instance]
) -> dict | None:
    """status.artifacts: the stored record, with what the pods report now merged in (pods
    go, their record stays; a finished job's late uploads still get in)."""
    if spec is None:
        return None
    stored = stored_status.get("artifacts") or {}
    inputs = stored.get("inputs") or []
    if not inputs:
        inputs = next(
            (list(i.fetched.body.get("inputs") or []) for i in instances if _fetched_ok(i)), []
        )
    outputs = {o["pod"]: o for o in stored.get("outputs") or []}
    for i in instances:
        merged = _output_record(i, outputs.get(i.name), spec)
        if merged:
            outputs[i.name] = merged
    records = [outputs[name] for name in sorted(outputs)]
    status: dict = {"summary": summary(inputs, records)}
    if inputs:
        status["inputs"] = inputs
    if records:
        status["outputs"] = records
    return status


def _fetched_ok(i: Instance) -> bool:
    return bool(i.fetched and i.fetched.ok)


def _output_record(i: Instance, known: dict | None, spec: Artifacts) -> dict | None:
    output = artifacts.output_for(spec, i.role)
    if output is None or (i.uploaded is None and not i.logs):
        return None
    record = dict(known or {"pod": i.name, "uri": artifacts.result_prefix(output, i.name)})
    if i.uploaded is not None:
        body = i.uploaded.body
        if i.uploaded.ok:
            record.update(state="Uploaded", files=body.get("files", 0), bytes=body.get("bytes", 0))
            record["manifest"] = body.get("manifest", "")
            record.pop("message", None)
        else:
            record.update(state="Failed", message=i.uploaded.error)
    if i.logs:
        record["logs"] = i.logs
    return record


def summary(inputs: list[dict], outputs: list[dict]) -> str:
    """The printer column: `2 in (1.2 MB), 3/3 pods uploaded (4 files, 9.1 MB)`."""
    parts = []
    if inputs:
        parts.append(f"{len(inputs)} in ({_size(sum(i.get('bytes', 0) for i in inputs))})")
    done = [o for o in outputs if o.get("state") == "Uploaded"]
    failed = [o for o in outputs if o.get("state") == "Failed"]
    if outputs:
        files = sum(o.get("files", 0) for o in done)
        size = _size(sum(o.get("bytes", 0) for o in done))
        parts.append(f"{len(done)}/{len(outputs)} pods uploaded ({files} files, {size})")
    if failed:
        parts.append(f"{len(failed)} failed")
    return ", ".join(parts) or "nothing yet"


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"

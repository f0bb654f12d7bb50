"""Validate: every reason a job cannot run, worked out once per spec generation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from troupe.api.errors import FieldError, UnknownFramework
from troupe.api.spec import TrainingJobSpec
from troupe.core import dag, elastic, naming, policies
from troupe.core.framework import Framework, apply_defaults
from troupe.core.jobview import JobView
from troupe.core.plan import Plan, Verdict, phase_events
from troupe.core.status import conditions, timestamp

FrameworkLookup = Callable[[str], Framework]


def prepare(
    job: JobView, framework: Framework | FrameworkLookup
) -> tuple[Framework | None, list[FieldError], TrainingJobSpec | None]:
    """The plugin, the errors and the defaulted spec: the same for every pass over one
    generation, so worked out once (a pass per pod event would redo them)."""
    if "prepared" not in job.memo:
        resolved, errors = resolve(job, framework)
        spec = None if errors else apply_defaults(elastic.resolve(job.spec), resolved)
        job.memo["prepared"] = (resolved, errors, spec)
    return job.memo["prepared"]


def resolve(
    job: JobView, framework: Framework | FrameworkLookup
) -> tuple[Framework | None, list[FieldError]]:
    """The plugin and every reason the job cannot run (schema, framework, graph, names)."""
    if job.spec is None:
        return None, list(job.spec_errors) or [FieldError("spec", "missing")]
    if isinstance(framework, Framework):
        plugin = framework
    else:
        try:
            plugin = framework(job.spec.framework)
        except UnknownFramework as exc:
            return None, [FieldError("spec.framework", str(exc))]
    errors = (
        plugin.validate(job.spec)
        + dag.cycle_errors(job.spec)
        + policies.unknown_policy_errors(job.spec)
        + naming.name_errors(job.name, job.spec)
    )
    return plugin, errors


def was_invalid(stored: dict) -> bool:
    """An InvalidSpec failure is re-judged: the user may have fixed the spec since."""
    return any(
        c.get("type") == "Failed" and c.get("reason") == "InvalidSpec"
        for c in stored.get("conditions") or []
    )


def invalid(job: JobView, errors: list[FieldError], now: datetime) -> Plan:
    """A job that cannot run fails at once, naming every field at fault."""
    message = "invalid spec: " + "; ".join(str(e) for e in errors)
    verdict = Verdict("Failed", "InvalidSpec", message)
    stored = job.status or {}
    status = {
        "phase": "Failed",
        "conditions": conditions(
            stored.get("conditions") or [],
            {"Failed": ("InvalidSpec", message)},
            now,
            job.generation,
        ),
        "message": message,
        "observedGeneration": job.generation,
        "completionTime": stored.get("completionTime") or timestamp(now),
    }
    return Plan(status=status, events=phase_events(stored, verdict))

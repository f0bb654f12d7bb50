"""The parts of a TrainingJob the planner reads, parsed once per generation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from troupe.api.errors import FieldError
from troupe.api.spec import TrainingJobSpec, validate_spec
from troupe.core.status import parse_timestamp


@dataclass(frozen=True)
class JobView:
    """The parts of a TrainingJob the planner reads; `spec` is None when it is invalid."""

    name: str
    namespace: str
    uid: str
    generation: int
    creation: datetime | None
    spec: TrainingJobSpec | None
    status: dict
    spec_errors: tuple[FieldError, ...] = ()
    framework_name: str = "generic"
    labels: Mapping[str, str] = field(default_factory=dict)
    # what the planner derived from this generation's spec (reconcile/validate.py); kept
    # across views
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_body(cls, body: Mapping, previous: JobView | None = None) -> JobView:
        """`previous`: this job's last view; its parsed spec is reused while the generation
        (which the API server bumps on every spec change) stays the same."""
        meta = body.get("metadata") or {}
        raw = body.get("spec") or {}
        uid, generation = meta.get("uid", ""), meta.get("generation") or 0
        memo: dict = {}
        if previous and generation and (previous.uid, previous.generation) == (uid, generation):
            spec, errors, memo = previous.spec, list(previous.spec_errors), previous.memo
        else:
            spec, errors = validate_spec(dict(raw))
        return cls(
            name=meta.get("name", ""),
            namespace=meta.get("namespace", ""),
            uid=uid,
            generation=generation,
            creation=parse_timestamp(meta.get("creationTimestamp")),
            spec=spec,
            status=dict(body.get("status") or {}),
            spec_errors=tuple(errors),
            framework_name=str(raw.get("framework", "generic")),
            labels=dict(meta.get("labels") or {}),
            memo=memo,
        )

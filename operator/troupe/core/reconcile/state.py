"""What the steps of one pass over a running job share."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from datetime import datetime

from troupe.api.spec import Role, TrainingJobSpec
from troupe.core import elastic, naming
from troupe.core.framework import Framework, JobContext
from troupe.core.jobview import JobView
from troupe.core.observed import Instance
from troupe.core.plan import Plan, by_name
from troupe.core.status import parse_timestamp


@dataclass
class Pass:
    """One pass over a valid, running job: its inputs, the restart accounting the steps
    move on, and the Plan they fill in."""

    job: JobView
    spec: TrainingJobSpec
    framework: Framework
    now: datetime
    instances: list[Instance]  # by name
    services: set[str]
    placement: dict  # role -> Kueue's (nodeSelector, tolerations)
    stored: dict
    generation: int  # whole-job restart generation
    settled: int  # restarts of pods that are gone
    start: datetime
    roles: dict[str, Role]
    wanted: dict[str, str]  # pod name -> role
    gang: dict | None  # the PodGroup as last recorded in status
    result: Plan = field(default_factory=Plan)
    # role -> pods this pass creates: Pending from now on, so the status says so at once
    # (else a first start would take a second write just to count its master)
    creating: collections.Counter[str] = field(default_factory=collections.Counter)
    elastic: elastic.ElasticStep | None = None

    @classmethod
    def begin(
        cls,
        job: JobView,
        spec: TrainingJobSpec,
        framework: Framework,
        instances: list[Instance],
        services: set[str],
        now: datetime,
        placement: dict | None = None,
    ) -> Pass:
        stored = job.status or {}
        return cls(
            job=job,
            spec=spec,
            framework=framework,
            now=now,
            instances=sorted(instances, key=by_name),
            services=services,
            placement=placement or {},
            stored=stored,
            generation=stored.get("restartGeneration", 0),
            settled=stored.get("settledRestarts", 0),
            start=parse_timestamp(stored.get("startTime")) or now,
            roles={r.name: r for r in spec.roles},
            wanted={
                naming.pod_name(job.name, r.name, i): r.name
                for r in spec.roles
                for i in range(r.replicas)
            },
            gang=stored.get("gang"),
        )

    def context(self) -> JobContext:
        return JobContext(
            name=self.job.name,
            namespace=self.job.namespace,
            uid=self.job.uid,
            spec=self.spec,
            hosts=naming.role_hosts(self.job.name, self.job.namespace, self.spec),
            restart_generation=self.generation,
        )

    def live(self) -> list[Instance]:
        """Pods this generation counts: wanted, of the current generation, not terminating."""
        return [
            i
            for i in self.instances
            if i.generation == self.generation
            and not i.deleting
            and self.wanted.get(i.name) == i.role
        ]

    def total_pods(self) -> int:
        return sum(r.replicas for r in self.spec.roles)

"""A running job's pass: the steps in their fixed order, over one shared Pass."""

from __future__ import annotations

from troupe.core.framework import JobContext
from troupe.core.observed import Instance
from troupe.core.plan import Plan
from troupe.core.reconcile.backoff import backoff
from troupe.core.reconcile.create import create
from troupe.core.reconcile.deadline import deadline
from troupe.core.reconcile.membership import elastic_step
from troupe.core.reconcile.restart import delete_strays, recreate, restart_job
from troupe.core.reconcile.results import archives_due, fetch_failure, hold_for_logs
from troupe.core.reconcile.state import Pass
from troupe.core.reconcile.status import finish_status
from troupe.core.reconcile.verdict import finished_verdict, progress_verdict
from troupe.core.restarts import Outcome, outcome
from troupe.core.status import RoleState, role_state


def run(p: Pass) -> Plan:
    ctx = p.context()
    live = p.live()
    outcomes = {i.name: outcome(i, p.roles[i.role]) for i in live}
    retries = [i for i in live if outcomes[i.name] in (Outcome.RECREATE, Outcome.RESTART_JOB)]
    in_place = sum(i.container_restarts for i in live)
    restarting = {i.role for i in retries}

    limit = p.spec.run_policy.backoff_limit
    verdict = (
        fetch_failure(p, live) or deadline(p) or backoff(limit, p.settled + in_place, retries, live)
    )
    if verdict is None:
        whole_job = [i for i in retries if outcomes[i.name] is Outcome.RESTART_JOB]
        if whole_job:
            restart_job(p, whole_job[0], in_place)
            live = []
            ctx = p.context()
        else:
            recreate(p, retries)
            live = [i for i in live if i not in retries]
    failed_for_good = {n for n, o in outcomes.items() if o is Outcome.FAILED}
    states = role_states(p, live, failed_for_good, ctx)
    p.elastic = elastic_step(p, live, ctx)

    if verdict is None:
        verdict = finished_verdict(p, states)
    if verdict is None:
        delete_strays(p)
        create(p, ctx, states)
        verdict = progress_verdict(p, states, restarting)
    p.result.archive_logs = archives_due(p, verdict)
    verdict = hold_for_logs(p, verdict, p.result.archive_logs)
    total_restarts = p.settled + sum(i.container_restarts for i in live)
    finish_status(p, verdict, states, total_restarts)
    return p.result


def role_states(
    p: Pass, live: list[Instance], failed_for_good: set[str], ctx: JobContext
) -> dict[str, RoleState]:
    return {
        r.name: role_state(
            r, [i for i in live if i.role == r.name], failed_for_good, ctx.hosts[r.name]
        )
        for r in p.spec.roles
    }

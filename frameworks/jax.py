"""JAX: one role, worker; worker 0 hosts the coordination service.

`jax.distributed.initialize()` reads JAX_COORDINATOR_ADDRESS (host:port) itself; the
process count and id are set as JAX_NUM_PROCESSES / JAX_PROCESS_ID and under Kubeflow's
names (COORDINATOR_ADDRESS, COORDINATOR_PORT, NUM_PROCESSES, PROCESS_ID), which scripts
pass as `num_processes=` and `process_id=`. The job succeeds when every worker does.
"""

from __future__ import annotations

from troupe.core.framework import InstanceContext
from troupe_frameworks import _common
from troupe_frameworks._common import RoleDefaults

RANK_ORDER = ("worker",)


class Jax(_common.KnownRoles):
    name = "jax"
    container = "jax"
    port_name = "jaxjob-port"
    default_port = 6666
    roles = {"worker": RoleDefaults()}
    required_roles = (RANK_ORDER,)

    def instance_env(self, ctx: InstanceContext) -> dict[str, str]:
        job = ctx.job
        host = _common.first_host(job, RANK_ORDER)
        port = self.port(job.spec, "worker")
        count = str(len(_common.ranked_hosts(job, RANK_ORDER)))
        process = str(_common.rank(ctx, RANK_ORDER))
        return {
            "JAX_COORDINATOR_ADDRESS": _common.address(host, port),
            "JAX_NUM_PROCESSES": count,
            "JAX_PROCESS_ID": process,
            "COORDINATOR_ADDRESS": host,
            "COORDINATOR_PORT": str(port),
            "NUM_PROCESSES": count,
            "PROCESS_ID": process,
        }

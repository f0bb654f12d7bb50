"""PyTorch: roles master and worker, with the variables torch.distributed and torchrun read.

`init_process_group("env://")` reads MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK; torchrun
reads the PET_* twins of its flags. Ranks count the master first (master 0, worker i ->
i + 1); without a master, worker 0 is the rendezvous host. WORLD_SIZE counts processes:
nodes x processes per node, where processes per node is the user's PET_NPROC_PER_NODE,
else the GPU limit, else 1. Workers start once the master is Ready, so no init container
has to poll DNS. The job succeeds when the master does (all workers without a master).
"""

from __future__ import annotations

from troupe.api.spec import TrainingJobSpec
from troupe.core.framework import InstanceContext, JobContext
from troupe_frameworks import _common, _torch_elastic


class PyTorch(_common.MasterWorker):
    name = "pytorch"
    container = "pytorch"
    port_name = "pytorchjob-port"
    default_port = 23456

    def instance_env(self, ctx: InstanceContext) -> dict[str, str]:
        if ctx.role_spec.elastic:  # c10d rendezvous: see _torch_elastic for the endpoint
            nproc = self.nproc_per_node(ctx.job.spec, ctx.role)
            return _torch_elastic.elastic_env(ctx, nproc)
        addr, port = self.coordinator(ctx.job)
        nnodes = len(self.world(ctx.job))
        node_rank = _common.rank(ctx, self.rank_order)
        nproc = self.nproc_per_node(ctx.job.spec, ctx.role)
        return {
            "MASTER_ADDR": addr,
            "MASTER_PORT": str(port),
            "WORLD_SIZE": str(nnodes * nproc),
            "RANK": str(node_rank),
            "PET_MASTER_ADDR": addr,
            "PET_MASTER_PORT": str(port),
            "PET_NNODES": str(nnodes),
            "PET_NODE_RANK": str(node_rank),
            "PET_NPROC_PER_NODE": str(nproc),
        }

    def extra_objects(self, ctx: JobContext) -> list[dict]:
        elastic = [r for r in ctx.spec.roles if r.elastic]
        return _torch_elastic.store_objects(ctx, elastic[0]) if elastic else []

    def nproc_per_node(self, spec: TrainingJobSpec, role: str) -> int:
        """Processes torchrun starts per pod: the user's PET_NPROC_PER_NODE, GPUs, else 1."""
        stated = _common.container_env(spec, role, self.container, "PET_NPROC_PER_NODE")
        if stated and stated.isdigit():
            return int(stated)
        return _common.resource_count(spec, role, self.container, _common.GPU_RESOURCE) or 1

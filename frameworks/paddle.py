"""PaddlePaddle (collective mode): roles master and worker, for `paddle.distributed.launch`.

The launcher reads PADDLE_MASTER (the endpoint of its key-value rendezvous), PADDLE_NNODES,
PADDLE_JOB_ID and the node rank from PADDLE_TRAINER_ID. Rank 0 (the master, else worker
0) must host the rendezvous, and Paddle's launcher only does that when the endpoint's host
is 127.0.0.1 or its own IP, which no pod knows before it starts: so rank 0 gets
`127.0.0.1:<port>` (the launcher then advertises its own IP) and every other pod gets
`<rank 0 host>:<port>`. POD_IP comes from the downward API, as Kubeflow's PaddleJob gives
it. Workers start once the master is Ready; the job succeeds when the master does (all
workers without a master).
"""

from __future__ import annotations

from troupe.core.framework import InstanceContext
from troupe_frameworks import _common

LOOPBACK = "127.0.0.1"


class Paddle(_common.MasterWorker):
    name = "paddle"
    container = "paddle"
    port_name = "master"
    default_port = 36543

    def instance_env(self, ctx: InstanceContext) -> dict[str, str]:
        rank = _common.rank(ctx, self.rank_order)
        host, port = self.coordinator(ctx.job)
        return {
            "PADDLE_MASTER": _common.address(LOOPBACK if rank == 0 else host, port),
            "PADDLE_NNODES": str(len(self.world(ctx.job))),
            "PADDLE_TRAINER_ID": str(rank),
            "PADDLE_JOB_ID": ctx.job.name,
        }

    def adjust_pod(self, ctx: InstanceContext, pod: dict) -> dict:
        pod = super().adjust_pod(ctx, pod)
        return _common.with_env_from_field(pod, "POD_IP", "status.podIP")

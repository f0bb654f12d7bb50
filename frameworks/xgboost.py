"""XGBoost: roles master and worker, with the tracker variables its collective reads.

The master (rank 0) runs the Rabit tracker and trains too; workers are ranks 1..n.
XGBoost's communicator takes `dmlc_tracker_uri`, `dmlc_tracker_port` and `dmlc_task_id`
(XGBoost 3 does not read them from the environment: scripts pass the DMLC_* values
rendered here to `collective.CommunicatorContext`); the tracker takes DMLC_NUM_WORKER.
Kubeflow's names (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, WORKER_PORT, WORKER_ADDRS)
are set as well so XGBoostJob scripts run unchanged. Workers start once the master is
Ready, which a startup probe on the tracker's port makes mean "tracker listening": a worker
that finds no tracker fails at once, as does a process whose tracker name does not resolve
yet, so the master reaches its own tracker by its pod IP, not by the DNS name the workers
use. The job succeeds when the master does.
"""

from __future__ import annotations

from troupe.core.framework import InstanceContext
from troupe_frameworks import _common


class XGBoost(_common.MasterWorker):
    name = "xgboost"
    container = "xgboost"
    port_name = "xgboostjob-port"
    default_port = 9999
    required_roles = (("master",),)  # the master runs the tracker

    def instance_env(self, ctx: InstanceContext) -> dict[str, str]:
        job = ctx.job
        tracker, port = self.coordinator(job)
        world = str(len(self.world(job)))
        rank = str(_common.rank(ctx, self.rank_order))
        workers = job.hosts.get("worker", [])
        env = {
            "MASTER_ADDR": tracker,
            "MASTER_PORT": str(port),
            "WORLD_SIZE": world,
            "RANK": rank,
            "WORKER_PORT": str(self.port(job.spec, "worker") if workers else port),
            "WORKER_ADDRS": ",".join(workers),
            "DMLC_TRACKER_URI": tracker,
            "DMLC_TRACKER_PORT": str(port),
            "DMLC_NUM_WORKER": world,
            "DMLC_TASK_ID": rank,
        }
        if ctx.role == "master":  # its pod IP instead (adjust_pod)
            del env["DMLC_TRACKER_URI"]
        return env

    def adjust_pod(self, ctx: InstanceContext, pod: dict) -> dict:
        pod = super().adjust_pod(ctx, pod)
        if ctx.role != "master":
            return pod
        pod = _common.with_env_from_field(pod, "DMLC_TRACKER_URI", "status.podIP")
        return _common.with_startup_probe(pod, self.container, self.port(ctx.job.spec, "master"))

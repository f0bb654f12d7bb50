"""torchrun elastic mode: env for c10d rendezvous and the job's rendezvous store.

Why a store of its own: torch's c10d rendezvous backend keeps all rendezvous state in one
TCPStore, hosted by the agent whose hostname or IP matches the endpoint host
(`_create_tcp_store` in torch/distributed/elastic/rendezvous/c10d_rendezvous_backend.py,
or `is_host` in rdzv_conf). Pointing the endpoint at worker 0 makes worker 0 a single
point of failure (Kubeflow's bug); pointing it at a Service over all workers makes no
agent host the store at all. So each elastic job gets `<job>-rdzv`: a one-replica
Deployment running only a TCPStore server (the worker image's torch) behind a ClusterIP
Service of the same name. No worker hosts state, every agent runs with `is_host=false`,
so losing any worker, worker 0 included, leaves the endpoint up; the Deployment
recreates the store pod if it is lost itself (the agents then restart their rendezvous).

Why TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1: by default (torch >= 2.4) the rank-0 agent hosts
the workers' TCPStore and every agent caches its address after the first round
(`_bootstrap_store_info` in dynamic_rendezvous.py). When the rank-0 node is lost, the
survivors re-rendezvous, but an agent that stays non-zero rank keeps handing its workers
the dead agent's address, so they hang connecting to it (seen with torch 2.15 in
tests/contract/test_torch_elastic_contract.py). Disabled, each round's rank 0 publishes a
fresh address in that round's store and every agent reads it again.
"""

from __future__ import annotations

from troupe.api.spec import Role
from troupe.core import naming
from troupe.core.framework import InstanceContext, JobContext

STORE_SERVER = (
    "import os, threading, datetime, torch.distributed as d\n"
    "store = d.TCPStore('0.0.0.0', int(os.environ['RDZV_PORT']), is_master=True,\n"
    "                   wait_for_workers=False, multi_tenant=True,\n"
    "                   timeout=datetime.timedelta(seconds=60))\n"
    "print('rendezvous store on port', os.environ['RDZV_PORT'], flush=True)\n"
    "threading.Event().wait()\n"
)


def elastic_env(ctx: InstanceContext, nproc: int) -> dict[str, str]:
    """PET_* for `torchrun` with c10d; no static RANK, WORLD_SIZE or MASTER_ADDR."""
    job, role = ctx.job, ctx.role_spec
    e = role.elastic
    rdzv = e.rendezvous
    conf = ["is_host=false"]
    if rdzv.join_timeout_seconds:
        conf.append(f"join_timeout={rdzv.join_timeout_seconds}")
    if rdzv.last_call_timeout_seconds:
        conf.append(f"last_call_timeout={rdzv.last_call_timeout_seconds}")
    return {
        "PET_NNODES": f"{e.min_replicas}:{e.max_replicas}",
        "PET_NPROC_PER_NODE": str(nproc),
        "PET_RDZV_BACKEND": rdzv.backend,
        "PET_RDZV_ID": job.uid,
        "PET_RDZV_ENDPOINT": f"{store_host(job)}:{rdzv.port}",
        "PET_RDZV_CONF": ",".join(conf),
        "PET_MAX_RESTARTS": str(rdzv.max_restarts),
        # Workers' store address read anew each round (see the module docstring).
        "TORCH_DISABLE_SHARE_RDZV_TCP_STORE": "1",
    }


def store_host(job: JobContext) -> str:
    return f"{naming.rendezvous_name(job.name)}.{job.namespace}.svc"


def store_objects(job: JobContext, role: Role) -> list[dict]:
    """The rendezvous store Deployment and its Service (labels keep them out of instances)."""
    name, port = naming.rendezvous_name(job.name), role.elastic.rendezvous.port
    labels = {naming.RENDEZVOUS_LABEL: job.name}
    pod_spec = role.template.get("spec") or {}
    containers = pod_spec.get("containers") or [{}]
    store = {
        "name": "rendezvous",
        "image": containers[0].get("image", "pytorch/pytorch"),
        "command": ["python3", "-c", STORE_SERVER],  # Debian-based images have no `python`
        "env": [{"name": "RDZV_PORT", "value": str(port)}],
        "ports": [{"name": "rendezvous", "containerPort": port}],
        "readinessProbe": {"tcpSocket": {"port": port}},
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": labels},
            "spec": {"selector": labels, "ports": [{"name": "rendezvous", "port": port}]},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [store], **placement(pod_spec)},
                },
            },
        },
    ]


PLACEMENT_FIELDS = (
    "nodeSelector",
    "tolerations",
    "affinity",
    "imagePullSecrets",
    "priorityClassName",
    "runtimeClassName",
)


def placement(pod_spec: dict) -> dict:
    """Where and how the workers' pods run, so the store lands in the same node pool and
    pulls the same image (a store on a node the workers cannot reach is no store)."""
    return {k: pod_spec[k] for k in PLACEMENT_FIELDS if k in pod_spec}

"""TensorFlow: roles chief, ps, worker, evaluator, each told the cluster through TF_CONFIG.

TF_CONFIG is `{"cluster": {role: ["host:port", ...]}, "task": {"type", "index"},
"environment": "cloud"}` as `TFConfigClusterResolver` reads it. The evaluator is left out
of the cluster, as TensorFlow requires, but gets its own task. Chief and workers start once
every ps is Ready. The job succeeds when the chief does (without a chief, when a worker
does, as Kubeflow's worker 0); ps and evaluator never exit on their own, so they do not
decide the outcome. For "all workers must succeed" set on the job
`statusPolicy: {success: {policy: All, roles: [worker]}}` (the worker role's own success
rule is then the default All, unless the role says otherwise).
"""

from __future__ import annotations

import json

from troupe.api.spec import JobStatusPolicy, TrainingJobSpec
from troupe.core.framework import InstanceContext
from troupe_frameworks import _common
from troupe_frameworks._common import RoleDefaults

CLUSTER_ROLES = ("chief", "worker", "ps")  # the evaluator must not appear in the cluster


class TensorFlow(_common.KnownRoles):
    name = "tensorflow"
    container = "tensorflow"
    port_name = "tfjob-port"
    default_port = 2222
    roles = {
        "chief": RoleDefaults(max_replicas=1, depends_on=(("ps", "Ready"),)),
        "worker": RoleDefaults(status_policy=_common.ANY_SUCCEEDS, depends_on=(("ps", "Ready"),)),
        "ps": RoleDefaults(status_policy=_common.IGNORED_FOR_JOB),
        "evaluator": RoleDefaults(max_replicas=1, status_policy=_common.IGNORED_FOR_JOB),
    }
    required_roles = (("chief", "worker"),)

    def default_status_policy(self, spec: TrainingJobSpec) -> JobStatusPolicy:
        return _common.succeeds_with(spec, _common.first_present(spec, ("chief", "worker")))

    def instance_env(self, ctx: InstanceContext) -> dict[str, str]:
        job = ctx.job
        cluster = {
            role: _common.addresses(job.hosts[role], self.port(job.spec, role))
            for role in CLUSTER_ROLES
            if job.hosts.get(role)
        }
        tf_config = {
            "cluster": cluster,
            "task": {"type": ctx.role, "index": ctx.index},
            "environment": "cloud",
        }
        return {"TF_CONFIG": json.dumps(tf_config, separators=(",", ":"))}

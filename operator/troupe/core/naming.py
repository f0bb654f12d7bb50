"""Every name, label and DNS host Troupe derives, in one place, so they always agree.

Pod `<job>-<role>-<index>` with hostname/subdomain gives the stable host
`<job>-<role>-<index>.<job>-<role>.<namespace>.svc` through the role's headless Service.
"""

from __future__ import annotations

from troupe.api.errors import FieldError
from troupe.api.spec import TrainingJobSpec

GROUP, VERSION, PLURAL, KIND = "troupe.dev", "v1alpha1", "trainingjobs", "TrainingJob"
API_VERSION = f"{GROUP}/{VERSION}"

JOB_LABEL = "troupe.dev/job-name"
ROLE_LABEL = "troupe.dev/role"
INDEX_LABEL = "troupe.dev/index"
GENERATION_LABEL = "troupe.dev/restart-generation"
FRAMEWORK_LABEL = "troupe.dev/framework"
JOINED_LABEL = "troupe.dev/joined-generation"  # membership generation a pod joined at
RENDEZVOUS_LABEL = "troupe.dev/rendezvous"  # the rendezvous store's pods (not instances)
LOGS_ANNOTATION = "troupe.dev/logs"  # where the operator archived a finished pod's logs

MAX_HOSTNAME = 63  # a pod hostname is a DNS label


def pod_name(job: str, role: str, index: int) -> str:
    return f"{job}-{role}-{index}"


def service_name(job: str, role: str) -> str:
    return f"{job}-{role}"


def membership_name(job: str) -> str:
    return f"{job}-membership"


def rendezvous_name(job: str) -> str:
    return f"{job}-rdzv"


def host(job: str, role: str, index: int, namespace: str) -> str:
    return f"{pod_name(job, role, index)}.{service_name(job, role)}.{namespace}.svc"


def role_hosts(job: str, namespace: str, spec: TrainingJobSpec) -> dict[str, list[str]]:
    """Every role's hosts by index: known before any pod exists, so peers can be told."""
    return {
        r.name: [host(job, r.name, i, namespace) for i in range(r.replicas)] for r in spec.roles
    }


def hosts_env_name(role: str) -> str:
    return f"TROUPE_{role.upper().replace('-', '_')}_HOSTS"


def pod_labels(job: str, role: str, index: int, generation: int, framework: str) -> dict[str, str]:
    return {
        JOB_LABEL: job,
        ROLE_LABEL: role,
        INDEX_LABEL: str(index),
        GENERATION_LABEL: str(generation),
        FRAMEWORK_LABEL: framework,
    }


def service_labels(job: str, role: str, framework: str) -> dict[str, str]:
    return {JOB_LABEL: job, ROLE_LABEL: role, FRAMEWORK_LABEL: framework}


def name_errors(job: str, spec: TrainingJobSpec) -> list[FieldError]:
    """Pod names double as hostnames, so job + role + index must fit in one DNS label."""
    errors = []
    for i, role in enumerate(spec.roles):
        longest = pod_name(job, role.name, max(role.replicas - 1, 0))
        if len(longest) > MAX_HOSTNAME:
            errors.append(
                FieldError(
                    f"spec.roles[{i}].name",
                    f'pod name "{longest}" is longer than {MAX_HOSTNAME} characters; '
                    "shorten the job or role name",
                )
            )
    return errors

"""TrainingJob.spec as pydantic models: the one source of the CRD schema and its docs.

Field descriptions become `kubectl explain` text. Checks that a single field can express
(patterns, bounds, enums) live on the fields so they reach the CRD schema; checks across
fields live in `cross_field_errors` so each error names the exact path at fault.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from troupe.api.errors import FieldError, SpecError

DNS_1035_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"

RestartPolicy = Literal["Never", "OnFailure", "Always", "ExitCode"]
RestartScope = Literal["Instance", "Job"]
DependencyCondition = Literal["Created", "Running", "Ready", "Succeeded"]
CleanPodPolicy = Literal["All", "Running", "None"]
COUNTED_POLICIES = ("AtLeast",)


class _Model(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields are pruned like the API."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class Dependency(_Model):
    role: str = Field(description="Name of the role this role waits for.")
    condition: DependencyCondition = Field(
        default="Ready",
        description=(
            "What the dependency must reach before this role's pods are created. Created: "
            "every pod of it exists. Running: every pod is Running or Succeeded. Ready: every "
            "pod is Ready or Succeeded. Succeeded: the role succeeded per its status policy."
        ),
    )


class RoleRule(_Model):
    policy: str = Field(
        description=(
            "Name of a status policy: All, Any, AtLeast (needs count) or one added by an "
            "installed `troupe.status_policies` plugin."
        ),
    )
    count: int | None = Field(
        default=None, ge=1, description="Number of pods for counted policies such as AtLeast."
    )


class RoleStatusPolicy(_Model):
    success: RoleRule = Field(
        default_factory=lambda: RoleRule(policy="All"),
        description="When the role has succeeded, judged on its succeeded pods. Default All.",
    )
    failure: RoleRule = Field(
        default_factory=lambda: RoleRule(policy="Any"),
        description="When the role has failed, judged on its failed pods. Default Any.",
    )
    ignore_for_job: bool = Field(
        default=False,
        description=(
            "Leave this role out of the job's default success and failure rules (e.g. a "
            "parameter server or evaluator that never exits by itself)."
        ),
    )


RendezvousBackend = Literal["c10d"]


class Rendezvous(_Model):
    """torchrun's rendezvous; the run id is always the job's UID (see troupe/core/elastic.py)."""

    backend: RendezvousBackend = Field(default="c10d", description="Rendezvous backend.")
    port: int = Field(
        default=29400, ge=1, le=65535, description="Port of the job's rendezvous store."
    )
    join_timeout_seconds: int | None = Field(
        default=None, ge=1, description="How long an agent waits for a rendezvous to complete."
    )
    last_call_timeout_seconds: int | None = Field(
        default=None,
        ge=1,
        description="Extra wait for more nodes once minReplicas have joined.",
    )
    max_restarts: int = Field(
        default=3, ge=0, description="Worker-group restarts torchrun allows (PET_MAX_RESTARTS)."
    )


class Elastic(_Model):
    min_replicas: int = Field(
        ge=1, description="Fewest pods the role runs with; the role is Ready with this many."
    )
    max_replicas: int = Field(ge=1, description="Most pods the role may scale to.")
    below_min_grace_seconds: int = Field(
        default=120,
        ge=0,
        description=(
            "How long a running job may have fewer than minReplicas ready pods before it "
            "fails with reason BelowMinReplicas."
        ),
    )
    rendezvous: Rendezvous = Field(
        default_factory=Rendezvous, description="Rendezvous settings (pytorch)."
    )


class Role(_Model):
    name: str = Field(
        max_length=63,
        pattern=DNS_1035_LABEL,
        description="Role name, a DNS-1035 label; part of pod, Service and host names.",
    )
    replicas: int = Field(default=1, ge=0, description="Number of pods of this role.")
    template: dict[str, Any] = Field(
        default_factory=dict,
        description="Pod template (metadata and spec) every pod of this role is built from.",
        json_schema_extra={"x-kubernetes-preserve-unknown-fields": True},
    )
    restart_policy: RestartPolicy | None = Field(
        default=None,
        description=(
            "What happens when a pod ends. Never: a failed pod fails the instance. OnFailure: "
            "the kubelet restarts containers in place; a pod that ends Failed is recreated. "
            "Always: any finished pod is recreated. ExitCode: a pod that fails with a code in "
            "retryableExitCodes is recreated, any other code fails the instance. Default "
            "from the framework, else OnFailure."
        ),
    )
    retryable_exit_codes: list[int] | None = Field(
        default=None,
        description="Exit codes retried under the ExitCode policy. Default: every code >= 128.",
    )
    restart_scope: RestartScope = Field(
        default="Instance",
        description=(
            "Instance: a retryable failure recreates that pod only. Job: it restarts the "
            "whole job under a new restart generation."
        ),
    )
    depends_on: list[Dependency] = Field(
        default_factory=list, description="Roles that must reach a condition before this starts."
    )
    status_policy: RoleStatusPolicy | None = Field(
        default=None, description="When this role counts as succeeded or failed."
    )
    elastic: Elastic | None = Field(
        default=None,
        description="Elastic bounds; the role is Ready once minReplicas pods are ready.",
    )


class JobRule(_Model):
    policy: str = Field(
        description="Name of a status policy applied over roles: All, Any or a plugin's.",
    )
    roles: list[str] | None = Field(
        default=None,
        description="Roles the rule looks at. Default: every role not marked ignoreForJob.",
    )
    count: int | None = Field(
        default=None, ge=1, description="Number of roles for counted policies such as AtLeast."
    )


class JobStatusPolicy(_Model):
    success: JobRule = Field(
        default_factory=lambda: JobRule(policy="All"),
        description="When the job has succeeded, judged on its roles. Default All.",
    )
    failure: JobRule = Field(
        default_factory=lambda: JobRule(policy="Any"),
        description="When the job has failed, judged on its roles. Default Any.",
    )


class RunPolicy(_Model):
    backoff_limit: int | None = Field(
        default=6,
        ge=0,
        description=(
            "Restarts allowed (in-place container restarts plus pod recreations); the one "
            "past it fails the job with BackoffLimitExceeded. Default 6; null: unlimited."
        ),
    )
    active_deadline_seconds: int | None = Field(
        default=None,
        ge=1,
        description="Seconds from the job's start after which it fails with DeadlineExceeded.",
    )
    ttl_seconds_after_finished: int | None = Field(
        default=None, ge=0, description="Seconds after the job finishes before it is deleted."
    )
    clean_pod_policy: CleanPodPolicy = Field(
        default="Running",
        description=(
            "Pods deleted when the job finishes. Running: those still pending or running. "
            "All: every pod. None: keep them."
        ),
    )
    suspend: bool = Field(
        default=False,
        description="True deletes the job's pods and holds it Suspended; false resumes it.",
    )


GangPolicy = Literal["none", "volcano", "coscheduling"]


class Gang(_Model):
    policy: GangPolicy = Field(
        default="none",
        description=(
            "none: pods are scheduled one by one. volcano: a scheduling.volcano.sh PodGroup "
            "and schedulerName volcano. coscheduling: a scheduling.x-k8s.io PodGroup for "
            "scheduler-plugins' coscheduling plugin."
        ),
    )
    min_available: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Pods that must be placed together. Default: every pod the job needs to start "
            "(elastic roles: minReplicas). Capped, while dependencies hold roles back, by "
            "the pods that can be created (see docs/design.md, gang stages)."
        ),
    )
    schedule_timeout_seconds: int | None = Field(
        default=None,
        ge=1,
        description="How long the gang may wait to be placed (coscheduling only).",
    )
    scheduler_name: str | None = Field(
        default=None,
        max_length=253,
        description=(
            "schedulerName on every pod. Default: volcano, or scheduler-plugins-scheduler "
            "for coscheduling."
        ),
    )


class Scheduling(_Model):
    priority_class_name: str | None = Field(
        default=None,
        max_length=253,
        description="PriorityClass of every pod; its value also orders the job's queue.",
    )
    queue: str = Field(
        default="default",
        max_length=253,
        description=(
            "Name of the TrainingQueue the job waits in (no such queue: admitted at once); "
            "also the Volcano queue of its PodGroup."
        ),
    )
    gang: Gang = Field(default_factory=Gang, description="Gang (all-or-nothing) scheduling.")


S3_URI = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\x00-\x1f\x7f]*)?$"
ABSOLUTE_PATH = r"^/[^\x00-\x1f\x7f:]*$"
ArtifactKind = Literal["dataset", "code", "model"]
INPUTS_ROOT = "/troupe/inputs"
OUTPUT_PATH = "/troupe/output"


class Input(_Model):
    name: str = Field(
        max_length=63,
        pattern=DNS_1035_LABEL,
        description="Name of the input, a DNS-1035 label; env TROUPE_INPUT_<NAME> holds its path.",
    )
    kind: ArtifactKind = Field(
        default="dataset",
        description=(
            "dataset or model: files to read. code: training code; its directory is put on "
            "PYTHONPATH and is the containers' working directory unless they set one."
        ),
    )
    uri: str = Field(
        max_length=1024,
        pattern=S3_URI,
        description="s3://bucket/key of one object, or s3://bucket/prefix/ (ending in /) of many.",
    )
    path: str | None = Field(
        default=None,
        max_length=1024,
        pattern=ABSOLUTE_PATH,
        description=(
            "Where the input appears in the containers: the file (an object) or the directory "
            "(a prefix). Default /troupe/inputs/<name>."
        ),
    )
    sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="Expected sha256 of an object input; a mismatch fails the fetch.",
    )
    roles: list[str] | None = Field(
        default=None, description="Roles whose pods get this input. Default: every role."
    )

    @property
    def is_prefix(self) -> bool:
        return self.uri.endswith("/")

    @property
    def mount_path(self) -> str:
        return self.path or f"{INPUTS_ROOT}/{self.name}"


class Output(_Model):
    uri: str = Field(
        max_length=1024,
        pattern=S3_URI,
        description=(
            "s3://bucket/prefix/ that results go under: each pod's output directory to "
            "<uri>/<pod>/, its containers' logs to <uri>/<pod>/logs/."
        ),
    )
    path: str = Field(
        default=OUTPUT_PATH,
        max_length=1024,
        pattern=ABSOLUTE_PATH,
        description="Directory the containers write results to (env TROUPE_OUTPUT_DIR).",
    )
    roles: list[str] | None = Field(
        default=None, description="Roles whose pods upload results. Default: every role."
    )
    logs: bool = Field(default=True, description="Archive every container's log beside them.")


class Artifacts(_Model):
    secret_name: str = Field(
        max_length=253,
        pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
        description=(
            "Secret in the job's namespace with the store's endpoint, region, accessKey and "
            "secretKey. Credentials never appear in the spec."
        ),
    )
    inputs: list[Input] = Field(
        default_factory=list,
        description="Files fetched before training starts, checksummed; any failure fails the pod.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    output: Output | None = Field(
        default=None, description="Where each pod's results and logs are uploaded when it ends."
    )


class TrainingJobSpec(_Model):
    framework: str = Field(
        default="generic", description="Id of the framework plugin that shapes this job."
    )
    roles: list[Role] = Field(
        min_length=1,
        description="The job's roles (master, worker, ps, ...), keyed by name.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    status_policy: JobStatusPolicy | None = Field(
        default=None,
        description="When the job has succeeded or failed. Default from the framework.",
    )
    run_policy: RunPolicy = Field(
        default_factory=RunPolicy, description="Limits and lifecycle of the job as a whole."
    )

    scheduling: Scheduling = Field(
        default_factory=Scheduling,
        description="Priority, queue and gang scheduling of the job's pods.",
    )
    managed_by: str | None = Field(
        default=None,
        max_length=253,
        description=(
            "Controller that runs this job. Unset or troupe.dev/trainingjob-controller: "
            "Troupe. Anything else (e.g. kueue.x-k8s.io/multikueue): Troupe leaves it alone."
        ),
    )

    artifacts: Artifacts | None = Field(
        default=None,
        description="Inputs fetched from and results uploaded to an S3-compatible store.",
    )

    elastic_replicas: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Replicas of the job's one elastic role, overriding that role's replicas: the "
            "path `kubectl scale` and a HorizontalPodAutoscaler set (scale subresource)."
        ),
    )

    def role(self, name: str) -> Role:
        return next(r for r in self.roles if r.name == name)


def validate_spec(raw: dict) -> tuple[TrainingJobSpec | None, list[FieldError]]:
    """Parse a stored or submitted spec; never raises, returns every error found."""
    try:
        spec = TrainingJobSpec.model_validate(raw)
    except ValidationError as exc:
        return None, [_field_error(e) for e in exc.errors()]
    errors = cross_field_errors(spec)
    return (None if errors else spec), errors


def parse_spec(raw: dict) -> TrainingJobSpec:
    spec, errors = validate_spec(raw)
    if errors:
        raise SpecError(errors)
    return spec


def cross_field_errors(spec: TrainingJobSpec) -> list[FieldError]:
    """Rules that span fields: names, references between roles, policy arguments."""
    errors: list[FieldError] = []
    names = [r.name for r in spec.roles]
    for i, role in enumerate(spec.roles):
        at = f"spec.roles[{i}]"
        if role.name in names[:i]:
            errors.append(FieldError(f"{at}.name", f'duplicate role name "{role.name}"'))
        for j, dep in enumerate(role.depends_on):
            if dep.role == role.name:
                errors.append(
                    FieldError(f"{at}.dependsOn[{j}].role", "a role cannot depend on itself")
                )
            elif dep.role not in names:
                errors.append(
                    FieldError(f"{at}.dependsOn[{j}].role", f'no role named "{dep.role}"')
                )
        if role.retryable_exit_codes is not None and role.restart_policy != "ExitCode":
            errors.append(
                FieldError(f"{at}.retryableExitCodes", "only allowed with restartPolicy ExitCode")
            )
        if role.status_policy:
            for side in ("success", "failure"):
                rule = getattr(role.status_policy, side)
                errors += _count_errors(rule.policy, rule.count, f"{at}.statusPolicy.{side}")
    errors += _gang_errors(spec)
    errors += _elastic_errors(spec)
    errors += _artifact_errors(spec, names)
    if spec.status_policy:
        for side in ("success", "failure"):
            rule = getattr(spec.status_policy, side)
            at = f"spec.statusPolicy.{side}"
            errors += _count_errors(rule.policy, rule.count, at)
            for k, name in enumerate(rule.roles or []):
                if name not in names:
                    errors.append(FieldError(f"{at}.roles[{k}]", f'no role named "{name}"'))
    return errors


def _gang_errors(spec: TrainingJobSpec) -> list[FieldError]:
    gang, at = spec.scheduling.gang, "spec.scheduling.gang"
    total = sum(r.replicas for r in spec.roles)
    errors = []
    if gang.policy == "none":
        for name in ("min_available", "schedule_timeout_seconds", "scheduler_name"):
            if getattr(gang, name) is not None:
                errors.append(FieldError(f"{at}.{to_camel(name)}", "needs a gang policy"))
    elif gang.min_available is not None and gang.min_available > total:
        errors.append(
            FieldError(f"{at}.minAvailable", f"{gang.min_available} is more than the {total} pods")
        )
    return errors


def _elastic_errors(spec: TrainingJobSpec) -> list[FieldError]:
    """One elastic role; 1 <= min <= replicas <= max, replicas from elasticReplicas if set."""
    errors = []
    elastic = [(i, r) for i, r in enumerate(spec.roles) if r.elastic]
    for i, _ in elastic[1:]:
        errors.append(
            FieldError(
                f"spec.roles[{i}].elastic",
                "only one role may be elastic (the scale subresource resizes one role)",
            )
        )
    if spec.elastic_replicas is not None and not elastic:
        errors.append(FieldError("spec.elasticReplicas", "needs a role with an elastic policy"))
    for i, role in elastic[:1]:
        e = role.elastic
        if e.min_replicas > e.max_replicas:
            errors.append(
                FieldError(
                    f"spec.roles[{i}].elastic.minReplicas",
                    f"{e.min_replicas} is more than maxReplicas {e.max_replicas}",
                )
            )
            continue
        replicas, at = role.replicas, f"spec.roles[{i}].replicas"
        if spec.elastic_replicas is not None:
            replicas, at = spec.elastic_replicas, "spec.elasticReplicas"
        if not e.min_replicas <= replicas <= e.max_replicas:
            errors.append(
                FieldError(
                    at,
                    f"{replicas} is outside elastic bounds [{e.min_replicas}, {e.max_replicas}]",
                )
            )
    return errors


def _artifact_errors(spec: TrainingJobSpec, names: list[str]) -> list[FieldError]:
    """Unique input names and paths, roles that exist, no input inside the output directory."""
    artifacts, at = spec.artifacts, "spec.artifacts"
    if artifacts is None:
        return []
    errors = []
    output = artifacts.output
    seen_names: set[str] = set()
    seen_paths: set[str] = set()
    for i, item in enumerate(artifacts.inputs):
        here = f"{at}.inputs[{i}]"
        if item.name in seen_names:
            errors.append(FieldError(f"{here}.name", f'duplicate input name "{item.name}"'))
        path = item.mount_path.rstrip("/")
        errors += _path_errors(path, f"{here}.path")
        if path in seen_paths:
            errors.append(FieldError(f"{here}.path", f"{path} is already another input's path"))
        elif any(_nested(path, other) for other in seen_paths):
            errors.append(FieldError(f"{here}.path", f"{path} overlaps another input's path"))
        if output and _nested(path, output.path.rstrip("/")):
            errors.append(FieldError(f"{here}.path", "overlaps the output path"))
        if item.sha256 and item.is_prefix:
            errors.append(FieldError(f"{here}.sha256", "only for an object, not a prefix"))
        if not _has_key(item.uri) and not item.is_prefix:
            errors.append(FieldError(f"{here}.uri", "names a bucket only; end it with /"))
        seen_names.add(item.name)
        seen_paths.add(path)
        errors += _role_refs(item.roles, names, f"{here}.roles")
    if output:
        errors += _path_errors(output.path.rstrip("/"), f"{at}.output.path")
        errors += _role_refs(output.roles, names, f"{at}.output.roles")
    return errors


def _path_errors(path: str, at: str) -> list[FieldError]:
    """A path of its own: not the root, no . or .. segments that would climb out of it."""
    if not path:
        return [FieldError(at, "must not be /")]
    if any(part in (".", "..") for part in path.split("/")):
        return [FieldError(at, f"{path} has a . or .. segment")]
    return []


def _nested(a: str, b: str) -> bool:
    """One path is the other or inside it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _has_key(uri: str) -> bool:
    return bool(uri.removeprefix("s3://").partition("/")[2])


def _role_refs(roles: list[str] | None, names: list[str], at: str) -> list[FieldError]:
    return [
        FieldError(f"{at}[{k}]", f'no role named "{role}"')
        for k, role in enumerate(roles or [])
        if role not in names
    ]


def _count_errors(policy: str, count: int | None, at: str) -> list[FieldError]:
    if policy in COUNTED_POLICIES and count is None:
        return [FieldError(f"{at}.count", f"policy {policy} needs a count")]
    return []


PATTERN_MEANINGS = {
    DNS_1035_LABEL: "a DNS-1035 label (a-z, 0-9, '-')",
    S3_URI: "an s3://bucket/key URI (bucket: 3-63 of a-z, 0-9, '.', '-'; no control characters)",
    ABSOLUTE_PATH: "an absolute path without ':' or control characters",
}


def _field_error(error: dict) -> FieldError:
    path = "spec"
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    if error["type"] == "string_pattern_mismatch":
        if explained := PATTERN_MEANINGS.get(error["ctx"]["pattern"]):
            return FieldError(path, f"{error['input']!r} is not {explained}")
    return FieldError(path, error["msg"])

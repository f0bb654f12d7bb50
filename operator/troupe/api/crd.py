"""The TrainingJob CRD, generated from the pydantic models in spec.py (`python -m troupe.api.crd`).

The models stay the one source of field names, types, bounds and descriptions; this module
turns their JSON schema into a structural OpenAPI v3 schema and adds what only the API
server can do: list-map keys, CEL rules that name the field at fault, printer columns.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

import yaml

from troupe.api.spec import TrainingJobSpec

GROUP = "troupe.dev"
VERSION = "v1alpha1"
KIND = "TrainingJob"
PLURAL = "trainingjobs"
SINGULAR = "trainingjob"
SHORT_NAMES = ["tj"]
CATEGORIES = ["troupe"]
CRD_NAME = f"{PLURAL}.{GROUP}"

# Bounds the models leave open: CEL rules are only accepted when their worst-case cost is
# bounded, and that needs list and string sizes. Paths are camelCase, `[]` is "each item".
MAX_ROLES = 32
MAX_DEPENDENCIES = 16
SIZE_BOUNDS: dict[str, dict[str, int]] = {
    "roles": {"maxItems": MAX_ROLES},
    "roles[].dependsOn": {"maxItems": MAX_DEPENDENCIES},
    "roles[].dependsOn[].role": {"maxLength": 63},
    "roles[].retryableExitCodes": {"maxItems": 256},
    "roles[].statusPolicy.success.policy": {"maxLength": 253},
    "roles[].statusPolicy.failure.policy": {"maxLength": 253},
    "statusPolicy.success.policy": {"maxLength": 253},
    "statusPolicy.failure.policy": {"maxLength": 253},
    "statusPolicy.success.roles": {"maxItems": MAX_ROLES},
    "statusPolicy.failure.roles": {"maxItems": MAX_ROLES},
    "statusPolicy.success.roles[]": {"maxLength": 63},
    "statusPolicy.failure.roles[]": {"maxLength": 63},
    "framework": {"maxLength": 253},
}


def _rule(rule: str, message: str | None = None, **extra: str) -> dict[str, str]:
    out = {"rule": rule}
    if message:
        out["message"] = message
    out.update(extra)
    return out


_COUNTED = _rule(
    "self.policy != 'AtLeast' || has(self.count)",
    "policy AtLeast needs a count",
    fieldPath=".count",
    reason="FieldValueRequired",
)

# CEL rules, where the API server can reject a manifest with a clearer message than the
# controller could give later. The controller checks the same things (spec.py) for objects
# stored before these rules existed.
VALIDATIONS: dict[str, list[dict[str, str]]] = {
    "": [
        _rule(
            "self.roles.all(r, !has(r.dependsOn) || "
            "r.dependsOn.all(d, self.roles.exists(o, o.name == d.role)))",
            # A messageExpression naming the missing role exceeds the API server's cost
            # budget; the controller's error (spec.roles[i].dependsOn[j].role) names it.
            "every dependsOn[].role must name a role in spec.roles",
            fieldPath=".roles",
            reason="FieldValueInvalid",
        ),
        _rule(
            "!has(self.statusPolicy) || ["
            "has(self.statusPolicy.success) && has(self.statusPolicy.success.roles) ? "
            "self.statusPolicy.success.roles : [], "
            "has(self.statusPolicy.failure) && has(self.statusPolicy.failure.roles) ? "
            "self.statusPolicy.failure.roles : []"
            "].all(names, names.all(n, self.roles.exists(r, r.name == n)))",
            "statusPolicy names a role that does not exist in spec.roles",
            fieldPath=".statusPolicy",
            reason="FieldValueInvalid",
        ),
        _rule(
            "self.roles.filter(r, has(r.elastic)).size() <= 1",
            "only one role may be elastic",
            fieldPath=".roles",
            reason="FieldValueInvalid",
        ),
        _rule(
            "!has(self.elasticReplicas) || self.roles.exists(r, has(r.elastic) && "
            "self.elasticReplicas >= r.elastic.minReplicas && "
            "self.elasticReplicas <= r.elastic.maxReplicas)",
            "elasticReplicas must lie between the elastic role's minReplicas and maxReplicas",
            fieldPath=".elasticReplicas",
            reason="FieldValueInvalid",
        ),
    ],
    "roles[]": [
        _rule(
            "!has(self.dependsOn) || self.dependsOn.all(d, d.role != self.name)",
            "a role cannot depend on itself",
            fieldPath=".dependsOn",
            reason="FieldValueInvalid",
        ),
        _rule(
            "!has(self.retryableExitCodes) || "
            "(has(self.restartPolicy) && self.restartPolicy == 'ExitCode')",
            "retryableExitCodes is only allowed with restartPolicy ExitCode",
            fieldPath=".retryableExitCodes",
            reason="FieldValueForbidden",
        ),
        _rule(
            "!has(self.elastic) || ((has(self.replicas) ? self.replicas : 1) >= "
            "self.elastic.minReplicas && (has(self.replicas) ? self.replicas : 1) <= "
            "self.elastic.maxReplicas)",
            "replicas must lie between elastic.minReplicas and elastic.maxReplicas",
            fieldPath=".replicas",
            reason="FieldValueInvalid",
        ),
    ],
    "roles[].elastic": [
        _rule(
            "self.minReplicas <= self.maxReplicas",
            "minReplicas must be less than or equal to maxReplicas",
            fieldPath=".minReplicas",
            reason="FieldValueInvalid",
        ),
    ],
    "roles[].statusPolicy.success": [_COUNTED],
    "roles[].statusPolicy.failure": [_COUNTED],
    "statusPolicy.success": [_COUNTED],
    "statusPolicy.failure": [_COUNTED],
}

PRINTER_COLUMNS = [
    {"name": "Framework", "type": "string", "jsonPath": ".spec.framework"},
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {
        "name": "Ready",
        "type": "integer",
        "jsonPath": ".status.readyPods",
        "description": "Pods of the current restart generation that are ready.",
    },
    {
        "name": "Pods",
        "type": "integer",
        "jsonPath": ".status.totalPods",
        "description": "Pods the job runs (the sum of every role's replicas).",
    },
    {"name": "Restarts", "type": "integer", "jsonPath": ".status.restarts"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    {
        "name": "Artifacts",
        "type": "string",
        "jsonPath": ".status.artifacts.summary",
        "description": "Inputs fetched and pods whose results are uploaded.",
        "priority": 1,
    },
    {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
]

# `kubectl scale` and HPAs resize the job's one elastic role (troupe/core/elastic.py).
SCALE = {
    "specReplicasPath": ".spec.elasticReplicas",
    "statusReplicasPath": ".status.elastic.replicas",
    "labelSelectorPath": ".status.elastic.selector",
}

# Status is written by the operator only (status.py), so its schema is permissive; the
# fields named here are for `kubectl explain trainingjob.status` and the printer columns.
STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Observed state of the job, written by the operator.",
    # a job the operator has not seen yet reads as "generation 0 observed": kstatus and Flux
    # say InProgress instead of Current
    "default": {"observedGeneration": 0},
    "x-kubernetes-preserve-unknown-fields": True,
    "properties": {
        "membership": {
            "type": "object",
            "description": (
                "Elastic role: the Ready pods (members, by index) and their hosts; generation "
                "moves on every change. The ConfigMap <job>-membership carries the same."
            ),
            "x-kubernetes-preserve-unknown-fields": True,
        },
        "elastic": {
            "type": "object",
            "description": (
                "Elastic role: its name, replicas (pods that exist) and selector for the scale "
                "subresource, and since when it is below minReplicas (belowMinSince)."
            ),
            "x-kubernetes-preserve-unknown-fields": True,
        },
        "phase": {
            "type": "string",
            "description": (
                "Pending, Running, Restarting, Succeeded, Failed or Suspended. Running: every "
                "role has the pods it needs up (all replicas; minReplicas for an elastic role), "
                "as a gang scheduler counts them. Succeeded and Failed are final."
            ),
        },
        "conditions": {
            "type": "array",
            "description": (
                "Kubernetes-style conditions (Created, Running, Restarting, Succeeded, "
                "Failed, Suspended), usable with `kubectl wait --for=condition=...`."
            ),
            "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
        "roles": {
            "type": "array",
            "description": (
                "Per role: replicas, pending, running, ready, succeeded, failed, restarts, "
                "phase and the DNS addresses of its ready pods."
            ),
            "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
        "restarts": {
            "type": "integer",
            "description": (
                "Restarts counted against runPolicy.backoffLimit: pod recreations plus "
                "in-place container restarts."
            ),
        },
        "restartGeneration": {
            "type": "integer",
            "description": "How many times the whole job was restarted (restartScope Job).",
        },
        "readyPods": {"type": "integer", "description": "Pods that are ready."},
        "stuckPods": {
            "type": "array",
            "description": (
                "Pods whose containers cannot start (image absent or not pullable, a config "
                "the kubelet rejects): pod, the kubelet's reason and its message."
            ),
            "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
        "totalPods": {"type": "integer", "description": "Pods the job runs."},
        "artifacts": {
            "type": "object",
            "description": (
                "spec.artifacts, as it went: inputs (name, uri, objects, bytes, sha256 as "
                "fetched), outputs per pod (uri, state Uploaded or Failed, files, bytes, the "
                "manifest's sha256, logs: where they were archived) and a one-line summary."
            ),
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {
                "summary": {
                    "type": "string",
                    "description": "E.g. `2 in (1.2 MB), 3/3 pods uploaded (4 files, 9.1 MB)`.",
                }
            },
        },
        "startTime": {"type": "string", "description": "When the job first started."},
        "completionTime": {
            "type": "string",
            "description": "When the job reached Succeeded or Failed.",
        },
        "message": {
            "type": "string",
            "description": "Why the job is in its phase, e.g. the failing pod and exit code.",
        },
        "observedGeneration": {
            "type": "integer",
            "description": "metadata.generation of the spec this status was computed from.",
        },
    },
}

_DROP = {"title", "default", "additionalProperties"}


def spec_schema() -> dict[str, Any]:
    """Structural OpenAPI v3 schema of TrainingJob.spec, with bounds and CEL rules added."""
    raw = TrainingJobSpec.model_json_schema(by_alias=True, mode="validation")
    schema = _structural(raw, raw.get("$defs", {}))
    schema["description"] = (
        "What to run: a framework and its roles, each a set of identical pods, started in "
        "dependency order and judged by status policies."
    )
    _overlay(schema, "", SIZE_BOUNDS, VALIDATIONS)
    return schema


def _structural(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Inline $refs, turn `X | None` into X (nullable where null means more than absent)."""
    node = dict(node)
    if "$ref" in node:
        target = defs[node.pop("$ref").rsplit("/", 1)[-1]]
        node = {**target, **node}
    if "anyOf" in node:
        options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
        if len(options) != 1:
            raise ValueError(f"cannot express a union in a structural schema: {options}")
        # A null that differs from the default (backoffLimit: null = unlimited) must survive;
        # any other null is pruned by the API server, which reads as "use the default".
        nullable = node.get("default") is not None
        node = {**_structural(options[0], defs), **node}
        if nullable:
            node["nullable"] = True
    out = {k: v for k, v in node.items() if k not in _DROP and k != "$defs"}
    if node.get("x-kubernetes-preserve-unknown-fields"):
        out["type"] = "object"
        return out
    if "properties" in out:
        out["properties"] = {k: _structural(v, defs) for k, v in out["properties"].items()}
    if "items" in out:
        out["items"] = _structural(out["items"], defs)
    return out


def _overlay(node: dict[str, Any], path: str, *tables: dict[str, Any]) -> None:
    for table in tables:
        if path in table:
            extra = table[path]
            if isinstance(extra, list):
                node["x-kubernetes-validations"] = copy.deepcopy(extra)
            else:
                node.update(extra)
    for name, child in node.get("properties", {}).items():
        _overlay(child, f"{path}.{name}" if path else name, *tables)
    if "items" in node:
        _overlay(node["items"], f"{path}[]", *tables)


def crd() -> dict[str, Any]:
    """The CustomResourceDefinition manifest for `kubectl apply`."""
    schema = {
        "type": "object",
        "description": (
            "A distributed training job: one resource for every framework (PyTorch, "
            "TensorFlow, MPI, XGBoost, Paddle, JAX or a plugin's), run by the Troupe operator."
        ),
        "required": ["spec"],
        "properties": {
            "apiVersion": {
                "type": "string",
                "description": "Versioned schema of this object, here troupe.dev/v1alpha1.",
            },
            "kind": {"type": "string", "description": "TrainingJob."},
            "metadata": {"type": "object"},  # the API server allows nothing more here
            "spec": spec_schema(),
            "status": copy.deepcopy(STATUS_SCHEMA),
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": CRD_NAME,
            "labels": {"app.kubernetes.io/name": "troupe", "app.kubernetes.io/part-of": "troupe"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": KIND,
                "listKind": f"{KIND}List",
                "plural": PLURAL,
                "singular": SINGULAR,
                "shortNames": SHORT_NAMES,
                "categories": CATEGORIES,
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}, "scale": copy.deepcopy(SCALE)},
                    "additionalPrinterColumns": copy.deepcopy(PRINTER_COLUMNS),
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


class _Dumper(yaml.SafeDumper):
    """Plain YAML for humans and GitOps diffs: no &anchors for repeated sub-schemas."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _ordered(node: Any) -> Any:
    """type and description first in every schema node, so the YAML reads top-down."""
    if isinstance(node, dict):
        first = [k for k in ("name", "type", "description") if k in node]
        return {k: _ordered(node[k]) for k in first + [k for k in node if k not in first]}
    if isinstance(node, list):
        return [_ordered(v) for v in node]
    return node


def render() -> str:
    """The CRD as committed in crds/ (a unit test fails when the two differ)."""
    header = (
        "# Generated by `python -m troupe.api.crd` from operator/troupe/api/spec.py. Do not edit.\n"
    )
    body = yaml.dump(_ordered(crd()), Dumper=_Dumper, sort_keys=False, width=100)
    return header + body


if __name__ == "__main__":
    sys.stdout.write(render())

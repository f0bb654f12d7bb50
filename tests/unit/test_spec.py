"""spec.py: what users may write, and the exact path named when they get it wrong."""

from __future__ import annotations

import pytest
from builders import raw_spec, spec_from_yaml

from troupe.api.errors import SpecError
from troupe.api.spec import parse_spec, validate_spec

TWO_ROLES = """
spec:
  framework: generic
  roles:
    - name: master
      template: {spec: {containers: [{name: main, image: busybox}]}}
    - name: worker
      replicas: 3
      restartPolicy: ExitCode
      retryableExitCodes: [137, 143]
      restartScope: Job
      dependsOn: [{role: master, condition: Running}]
      statusPolicy:
        success: {policy: AtLeast, count: 2}
  runPolicy: {backoffLimit: 2, cleanPodPolicy: All, ttlSecondsAfterFinished: 60}
"""


def test_camel_case_manifest_parses_to_python_names():
    spec = spec_from_yaml(TWO_ROLES)
    worker = spec.role("worker")
    assert worker.replicas == 3
    assert worker.retryable_exit_codes == [137, 143]
    assert worker.restart_scope == "Job"
    assert worker.depends_on[0].condition == "Running"
    assert worker.status_policy.success.count == 2
    assert spec.run_policy.backoff_limit == 2
    assert spec.run_policy.clean_pod_policy == "All"


def test_defaults_match_kubeflow_expectations():
    spec = parse_spec({"roles": [{"name": "worker"}]})
    role = spec.roles[0]
    assert spec.framework == "generic"
    assert (role.replicas, role.restart_policy, role.restart_scope) == (1, None, "Instance")
    assert spec.run_policy.backoff_limit == 6
    assert spec.run_policy.clean_pod_policy == "Running"
    assert spec.run_policy.suspend is False


def test_dump_by_alias_round_trips():
    spec = spec_from_yaml(TWO_ROLES)
    assert parse_spec(spec.model_dump(by_alias=True)) == spec


@pytest.mark.parametrize(
    ("roles", "path", "words"),
    [
        ([{"name": "Master"}], "spec.roles[0].name", "DNS-1035"),
        ([{"name": "1st"}], "spec.roles[0].name", "DNS-1035"),
        ([{"name": "w", "replicas": -1}], "spec.roles[0].replicas", "greater than or equal"),
        ([{"name": "w", "restartPolicy": "Sometimes"}], "spec.roles[0].restartPolicy", "ExitCode"),
        ([{"name": "w"}, {"name": "w"}], "spec.roles[1].name", "duplicate"),
        (
            [{"name": "a"}, {"name": "b", "dependsOn": [{"role": "ps"}]}],
            "spec.roles[1].dependsOn[0].role",
            '"ps"',
        ),
        (
            [{"name": "a", "dependsOn": [{"role": "a"}]}],
            "spec.roles[0].dependsOn[0].role",
            "itself",
        ),
        (
            [{"name": "a", "dependsOn": [{"role": "a", "condition": "Done"}]}],
            "spec.roles[0].dependsOn[0].condition",
            "Succeeded",
        ),
        (
            [{"name": "a", "retryableExitCodes": [1]}],
            "spec.roles[0].retryableExitCodes",
            "ExitCode",
        ),
        (
            [{"name": "a", "statusPolicy": {"failure": {"policy": "AtLeast"}}}],
            "spec.roles[0].statusPolicy.failure.count",
            "count",
        ),
        (
            [{"name": "a", "replicas": 5, "elastic": {"minReplicas": 1, "maxReplicas": 4}}],
            "spec.roles[0].replicas",
            "outside elastic bounds [1, 4]",
        ),
        (
            [{"name": "a", "elastic": {"minReplicas": 0, "maxReplicas": 4}}],
            "spec.roles[0].elastic.minReplicas",
            "greater than or equal",
        ),
        ([], "spec.roles", "at least 1"),
    ],
)
def test_invalid_spec_names_the_field(roles, path, words):
    spec, errors = validate_spec({"roles": roles})
    assert spec is None
    matching = [e for e in errors if e.path == path]
    assert matching, errors
    assert words in matching[0].message


def test_job_status_policy_must_name_existing_roles():
    _, errors = validate_spec(
        raw_spec(
            """
            spec:
              roles: [{name: worker}]
              statusPolicy: {success: {policy: Any, roles: [worker, chief]}}
            """
        )
    )
    assert [(e.path, e.message) for e in errors] == [
        ("spec.statusPolicy.success.roles[1]", 'no role named "chief"')
    ]


def test_parse_spec_raises_with_every_error():
    with pytest.raises(SpecError) as caught:
        parse_spec({"roles": [{"name": "A", "replicas": -2}]})
    assert [e.path for e in caught.value.errors] == ["spec.roles[0].name", "spec.roles[0].replicas"]
    assert "spec.roles[0].replicas" in str(caught.value)


def test_run_policy_bounds():
    _, errors = validate_spec(
        {"roles": [{"name": "w"}], "runPolicy": {"activeDeadlineSeconds": 0, "backoffLimit": -1}}
    )
    assert {e.path for e in errors} == {
        "spec.runPolicy.activeDeadlineSeconds",
        "spec.runPolicy.backoffLimit",
    }


def test_every_field_has_a_description():
    """The CRD schema and `kubectl explain` are generated from these descriptions."""
    from troupe.api import spec as module

    models = [
        getattr(module, n)
        for n in dir(module)
        if isinstance(getattr(module, n), type) and issubclass(getattr(module, n), module._Model)
    ]
    missing = [
        f"{m.__name__}.{name}"
        for m in models
        for name, field in m.model_fields.items()
        if not field.description
    ]
    assert models and missing == []


def test_gang_fields_need_a_gang_policy():
    _, errors = validate_spec(
        {"roles": [{"name": "a"}], "scheduling": {"gang": {"minAvailable": 1}}}
    )
    assert [e.path for e in errors] == ["spec.scheduling.gang.minAvailable"]


def test_gang_min_available_cannot_exceed_the_pods():
    _, errors = validate_spec(
        {
            "roles": [{"name": "a", "replicas": 2}],
            "scheduling": {"gang": {"policy": "volcano", "minAvailable": 3}},
        }
    )
    assert errors[0].message == "3 is more than the 2 pods"

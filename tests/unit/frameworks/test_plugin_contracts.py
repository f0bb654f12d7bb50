"""What every built-in plugin promises: discovery, validation, dependencies, success rules."""

from __future__ import annotations

import pytest
from plugin_cases import errors, job_context

from troupe.core.framework import apply_defaults, get_framework, installed_frameworks
from troupe_frameworks._common import KnownRoles

BUILT_IN = ["pytorch", "tensorflow", "mpi", "xgboost", "paddle", "jax"]


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_framework_is_found_through_its_entry_point(name):
    assert name in installed_frameworks()
    plugin = get_framework(name)
    assert isinstance(plugin, KnownRoles) and plugin.name == name


@pytest.mark.parametrize(
    "framework, roles, expected",
    [
        ("pytorch", "[{name: master}, {name: worker, replicas: 2}]", []),
        ("pytorch", "[{name: worker, replicas: 2}]", []),
        ("pytorch", "[{name: master, replicas: 2}]", [("spec.roles[0].replicas", "at most 1")]),
        (
            "pytorch",
            "[{name: master, replicas: 0}, {name: worker, replicas: 0}]",
            [("spec.roles", 'needs a "master" or "worker" role')],
        ),
        ("pytorch", "[{name: master}, {name: chief}]", [("spec.roles[1].name", 'no role "chief"')]),
        (
            "tensorflow",
            "[{name: chief}, {name: ps, replicas: 2}, {name: worker, replicas: 3},"
            " {name: evaluator}]",
            [],
        ),
        ("tensorflow", "[{name: ps}]", [("spec.roles", 'needs a "chief" or "worker" role')]),
        (
            "tensorflow",
            "[{name: worker}, {name: chief, replicas: 2}]",
            [("spec.roles[1].replicas", "at most 1 chief")],
        ),
        (
            "tensorflow",
            "[{name: worker}, {name: evaluator, replicas: 2}]",
            [("spec.roles[1].replicas", "at most 1 evaluator")],
        ),
        ("tensorflow", "[{name: worker}, {name: master}]", [("spec.roles[1].name", "known roles")]),
        ("mpi", "[{name: launcher}, {name: worker, replicas: 2}]", []),
        ("mpi", "[{name: worker, replicas: 2}]", [("spec.roles", 'needs a "launcher" role')]),
        ("mpi", "[{name: launcher}]", [("spec.roles", 'needs a "worker" role')]),
        (
            "mpi",
            "[{name: launcher, replicas: 2}, {name: worker}]",
            [("spec.roles[0].replicas", "at most 1 launcher")],
        ),
        ("xgboost", "[{name: master}, {name: worker, replicas: 2}]", []),
        ("xgboost", "[{name: worker, replicas: 2}]", [("spec.roles", 'needs a "master" role')]),
        ("paddle", "[{name: worker, replicas: 2}]", []),
        (
            "paddle",
            "[{name: master, replicas: 2}, {name: worker}]",
            [("spec.roles[0].replicas", "at most 1 master")],
        ),
        ("jax", "[{name: worker, replicas: 2}]", []),
        ("jax", "[{name: coordinator}, {name: worker}]", [("spec.roles[0].name", "no role")]),
        ("jax", "[{name: worker, replicas: 0}]", [("spec.roles", 'needs a "worker" role')]),
    ],
)
def test_plugin_rejects_what_it_cannot_run_naming_the_field(framework, roles, expected):
    found = errors(framework, roles)
    assert [path for path, _ in found] == [path for path, _ in expected]
    for (_, message), (_, fragment) in zip(found, expected, strict=True):
        assert fragment in message


@pytest.mark.parametrize(
    "framework, roles, dependencies",
    [
        ("pytorch", "[{name: master}, {name: worker}]", {"worker": [("master", "Ready")]}),
        ("pytorch", "[{name: worker, replicas: 2}]", {}),
        (
            "tensorflow",
            "[{name: chief}, {name: ps}, {name: worker}, {name: evaluator}]",
            {"chief": [("ps", "Ready")], "worker": [("ps", "Ready")]},
        ),
        ("tensorflow", "[{name: worker}]", {}),
        ("mpi", "[{name: launcher}, {name: worker}]", {"launcher": [("worker", "Ready")]}),
        ("xgboost", "[{name: master}, {name: worker}]", {"worker": [("master", "Ready")]}),
        ("paddle", "[{name: master}, {name: worker}]", {"worker": [("master", "Ready")]}),
        ("jax", "[{name: worker, replicas: 2}]", {}),
    ],
)
def test_roles_wait_for_the_roles_they_connect_to(framework, roles, dependencies):
    job = job_context(framework, roles)
    plugin = get_framework(framework)
    found = {
        role: [(d.role, d.condition) for d in deps]
        for role, deps in plugin.default_dependencies(job.spec).items()
    }
    assert found == dependencies
    filled = apply_defaults(job.spec, plugin)
    for role, deps in dependencies.items():
        assert [(d.role, d.condition) for d in filled.role(role).depends_on] == deps


def test_dependencies_the_user_states_replace_the_framework_ones():
    job = job_context(
        "pytorch",
        "[{name: master}, {name: worker, dependsOn: [{role: master, condition: Running}]}]",
    )
    filled = apply_defaults(job.spec, get_framework("pytorch"))
    assert [(d.role, d.condition) for d in filled.role("worker").depends_on] == [
        ("master", "Running")
    ]


@pytest.mark.parametrize(
    "framework, roles, success_roles, ignored",
    [
        ("pytorch", "[{name: master}, {name: worker}]", ["master"], []),
        ("pytorch", "[{name: worker, replicas: 3}]", None, []),
        (
            "tensorflow",
            "[{name: chief}, {name: ps}, {name: worker}, {name: evaluator}]",
            ["chief"],
            ["ps", "evaluator"],
        ),
        ("tensorflow", "[{name: ps}, {name: worker, replicas: 2}]", ["worker"], ["ps"]),
        ("mpi", "[{name: launcher}, {name: worker}]", ["launcher"], []),
        ("xgboost", "[{name: master}, {name: worker}]", ["master"], []),
        ("paddle", "[{name: master}, {name: worker}]", ["master"], []),
        ("paddle", "[{name: worker, replicas: 2}]", None, []),
        ("jax", "[{name: worker, replicas: 2}]", None, []),
    ],
)
def test_job_success_is_decided_by_the_frameworks_deciding_role(
    framework, roles, success_roles, ignored
):
    job = job_context(framework, roles)
    policy = job.spec.status_policy
    assert (policy.success.policy, policy.success.roles) == ("All", success_roles)
    assert policy.failure.policy == "Any"
    assert [r.name for r in job.spec.roles if r.status_policy.ignore_for_job] == ignored


def test_tensorflow_worker_role_succeeds_with_its_first_worker_like_worker_zero():
    job = job_context("tensorflow", "[{name: worker, replicas: 3}]")
    assert job.spec.role("worker").status_policy.success.policy == "Any"


def test_tensorflow_all_workers_success_is_a_stated_policy():
    job = job_context(
        "tensorflow",
        "[{name: chief}, {name: worker, replicas: 3, statusPolicy: {success: {policy: All}}}]\n"
        "  statusPolicy: {success: {policy: All, roles: [chief, worker]}}",
    )
    assert job.spec.role("worker").status_policy.success.policy == "All"
    assert job.spec.status_policy.success.roles == ["chief", "worker"]

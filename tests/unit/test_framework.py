"""framework.py: plugin discovery, base validation and how role defaults are applied."""

from __future__ import annotations

import pytest
from builders import spec_from_yaml

from troupe.api.errors import UnknownFramework
from troupe.api.spec import JobRule, JobStatusPolicy, RoleRule, RoleStatusPolicy
from troupe.core.framework import (
    Framework,
    RoleDefaults,
    apply_defaults,
    get_framework,
    installed_frameworks,
    register_framework,
    unregister_framework,
)
from troupe_frameworks.generic import Generic


class MasterWorker(Framework):
    name = "test-master-worker"
    roles = {
        "master": RoleDefaults(restart_policy="ExitCode", max_replicas=1),
        "worker": RoleDefaults(
            status_policy=RoleStatusPolicy(success=RoleRule(policy="Any")),
        ),
    }

    def default_status_policy(self, spec):
        return JobStatusPolicy(success=JobRule(policy="All", roles=["master"]))


@pytest.fixture
def master_worker():
    yield register_framework(MasterWorker())
    unregister_framework(MasterWorker.name)


def test_generic_is_found_through_its_entry_point():
    assert "generic" in installed_frameworks()
    assert isinstance(get_framework("generic"), Generic)
    assert get_framework("generic") is get_framework("generic")


def test_unknown_framework_lists_installed_ones():
    with pytest.raises(UnknownFramework) as caught:
        get_framework("nope")
    assert '"nope"' in str(caught.value) and "generic" in str(caught.value)


def test_registered_plugin_is_found_without_packaging(master_worker):
    assert get_framework("test-master-worker") is master_worker
    assert "test-master-worker" in installed_frameworks()


def test_generic_accepts_any_role_names():
    spec = spec_from_yaml("spec: {roles: [{name: chief}, {name: evaluator, replicas: 9}]}")
    assert Generic().validate(spec) == []


def test_framework_rejects_unknown_roles_and_too_many_replicas(master_worker):
    spec = spec_from_yaml("spec: {roles: [{name: master, replicas: 2}, {name: chief}]}")
    errors = master_worker.validate(spec)
    assert [e.path for e in errors] == ["spec.roles[0].replicas", "spec.roles[1].name"]
    assert "at most 1 master" in errors[0].message
    assert "known roles: master, worker" in errors[1].message


def test_role_defaults_fill_only_unset_policies(master_worker):
    spec = spec_from_yaml(
        """
        spec:
          roles:
            - {name: master}
            - {name: worker, restartPolicy: Never}
        """
    )
    resolved = apply_defaults(spec, master_worker)
    master, worker = resolved.roles
    assert master.restart_policy == "ExitCode"
    assert worker.restart_policy == "Never"
    assert worker.status_policy.success.policy == "Any"
    assert master.status_policy == RoleStatusPolicy()
    assert resolved.status_policy.success.roles == ["master"]


def test_generic_defaults_to_on_failure_and_all_roles_succeed():
    resolved = apply_defaults(spec_from_yaml("spec: {roles: [{name: w}]}"), Generic())
    assert resolved.roles[0].restart_policy == "OnFailure"
    policy = resolved.status_policy
    assert (policy.success.policy, policy.failure.policy) == ("All", "Any")
    assert policy.success.roles is None


def test_explicit_job_status_policy_wins_over_framework(master_worker):
    spec = spec_from_yaml("spec: {roles: [{name: master}], statusPolicy: {success: {policy: Any}}}")
    assert apply_defaults(spec, master_worker).status_policy.success.policy == "Any"

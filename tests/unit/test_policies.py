"""policies.py: the named N-of-M rules and how plugins add more."""

from __future__ import annotations

import pytest
from builders import spec_from_yaml

from troupe.core import policies


@pytest.mark.parametrize(
    ("name", "count", "total", "n", "met"),
    [
        ("All", 3, 3, None, True),
        ("All", 2, 3, None, False),
        ("Any", 1, 3, None, True),
        ("Any", 0, 3, None, False),
        ("AtLeast", 2, 4, 2, True),
        ("AtLeast", 1, 4, 2, False),
        ("NoSuchRule", 4, 4, None, False),
    ],
)
def test_built_in_rules(name, count, total, n, met):
    assert policies.met(name, count, total, n) is met


def test_plugin_rule_is_usable_by_name_and_passes_validation():
    spec = spec_from_yaml("spec: {roles: [{name: w, statusPolicy: {success: {policy: Majority}}}]}")
    assert [e.path for e in policies.unknown_policy_errors(spec)] == [
        "spec.roles[0].statusPolicy.success.policy"
    ]
    policies.register_policy("Majority", lambda count, total, n: count * 2 > total)
    try:
        assert policies.met("Majority", 3, 5, None)
        assert not policies.met("Majority", 2, 4, None)
        assert policies.unknown_policy_errors(spec) == []
        assert "Majority" in policies.policy_names()
    finally:
        policies.unregister_policy("Majority")


def test_unknown_job_policy_is_reported_with_known_names():
    spec = spec_from_yaml("spec: {roles: [{name: w}], statusPolicy: {failure: {policy: Most}}}")
    errors = policies.unknown_policy_errors(spec)
    assert [e.path for e in errors] == ["spec.statusPolicy.failure.policy"]
    assert "All, Any, AtLeast" in errors[0].message

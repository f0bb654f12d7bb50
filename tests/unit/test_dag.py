"""dag.py: dependency conditions, cycles and start order."""

from __future__ import annotations

import pytest
from builders import spec_from_yaml

from troupe.api.spec import Dependency
from troupe.core import dag
from troupe.core.dag import RoleProgress


def progress(needed=2, created=0, running=0, ready=0, succeeded=False) -> RoleProgress:
    return RoleProgress(needed, created, running, ready, succeeded)


@pytest.mark.parametrize(
    ("condition", "state", "met"),
    [
        ("Created", progress(created=1), False),
        ("Created", progress(created=2), True),
        ("Running", progress(created=2, running=1), False),
        ("Running", progress(created=2, running=2), True),
        ("Ready", progress(created=2, running=2, ready=1), False),
        ("Ready", progress(created=2, running=2, ready=2), True),
        ("Succeeded", progress(created=2, running=2, ready=2), False),
        ("Succeeded", progress(succeeded=True), True),
        ("Ready", progress(needed=0), True),
        ("Succeeded", progress(needed=0), True),
    ],
)
def test_dependency_condition(condition, state, met):
    assert dag.is_met(Dependency(role="master", condition=condition), state) is met


def test_worker_waits_for_ready_master():
    spec = spec_from_yaml(
        """
        spec:
          roles:
            - {name: master}
            - {name: worker, dependsOn: [{role: master, condition: Ready}]}
        """
    )
    worker = spec.role("worker")
    assert not dag.ready_to_start(worker, {"master": progress(1, created=1, running=1)})
    assert dag.ready_to_start(worker, {"master": progress(1, created=1, running=1, ready=1)})
    assert dag.unmet(worker, {"master": progress(1)}) == worker.depends_on


def test_topological_order_puts_dependencies_first_and_keeps_spec_order():
    spec = spec_from_yaml(
        """
        spec:
          roles:
            - {name: launcher, dependsOn: [{role: worker, condition: Running}]}
            - {name: worker, dependsOn: [{role: prepare, condition: Succeeded}]}
            - {name: prepare}
            - {name: evaluator}
        """
    )
    assert dag.topological_order(spec) == ["prepare", "evaluator", "worker", "launcher"]


def test_cycle_is_reported_with_its_roles_in_order():
    spec = spec_from_yaml(
        """
        spec:
          roles:
            - {name: solo}
            - {name: a, dependsOn: [{role: b}]}
            - {name: b, dependsOn: [{role: c}]}
            - {name: c, dependsOn: [{role: a}]}
        """
    )
    errors = dag.cycle_errors(spec)
    assert [(e.path, e.message) for e in errors] == [
        ("spec.roles[1].dependsOn", "dependency cycle: a -> b -> c -> a")
    ]


def test_acyclic_graph_has_no_errors():
    spec = spec_from_yaml(
        "spec: {roles: [{name: a}, {name: b, dependsOn: [{role: a}]}, "
        "{name: c, dependsOn: [{role: a}, {role: b}]}]}"
    )
    assert dag.cycle_errors(spec) == []

"""cli/: global flags wherever kubectl takes them, the chosen context's namespace, the dag."""

from __future__ import annotations

import pytest
import yaml
from builders import raw_spec

from troupe.cli.dag import dag_lines, with_default_dependencies
from troupe.cli.kubeconfig import context_namespace
from troupe.cli.main import parse_args


@pytest.mark.parametrize(
    "argv",
    [
        ["-n", "team-a", "describe", "mnist"],
        ["describe", "-n", "team-a", "mnist"],
        ["describe", "mnist", "-n", "team-a"],
        ["describe", "mnist", "--namespace=team-a"],
    ],
)
def test_the_namespace_flag_goes_before_or_after_the_subcommand(argv):
    args = parse_args(argv)
    assert (args.command, args.name, args.namespace) == ("describe", "mnist", "team-a")


@pytest.mark.parametrize(
    "argv",
    [
        ["--context", "lab", "--kubeconfig", "/k", "get"],
        ["get", "--context", "lab", "--kubeconfig", "/k"],
        ["--context", "lab", "get", "--kubeconfig", "/k"],
        ["logs", "mnist", "--kubeconfig", "/k", "--role", "worker", "--context=lab"],
    ],
)
def test_context_and_kubeconfig_go_anywhere_too(argv):
    args = parse_args(argv)
    assert (args.context, args.kubeconfig) == ("lab", "/k")


def test_an_unset_global_flag_is_none_wherever_the_others_went():
    args = parse_args(["get", "-A"])
    assert (args.namespace, args.context, args.kubeconfig) == (None, None, None)
    assert args.all_namespaces


CONTEXTS = [
    {"name": "home", "context": {"cluster": "c", "namespace": "mine"}},
    {"name": "lab", "context": {"cluster": "c", "namespace": "team-b"}},
    {"name": "bare", "context": {"cluster": "c"}},
]


def test_context_picks_that_contexts_namespace_not_the_current_ones():
    assert context_namespace(CONTEXTS, CONTEXTS[0], "lab") == "team-b"
    assert context_namespace(CONTEXTS, CONTEXTS[0], None) == "mine"
    assert context_namespace(CONTEXTS, CONTEXTS[0], "bare") == "default"


def test_an_unknown_context_is_an_error_not_the_current_namespace():
    with pytest.raises(SystemExit, match="no context named 'nope'"):
        context_namespace(CONTEXTS, CONTEXTS[0], "nope")


PYTORCH = """
spec:
  framework: pytorch
  roles:
  - {name: master, template: {spec: {containers: [{name: main, image: busybox}]}}}
  - {name: worker, replicas: 2, template: {spec: {containers: [{name: main, image: busybox}]}}}
"""


def test_dag_shows_the_frameworks_default_dependencies():
    lines = dag_lines(with_default_dependencies(raw_spec(PYTORCH)))
    assert lines == ["master x1", "    └── worker x2  (after master Ready)"]


def test_dag_keeps_a_roles_own_dependencies():
    spec = raw_spec(PYTORCH)
    spec["roles"][1]["dependsOn"] = [{"role": "master", "condition": "Running"}]
    lines = dag_lines(with_default_dependencies(spec))
    assert lines == ["master x1", "    └── worker x2  (after master Running)"]


def test_dag_draws_a_spec_that_does_not_parse_as_written():
    spec = yaml.safe_load("roles: [{name: a, replicas: -1}, {name: b, dependsOn: [{role: a}]}]")
    assert dag_lines(with_default_dependencies(spec)) == ["a x-1", "    └── b x1  (after a Ready)"]

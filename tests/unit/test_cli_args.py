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


@pytest.mark.parametrize(
    "argv",
    [
        ["-n", "team-a", "studio", "follow", "mnist-r3"],
        ["studio", "follow", "mnist-r3", "-n", "team-a"],
        ["studio", "--project", "team-a", "follow", "mnist-r3"],
    ],
)
def test_studio_commands_take_the_project_from_the_namespace_flag_or_their_own(argv):
    args = parse_args(argv)
    assert (args.command, args.action, args.run) == ("studio", "follow", "mnist-r3")
    assert "team-a" in (args.project, args.namespace)


def test_studio_upload_reads_kind_name_path_and_repeated_requirements():
    args = parse_args(
        ["studio", "upload", "algorithms", "mlp", "train.py"]
        + ["--requirement", "numpy", "--requirement", "pillow", "--framework", "pytorch"]
    )
    assert (args.kind, args.name, args.path) == ("algorithms", "mlp", "train.py")
    assert (args.requirement, args.framework) == (["numpy", "pillow"], "pytorch")


@pytest.mark.parametrize(
    "message, line",
    [
        ({"type": "log", "pod": "p-0", "line": "hello"}, "p-0 | hello"),
        ({"type": "metric", "pod": "p-0", "step": 3, "values": {"loss": 0.5}},
         "p-0 step 3: loss=0.5"),
        ({"type": "phase", "phase": "Failed", "message": "OOM"}, "phase Failed: OOM"),
        ({"type": "pod", "pod": "p-0", "role": "worker", "phase": "Failed", "exitCode": 0},
         "pod p-0 (worker) Failed exit 0"),
    ],
)  # fmt: skip
def test_studio_follow_prints_each_live_message_as_one_line(message, line):
    from troupe.cli.studio import message_line

    assert message_line(message) == line

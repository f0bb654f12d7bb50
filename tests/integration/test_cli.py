"""The `troupe` command line against the real cluster, run as a user runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import pytest
import yaml

from support.cluster import REPO
from support.jobs import Jobs, apply, container, job_manifest
from support.logs import give_logs, require_kwok_logs, take_logs_away
from support.waiting import wait_for


def troupe(kubeconfig: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "troupe.cli.main", *args],
        cwd=REPO,
        env=dict(os.environ, KUBECONFIG=kubeconfig),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_submit_rejects_an_invalid_job_locally_naming_the_field(kubeconfig, namespace, tmp_path):
    bad = job_manifest("bad", [{"name": "worker", "dependsOn": [{"role": "ps"}]}])
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    out = troupe(kubeconfig, "-n", namespace, "submit", str(path))
    assert out.returncode == 1
    assert 'spec.roles[0].dependsOn[0].role: no role named "ps"' in out.stderr


def test_submit_get_describe_dag_delete(kubeconfig, namespace, tmp_path, core, custom, operator):
    manifest = job_manifest(
        "cli",
        [
            {"name": "ps", "replicas": 1},
            {"name": "worker", "replicas": 2, "dependsOn": [{"role": "ps", "condition": "Ready"}]},
        ],
    )
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(manifest))
    out = troupe(kubeconfig, "-n", namespace, "submit", str(path))
    assert out.returncode == 0, out.stderr
    assert "trainingjob.troupe.dev/cli created" in out.stdout

    jobs = Jobs(core, custom, namespace)
    jobs.wait_pods("cli", 3, running=True)
    jobs.wait_phase("cli", "Running")

    listing = troupe(kubeconfig, "get", "-n", namespace).stdout  # flags after, as kubectl
    row = next(line for line in listing.splitlines() if line.startswith("cli "))
    assert "generic" in row and "Running" in row
    # --context picks that context's namespace, as kubectl does, not the current context's
    other = tmp_path / "kubeconfig"
    other.write_text(yaml.safe_dump(_with_context(kubeconfig, "elsewhere", namespace)))
    listing = troupe(kubeconfig, "get", "--kubeconfig", str(other), "--context", "elsewhere").stdout
    assert any(line.startswith("cli ") for line in listing.splitlines()), listing

    described = troupe(kubeconfig, "describe", "cli", "-n", namespace).stdout
    for text in ("Phase:      Running", "cli-ps-0", "cli-worker-1"):
        assert text in described, described
    # the condition table's columns are as wide as its longest type (Reconciling, say)
    assert re.search(r"^  Running +True ", described, re.MULTILINE), described

    dag = troupe(kubeconfig, "-n", namespace, "dag", "cli").stdout
    assert dag.splitlines() == ["ps x1", "    └── worker x2  (after ps Ready)"]

    out = troupe(kubeconfig, "-n", namespace, "delete", "cli")
    assert out.returncode == 0, out.stderr

    def gone():
        return "cli " not in troupe(kubeconfig, "-n", namespace, "get").stdout

    wait_for(gone, what="job deleted")


def _with_context(kubeconfig: str, name: str, namespace: str) -> dict:
    """The kubeconfig plus a context `name` on the current cluster whose namespace is
    `namespace`; the current context stays what it was."""
    with open(kubeconfig) as f:
        cfg = yaml.safe_load(f)
    current = next(c for c in cfg["contexts"] if c["name"] == cfg["current-context"])
    context = {**current["context"], "namespace": namespace}
    cfg["contexts"].append({"name": name, "context": context})
    return cfg


@pytest.fixture
def kwok_logs(api_client) -> None:
    require_kwok_logs(api_client)


def two_container_template() -> dict:
    template = container()
    template["spec"]["containers"].append(
        {"name": "metrics", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3600"]}
    )
    return template


def test_logs_prefix_every_line_with_its_pod_and_filter_by_role(
    kubeconfig, namespace, core, custom, operator, kwok_logs, tmp_path
):
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "chatty",
            [
                {"name": "ps", "replicas": 1},
                {"name": "worker", "replicas": 2, "template": two_container_template()},
            ],
        ),
    )
    jobs = Jobs(core, custom, namespace)
    jobs.wait_pods("chatty", 3, running=True)
    give_logs(core, custom, namespace, "chatty-ps-0", tmp_path, {"main": ["listening on :2222"]})
    for i in range(2):
        give_logs(
            core,
            custom,
            namespace,
            f"chatty-worker-{i}",
            tmp_path,
            # a log line that is JSON comes out as written
            {"main": [f"rank {i} step 1", f"rank {i} step 2"], "metrics": ['{"loss": 0.5}']},
        )

    out = troupe(kubeconfig, "-n", namespace, "logs", "chatty")
    assert (out.returncode, out.stderr) == (0, "")
    workers = [
        "[chatty-worker-0/main] rank 0 step 1",
        "[chatty-worker-0/main] rank 0 step 2",
        '[chatty-worker-0/metrics] {"loss": 0.5}',
        "[chatty-worker-1/main] rank 1 step 1",
        "[chatty-worker-1/main] rank 1 step 2",
        '[chatty-worker-1/metrics] {"loss": 0.5}',
    ]
    assert out.stdout.splitlines() == ["[chatty-ps-0] listening on :2222", *workers]

    out = troupe(kubeconfig, "-n", namespace, "logs", "chatty", "--role", "worker")
    assert (out.returncode, out.stdout.splitlines()) == (0, workers), out.stderr

    out = troupe(kubeconfig, "-n", namespace, "logs", "chatty", "--role", "chief")
    assert out.returncode == 1
    assert f"no pods for role chief of chatty in namespace {namespace}" in out.stderr

    # A pod whose kubelet refuses its log is named on stderr; the others are still shown.
    take_logs_away(custom, namespace, "chatty-worker-1")
    out = wait_for(
        lambda: (o := troupe(kubeconfig, "-n", namespace, "logs", "chatty")).returncode and o,
        what="worker 1's log refused",
    )
    assert out.stdout.splitlines() == ["[chatty-ps-0] listening on :2222", *workers[:3]]
    errors = out.stderr.splitlines()
    assert [e.split(" error: ")[0] for e in errors] == [
        "[chatty-worker-1/main]",
        "[chatty-worker-1/metrics]",
    ]
    assert 'no logs found for container "main"' in errors[0]


def test_logs_follow_prints_lines_as_they_are_written(
    kubeconfig, namespace, core, custom, operator, kwok_logs, tmp_path
):
    apply(
        kubeconfig,
        namespace,
        job_manifest("tail", [{"name": "ps", "replicas": 1}, {"name": "worker", "replicas": 2}]),
    )
    Jobs(core, custom, namespace).wait_pods("tail", 3, running=True)
    logs = {
        pod: give_logs(core, custom, namespace, pod, tmp_path, {"main": [f"{pod} started"]})["main"]
        for pod in ("tail-ps-0", "tail-worker-0", "tail-worker-1")
    }

    follower = subprocess.Popen(
        [sys.executable, "-m", "troupe.cli.main", "-n", namespace, "logs", "tail"]
        + ["--role", "worker", "-f"],
        cwd=REPO,
        # PYTHONFAULTHANDLER: SIGABRT prints every thread's stack, should it hang
        env=dict(os.environ, KUBECONFIG=kubeconfig, PYTHONFAULTHANDLER="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []

    def pump() -> None:
        for line in follower.stdout:
            seen.append(line)

    threading.Thread(target=pump, daemon=True).start()

    def arrived(*lines: str):
        wanted = {line + "\n" for line in lines}
        return lambda: wanted <= set(seen)

    try:
        wait_for(
            arrived(
                "[tail-worker-0] tail-worker-0 started", "[tail-worker-1] tail-worker-1 started"
            ),
            timeout=30,
            what="the workers' logs so far",
            show=lambda: seen,
        )
        logs["tail-ps-0"].write("ps: not followed")
        logs["tail-worker-1"].write("step 1", "step 2")
        wait_for(
            arrived("[tail-worker-1] step 1", "[tail-worker-1] step 2"),
            what="lines appended to worker 1's log",
            show=lambda: seen,
        )
        # Far more than one chunk of the HTTP stream: every line arrives whole, in order.
        many = [f"step {n} loss {1 / n:.12f} " + "x" * 40 for n in range(1, 3001)]
        logs["tail-worker-0"].write(*many)
        wait_for(
            arrived(f"[tail-worker-0] {many[-1]}"),
            what="3000 lines appended to worker 0's log",
            show=lambda: seen[-3:],
        )
        mine = [line for line in list(seen) if line.startswith("[tail-worker-0] step ")]
        assert mine == [f"[tail-worker-0] {line}\n" for line in many]
        assert not [line for line in seen if "tail-ps-0" in line]

        follower.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = follower.wait(timeout=15)
        except subprocess.TimeoutExpired:
            follower.send_signal(signal.SIGABRT)
            follower.wait()
            pytest.fail(f"troupe logs -f did not stop on Ctrl-C:\n{follower.stderr.read()}")
        assert (code, follower.stderr.read()) == (130, "")
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()

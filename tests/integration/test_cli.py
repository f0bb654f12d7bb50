"""The `troupe` command line against the real cluster, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from support.cluster import REPO
from support.jobs import Jobs, job_manifest
from support.waiting import wait_for


def troupe(kubeconfig: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "troupe.cli", *args],
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

    listing = troupe(kubeconfig, "-n", namespace, "get").stdout
    row = next(line for line in listing.splitlines() if line.startswith("cli "))
    assert "generic" in row and "Running" in row

    described = troupe(kubeconfig, "-n", namespace, "describe", "cli").stdout
    for text in ("Phase:      Running", "cli-ps-0", "cli-worker-1", "Running   True"):
        assert text in described, described

    dag = troupe(kubeconfig, "-n", namespace, "dag", "cli").stdout
    assert dag.splitlines() == ["ps x1", "    └── worker x2  (after ps Ready)"]

    out = troupe(kubeconfig, "-n", namespace, "delete", "cli")
    assert out.returncode == 0, out.stderr

    def gone():
        return "cli " not in troupe(kubeconfig, "-n", namespace, "get").stdout

    wait_for(gone, what="job deleted")

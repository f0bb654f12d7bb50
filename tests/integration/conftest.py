"""Fixtures for tests against a real API server: one cluster per session, a namespace per test."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from kubernetes import client, config

from support.cluster import REPO, ensure_cluster
from support.operator import OperatorProcess, kubectl


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kubeconfig() -> str:
    path = ensure_cluster()
    os.environ["KUBECONFIG"] = path
    return path


@pytest.fixture(scope="session")
def api_client(kubeconfig) -> client.ApiClient:
    return config.new_client_from_config(config_file=kubeconfig)


@pytest.fixture(scope="session")
def core(api_client) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture(scope="session")
def custom(api_client) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client)


@pytest.fixture
def namespace(core) -> str:
    """A fresh namespace per test, deleted afterwards (without waiting for it to go)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name, "labels": {"troupe.dev/test": "true"}}})
    yield name
    core.delete_namespace(name, propagation_policy="Background")


@pytest.fixture(scope="session")
def crd_installed(kubeconfig) -> None:
    """The CRD as users install it: kubectl apply of the generated YAML."""
    kubectl(kubeconfig, "apply", "-f", str(REPO / "crds"))
    kubectl(
        kubeconfig,
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/trainingjobs.troupe.dev",
    )


@pytest.fixture(scope="session")
def operator(kubeconfig, crd_installed, tmp_path_factory):
    """The operator as users run it: `python -m troupe` in its own process, all namespaces."""
    proc = OperatorProcess(kubeconfig, tmp_path_factory.mktemp("operator") / "operator.log")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def scheduling_api(api_client) -> client.SchedulingV1Api:
    return client.SchedulingV1Api(api_client)


@pytest.fixture(scope="session")
def podgroup_crds(kubeconfig) -> None:
    """Volcano's and scheduler-plugins' PodGroup CRDs, from their Go modules."""
    subprocess.run(
        ["bash", str(REPO / "hack" / "install-crds-from-modules.sh"), "--apply", kubeconfig]
        + ["volcano", "scheduler-plugins"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def coscheduler(kubeconfig, podgroup_crds, tmp_path_factory):
    """scheduler-plugins' kube-scheduler (Coscheduling), built from its Go module, running
    beside the default scheduler as `scheduler-plugins-scheduler`."""
    out = subprocess.run(
        ["bash", str(REPO / "hack" / "build-addons.sh"), "scheduler"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    binary = out.stdout.strip().splitlines()[-1] + "/kube-scheduler"
    work = tmp_path_factory.mktemp("coscheduler")
    config = work / "config.yaml"
    config.write_text(COSCHEDULER_CONFIG.format(kubeconfig=kubeconfig))
    log = open(work / "scheduler.log", "wb")  # noqa: SIM115 - owned by the child process
    # Gang siblings rejected at Permit are requeued only by Pod/PodGroup events, not by a
    # new node (clusters run scheduler-plugins' controller, whose PodGroup status updates
    # requeue them); a short unschedulable flush stands in for it here.
    proc = subprocess.Popen(
        [binary, "--config", str(config), "--secure-port", "0"]
        + ["--pod-max-in-unschedulable-pods-duration", "10s"],
        stdout=log,
        stderr=log,
    )
    yield proc
    proc.terminate()
    proc.wait(timeout=15)


COSCHEDULER_CONFIG = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection: {{leaderElect: false}}
clientConnection: {{kubeconfig: "{kubeconfig}"}}
profiles:
- schedulerName: scheduler-plugins-scheduler
  plugins:
    multiPoint:
      enabled: [{{name: Coscheduling}}]
    queueSort:
      enabled: [{{name: Coscheduling}}]
      disabled: [{{name: "*"}}]
  pluginConfig:
  - name: Coscheduling
    args: {{permitWaitingTimeSeconds: 5}}
"""

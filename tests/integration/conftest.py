"""Fixtures for tests against a real API server: one cluster per session, a namespace per test."""

from __future__ import annotations

import os
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

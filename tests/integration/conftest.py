"""Fixtures for tests against a real API server: one cluster per session, a namespace per test."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import urllib.request
import uuid

import pytest
from kubernetes import client, config

from support.cluster import REPO, ensure_cluster
from support.jobs import Jobs
from support.operator import OperatorProcess, install_crds
from support.waiting import wait_for


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
    """The CRDs as users install them: kubectl apply of the generated YAML."""
    install_crds(kubeconfig)


@pytest.fixture(scope="session")
def kueue_crds(kubeconfig) -> None:
    """Kueue's CRDs from the sigs.k8s.io/kueue module (cheap once cached); the operator
    finds them at startup and turns its Kueue support on."""
    subprocess.run(
        ["bash", str(REPO / "hack" / "install-crds-from-modules.sh"), "--apply", kubeconfig]
        + ["kueue"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def operator(kubeconfig, crd_installed, kueue_crds, tmp_path_factory):
    """The operator as users run it: `python -m troupe` in its own process, all namespaces,
    serving Prometheus metrics on `proc.metrics_port`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = OperatorProcess(
        kubeconfig,
        tmp_path_factory.mktemp("operator") / "operator.log",
        "-A",
        "--metrics-port",
        str(port),
    )
    proc.metrics_port = port
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def kueue_controller(kubeconfig, kueue_crds, core, tmp_path_factory):
    """Kueue's controller manager, built from its Go module, on the host against the test
    cluster. Its webhooks are never registered with the API server (our Workloads need no
    defaulting); the webhook server still starts, so Kueue's internal cert management makes
    its certificate into a Secret, which we copy to the cert dir a pod would mount."""
    out = subprocess.run(
        ["bash", str(REPO / "hack" / "build-addons.sh"), "kueue"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    binary = out.stdout.strip().splitlines()[-1] + "/kueue"
    work = tmp_path_factory.mktemp("kueue")
    certs = work / "certs"
    certs.mkdir()
    health = _free_port()
    (work / "config.yaml").write_text(
        KUEUE_CONFIG.format(health=health, webhook=_free_port(), certs=certs)
    )
    for create in (
        lambda: core.create_namespace({"metadata": {"name": KUEUE_NAMESPACE}}),
        lambda: core.create_namespaced_secret(
            KUEUE_NAMESPACE, {"metadata": {"name": "kueue-webhook-server-cert"}}
        ),
    ):
        try:
            create()
        except client.ApiException as exc:
            if exc.status != 409:
                raise
    log = open(work / "kueue.log", "wb")  # noqa: SIM115 - owned by the child process
    proc = subprocess.Popen(
        [binary, "--config", str(work / "config.yaml")]
        + ["--feature-gates=VisibilityOnDemand=false", "--zap-log-level=info"],
        env=dict(os.environ, KUBECONFIG=kubeconfig),
        stdout=log,
        stderr=log,
    )

    def tail() -> str:
        return (work / "kueue.log").read_text(errors="replace")[-3000:]

    data = wait_for(
        lambda: (
            (
                core.read_namespaced_secret("kueue-webhook-server-cert", KUEUE_NAMESPACE).data or {}
            ).get("tls.key")
            and core.read_namespaced_secret("kueue-webhook-server-cert", KUEUE_NAMESPACE).data
        ),
        timeout=60,
        what="Kueue's webhook certificate in its Secret",
        show=tail,
    )
    for key in ("tls.crt", "tls.key"):
        (certs / key).write_bytes(base64.b64decode(data[key]))

    def ready():
        assert proc.poll() is None, f"kueue exited: {tail()}"
        with urllib.request.urlopen(f"http://127.0.0.1:{health}/readyz", timeout=2) as rsp:
            return rsp.status == 200

    wait_for(ready, timeout=90, what="Kueue ready", show=tail)
    proc.log_tail = tail
    yield proc
    proc.terminate()
    proc.wait(timeout=15)


KUEUE_NAMESPACE = "kueue-system"
KUEUE_CONFIG = """\
apiVersion: config.kueue.x-k8s.io/v1beta1
kind: Configuration
namespace: kueue-system
health: {{healthProbeBindAddress: "127.0.0.1:{health}"}}
metrics: {{bindAddress: "0"}}
webhook: {{port: {webhook}, host: 127.0.0.1, certDir: "{certs}"}}
leaderElection: {{leaderElect: false}}
internalCertManagement:
  enable: true
  webhookServiceName: kueue-webhook-service
  webhookSecretName: kueue-webhook-server-cert
integrations:
  frameworks: ["batch/job"]
  externalFrameworks: ["TrainingJob.v1alpha1.troupe.dev"]
"""


@pytest.fixture
def jobs(core, custom, namespace, operator) -> Jobs:
    """TrainingJobs of this test's namespace, with the operator running."""
    return Jobs(core, custom, namespace)

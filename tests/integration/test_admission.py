"""The validating webhook, served by the operator, called by the real API server."""

from __future__ import annotations

import socket
import subprocess

import pytest

from support.jobs import apply, container, job_manifest
from support.operator import OperatorProcess, kubectl
from support.waiting import wait_for

WEBHOOK_CONFIG = "troupe-test.troupe.dev"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _certificates(folder) -> tuple[str, str, str]:
    """A CA and a server certificate for localhost, made with openssl as an admin would."""
    ca_key, ca, key, csr, cert = (
        str(folder / n) for n in ("ca.key", "ca.crt", "tls.key", "tls.csr", "tls.crt")
    )
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        ca_key,
        "-out",
        ca,
        "-days",
        "1",
        "-subj",
        "/CN=troupe-test-ca",
    )
    run(
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        csr,
        "-subj",
        "/CN=localhost",
    )
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        ca,
        "-CAkey",
        ca_key,
        "-CAcreateserial",
        "-out",
        cert,
        "-days",
        "1",
        "-extfile",
        str(ext),
    )
    return ca, cert, key


@pytest.fixture(scope="module")
def webhook(kubeconfig, crd_installed, core, tmp_path_factory):
    """An operator serving the webhook, scoped to the test namespace, as the chart runs it."""
    tmp_path = tmp_path_factory.mktemp("webhook")
    namespace = f"t-webhook-{_free_port()}"
    core.create_namespace({"metadata": {"name": namespace}})
    ca, cert, key = _certificates(tmp_path)
    port = _free_port()
    proc = OperatorProcess(
        kubeconfig,
        tmp_path / "webhook-operator.log",
        "-n",
        namespace,
        "--webhook-port",
        str(port),
        "--webhook-addr",
        "127.0.0.1",
        "--webhook-host",
        "localhost",
        "--webhook-cert",
        cert,
        "--webhook-key",
        key,
        "--webhook-ca",
        ca,
        "--webhook-managed",
        WEBHOOK_CONFIG,
    )
    proc.start()
    try:
        # the webhook is live once a job it must reject is rejected
        probe = job_manifest("probe", [{"name": "w"}], framework="no-such-framework")
        wait_for(
            lambda: _rejection(kubeconfig, namespace, probe),
            timeout=60,
            what="the webhook answering",
            show=proc.log_tail,
        )
        yield namespace
    finally:
        # the configuration goes before its server: the API server must never call a webhook
        # that is gone (other tests create jobs meanwhile, and a failing webhook refuses them)
        subprocess.run(
            [
                "kubectl",
                "--kubeconfig",
                kubeconfig,
                "delete",
                "validatingwebhookconfiguration",
                WEBHOOK_CONFIG,
                "--ignore-not-found",
                "--wait",
            ],
            capture_output=True,
        )
        proc.stop()
        core.delete_namespace(namespace)


def _rejection(kubeconfig: str, namespace: str, manifest: dict) -> str | None:
    """The API server's refusal message, or None when the object was stored."""
    try:
        apply(kubeconfig, namespace, manifest)
    except RuntimeError as exc:
        return str(exc)
    kubectl(kubeconfig, "delete", "-n", namespace, "tj", manifest["metadata"]["name"])
    return None


def test_unknown_framework_is_rejected_listing_the_installed_ones(kubeconfig, webhook):
    message = _rejection(
        kubeconfig, webhook, job_manifest("x", [{"name": "w"}], framework="tensorflw")
    )
    assert "spec.framework" in message and "tensorflw" in message
    assert "generic" in message  # the installed frameworks are listed


def test_dependency_cycle_is_rejected(kubeconfig, webhook):
    message = _rejection(
        kubeconfig,
        webhook,
        job_manifest(
            "cyc",
            [
                {"name": "a", "dependsOn": [{"role": "b"}]},
                {"name": "b", "dependsOn": [{"role": "a"}]},
            ],
        ),
    )
    assert "dependency cycle" in message and "spec.roles" in message


def test_pod_template_the_api_server_would_reject_fails_at_apply(kubeconfig, webhook):
    template = container()
    template["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes"
    message = _rejection(
        kubeconfig, webhook, job_manifest("typo", [{"name": "worker", "template": template}])
    )
    assert "spec.roles[0].template" in message and "imagePullPolicy" in message


def test_valid_job_is_admitted(kubeconfig, webhook):
    assert _rejection(kubeconfig, webhook, job_manifest("ok", [{"name": "worker"}])) is None

"""The CRD on a real API server: it is accepted, rejects bad specs by field, and teaches the API.

No operator runs here: everything shown is the API server's own work from crds/.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from support.cluster import REPO

CRD_FILE = REPO / "crds" / "troupe.dev_trainingjobs.yaml"


def _kubectl(kubeconfig: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, *args],
        input=stdin,
        text=True,
        capture_output=True,
        timeout=60,
    )


def _job(namespace: str, spec: str, name: str = "crd-check") -> str:
    return (
        "apiVersion: troupe.dev/v1alpha1\n"
        "kind: TrainingJob\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\n"
        f"spec: {spec}\n"
    )


@pytest.fixture(scope="module")
def crd(kubeconfig) -> None:
    applied = _kubectl(kubeconfig, "apply", "-f", str(CRD_FILE))
    assert applied.returncode == 0, applied.stderr
    waited = _kubectl(
        kubeconfig,
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/trainingjobs.troupe.dev",
    )
    assert waited.returncode == 0, waited.stderr


def _rejection(kubeconfig: str, namespace: str, spec: str) -> str:
    out = _kubectl(kubeconfig, "apply", "--dry-run=server", "-f", "-", stdin=_job(namespace, spec))
    assert out.returncode != 0, f"accepted: {spec}"
    return out.stderr


def test_api_server_accepts_the_example_jobs(kubeconfig, crd, namespace):
    for example in sorted((REPO / "examples").rglob("*.yaml")):
        out = _kubectl(kubeconfig, "apply", "--dry-run=server", "-n", namespace, "-f", str(example))
        assert out.returncode == 0, f"{example}: {out.stderr}"


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ("{roles: [{name: a}, {name: a}]}", "spec.roles[1]", "Duplicate value"),
        (
            "{roles: [{name: a, dependsOn: [{role: b}]}]}",
            "spec.roles",
            "must name a role in spec.roles",
        ),
        (
            "{roles: [{name: a, replicas: -1}]}",
            "spec.roles[0].replicas",
            "greater than or equal to 0",
        ),
        (
            "{roles: [{name: a, dependsOn: [{role: a}]}]}",
            "spec.roles[0].dependsOn",
            "cannot depend on itself",
        ),
        (
            "{roles: [{name: a, replicas: 2, elastic: {minReplicas: 3, maxReplicas: 1}}]}",
            "spec.roles[0].elastic.minReplicas",
            "less than or equal to maxReplicas",
        ),
        (
            "{roles: [{name: a, retryableExitCodes: [137]}]}",
            "spec.roles[0].retryableExitCodes",
            "only allowed with restartPolicy ExitCode",
        ),
        (
            "{roles: [{name: a, statusPolicy: {success: {policy: AtLeast}}}]}",
            "spec.roles[0].statusPolicy.success.count",
            "AtLeast needs a count",
        ),
        (
            "{roles: [{name: a}], statusPolicy: {failure: {policy: Any, roles: [b]}}}",
            "spec.statusPolicy",
            "does not exist",
        ),
        ("{roles: [{name: Worker_1}]}", "spec.roles[0].name", "should match"),
        ("{roles: []}", "spec.roles", "at least 1 items"),
    ],
)
def test_api_server_rejects_with_the_field_at_fault(kubeconfig, crd, namespace, spec, field, words):
    error = _rejection(kubeconfig, namespace, spec)
    assert f"{field}:" in error, error
    assert words in error, error


def test_null_backoff_limit_survives_as_unlimited(kubeconfig, crd, namespace):
    spec = "{roles: [{name: a, restartPolicy: null}], runPolicy: {backoffLimit: null}}"
    out = _kubectl(
        kubeconfig,
        "create",
        "--dry-run=server",
        "-o",
        "json",
        "-f",
        "-",
        stdin=_job(namespace, spec),
    )
    assert out.returncode == 0, out.stderr
    stored = json.loads(out.stdout)["spec"]
    assert stored["runPolicy"] == {"backoffLimit": None}
    assert stored["roles"] == [{"name": "a"}]  # a null that means "default" is pruned


def test_kubectl_explain_teaches_roles(kubeconfig, crd):
    out = _kubectl(kubeconfig, "explain", "trainingjob.spec.roles")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "keyed by name" in text
    for field in ("dependsOn", "replicas", "restartPolicy", "statusPolicy", "template"):
        assert field in text
    assert "Number of pods of this role." in text
    deps = _kubectl(kubeconfig, "explain", "tj.spec.roles.dependsOn.condition").stdout
    assert "Succeeded: the role succeeded" in deps


def test_kubectl_get_shows_printer_columns(kubeconfig, crd, namespace):
    created = _kubectl(
        kubeconfig,
        "apply",
        "-f",
        "-",
        stdin=_job(namespace, "{framework: generic, roles: [{name: worker, replicas: 0}]}"),
    )
    assert created.returncode == 0, created.stderr
    status = {"phase": "Running", "readyPods": 3, "totalPods": 4, "restarts": 2}
    patched = _kubectl(
        kubeconfig,
        "patch",
        "-n",
        namespace,
        "trainingjob/crd-check",
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )
    assert patched.returncode == 0, patched.stderr
    # An operator started by other tests may rewrite the status meanwhile: compare the
    # table with the status read right after it, until both show the same object.
    for _ in range(10):
        out = _kubectl(kubeconfig, "get", "tj", "-n", namespace)
        assert out.returncode == 0, out.stderr
        stored = _kubectl(kubeconfig, "get", "tj", "crd-check", "-n", namespace, "-o", "json")
        status = json.loads(stored.stdout).get("status", {})
        header, row = out.stdout.splitlines()[:2]
        want = [str(status.get(k, "<none>")) for k in ("readyPods", "totalPods", "restarts")]
        if row.split()[3:6] == want:
            break
    assert header.split() == ["NAME", "FRAMEWORK", "PHASE", "READY", "PODS", "RESTARTS", "AGE"]
    assert row.split()[:3] == ["crd-check", "generic", status.get("phase", "<none>")]
    assert row.split()[3:6] == want
    by_category = _kubectl(kubeconfig, "get", "troupe", "-n", namespace, "-o", "name")
    assert by_category.stdout.strip() == "trainingjob.troupe.dev/crd-check"

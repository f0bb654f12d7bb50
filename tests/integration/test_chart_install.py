"""`helm install` into the real cluster, then the operator runs under the chart's identity.

The operator process authenticates with a token of the chart's ServiceAccount, so every
request it makes is checked against the chart's RBAC: the scenarios passing prove the
RBAC is sufficient; `kubectl auth can-i` shows what it is not allowed to do.
"""

from __future__ import annotations

import base64
import subprocess
import uuid

import pytest
import yaml
from kubernetes import client

from support.cluster import REPO, binaries_dir
from support.jobs import Jobs, apply, job_manifest
from support.kubelet import finish_pod
from support.operator import OperatorProcess, kubectl
from support.waiting import wait_for


@pytest.fixture(scope="module")
def release(kubeconfig, crd_installed, core):
    """The chart installed in namespaced mode, watching one namespace of its own."""
    suffix = uuid.uuid4().hex[:6]
    system, watched = f"troupe-system-{suffix}", f"t-watched-{suffix}"
    for ns in (system, watched):
        core.create_namespace({"metadata": {"name": ns}})
    helm = str(binaries_dir() / "helm")
    name = f"troupe-{suffix}"
    subprocess.run(
        [
            helm,
            "--kubeconfig",
            kubeconfig,
            "install",
            name,
            str(REPO / "charts" / "troupe"),
            "-n",
            system,
            "--set",
            f"watchNamespaces={{{watched}}}",
            "--set",
            "webhook.enabled=false",
            "--wait=false",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    yield {"name": name, "system": system, "watched": watched, "sa": name}
    subprocess.run(
        [helm, "--kubeconfig", kubeconfig, "uninstall", name, "-n", system], capture_output=True
    )
    for ns in (system, watched):
        core.delete_namespace(ns)


def _service_account_kubeconfig(admin_kubeconfig: str, namespace: str, sa: str, path) -> str:
    token = kubectl(
        admin_kubeconfig, "create", "token", sa, "-n", namespace, "--duration", "2h"
    ).strip()
    admin = yaml.safe_load(open(admin_kubeconfig))
    cluster = admin["clusters"][0]["cluster"]
    if "certificate-authority" in cluster:
        with open(cluster.pop("certificate-authority"), "rb") as ca:
            cluster["certificate-authority-data"] = base64.b64encode(ca.read()).decode()
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": cluster}],
                "users": [{"name": sa, "user": {"token": token}}],
                "contexts": [{"name": "sa", "context": {"cluster": "c", "user": sa}}],
                "current-context": "sa",
            }
        )
    )
    return str(path)


def test_every_chart_object_is_accepted(kubeconfig, release):
    manifest = kubectl(
        kubeconfig,
        "get",
        "deployment,serviceaccount,role,rolebinding,service",
        "-n",
        release["system"],
        "-o",
        "name",
    )
    assert f"deployment.apps/{release['name']}" in manifest
    assert f"serviceaccount/{release['sa']}" in manifest
    roles = kubectl(kubeconfig, "get", "role,rolebinding", "-n", release["watched"], "-o", "name")
    assert "role.rbac.authorization.k8s.io/" in roles


def test_operator_under_the_chart_identity_runs_jobs(kubeconfig, release, core, custom, tmp_path):
    sa_config = _service_account_kubeconfig(
        kubeconfig, release["system"], release["sa"], tmp_path / "sa.kubeconfig"
    )
    ns = release["watched"]
    proc = OperatorProcess(sa_config, tmp_path / "operator.log", "-n", ns)
    proc.start()
    try:
        jobs = Jobs(core, custom, ns)
        apply(
            kubeconfig,
            ns,
            job_manifest(
                "rbac",
                [
                    {"name": "ps", "replicas": 1},
                    {
                        "name": "worker",
                        "replicas": 2,
                        "restartPolicy": "ExitCode",
                        "dependsOn": [{"role": "ps", "condition": "Ready"}],
                    },
                ],
                runPolicy={"ttlSecondsAfterFinished": 1},
            ),
        )
        jobs.wait_pods("rbac", 3, running=True)
        finish_pod(core, ns, "rbac-worker-0", exit_code=137, reason="OOMKilled")
        wait_for(
            lambda: jobs.status("rbac").get("restarts") == 1,
            what="a recreated worker",
            show=proc.log_tail,
        )
        jobs.wait_pods("rbac", 2, "worker", running=True)
        for pod in ("rbac-worker-0", "rbac-worker-1", "rbac-ps-0"):
            finish_pod(core, ns, pod, exit_code=0)

        def deleted_by_ttl():
            return "rbac" not in kubectl(kubeconfig, "get", "tj", "-n", ns, "-o", "name")

        wait_for(
            deleted_by_ttl,
            timeout=60,
            what="job run to the end and deleted by its TTL",
            show=proc.log_tail,
        )
        assert "Forbidden" not in proc.log_tail(400), proc.log_tail(400)
    finally:
        proc.stop()


def test_elastic_pytorch_under_the_chart_identity(kubeconfig, release, core, custom, tmp_path):
    """Elastic jobs need more than plain ones: a rendezvous Deployment, membership
    ConfigMap patches and join labels on pods."""
    sa_config = _service_account_kubeconfig(
        kubeconfig, release["system"], release["sa"], tmp_path / "sa.kubeconfig"
    )
    ns = release["watched"]
    proc = OperatorProcess(sa_config, tmp_path / "operator.log", "-n", ns)
    proc.start()
    try:
        jobs = Jobs(core, custom, ns)
        apply(
            kubeconfig,
            ns,
            job_manifest(
                "ela",
                [
                    {
                        "name": "worker",
                        "replicas": 2,
                        "restartPolicy": "OnFailure",
                        "elastic": {"minReplicas": 1, "maxReplicas": 3},
                    }
                ],
                framework="pytorch",
            ),
        )
        jobs.wait_pods("ela", 2, "worker", running=True)
        wait_for(
            lambda: len((jobs.status("ela").get("membership") or {}).get("members") or []) == 2,
            what="two members",
            show=proc.log_tail,
        )
        generation = jobs.status("ela")["membership"]["generation"]
        apps = client.AppsV1Api(core.api_client)
        store = wait_for(
            lambda: apps.read_namespaced_deployment("ela-rdzv", ns),
            what="the rendezvous store Deployment",
            show=proc.log_tail,
        )
        assert store.spec.replicas == 1
        core.delete_namespaced_pod("ela-worker-1", ns)
        wait_for(
            lambda: jobs.status("ela")["membership"]["generation"] > generation,
            what="membership moved",
            show=proc.log_tail,
        )
        jobs.wait_pods("ela", 2, "worker", running=True)
        assert "Forbidden" not in proc.log_tail(400), proc.log_tail(400)
    finally:
        proc.stop()


@pytest.mark.parametrize(
    "verb, group, resource, where, allowed",
    [
        ("create", "", "pods", "watched", True),
        ("patch", "troupe.dev", "trainingjobs/status", "watched", True),
        ("delete", "troupe.dev", "trainingjobs", "watched", True),
        ("list", "", "secrets", "watched", False),
        ("watch", "", "secrets", "watched", False),
        ("patch", "troupe.dev", "trainingjobs", "watched", False),
        ("create", "", "pods", "default", False),
        ("list", "troupe.dev", "trainingjobs", "default", False),
        ("create", "coordination.k8s.io", "leases", "watched", False),
    ],
)
def test_chart_rbac_is_least_privilege(api_client, release, verb, group, resource, where, allowed):
    """Asked of the API server's authorizer, as `kubectl auth can-i --as` does."""
    ns = release["watched"] if where == "watched" else where
    resource, _, sub = resource.partition("/")
    review = client.AuthorizationV1Api(api_client).create_subject_access_review(
        {
            "spec": {
                "user": f"system:serviceaccount:{release['system']}:{release['sa']}",
                "groups": ["system:serviceaccounts", f"system:serviceaccounts:{release['system']}"],
                "resourceAttributes": {
                    "namespace": ns,
                    "verb": verb,
                    "group": group,
                    "resource": resource,
                    "subresource": sub,
                },
            }
        }
    )
    assert review.status.allowed is allowed, (verb, group, resource, sub, ns, review.status)

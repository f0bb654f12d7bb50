"""The local S3 store (hack/store.sh, versitygw): reachable from this machine and, by its
Service name, from pods on the real node; it checks signatures."""

from __future__ import annotations

import base64
import urllib.error
import uuid

import pytest

from support.cluster import REPO
from support.realnode import BASE, require, run, shell
from support.s3 import call

pytestmark = pytest.mark.realnode

IN_CLUSTER = "http://store.troupe-system.svc:9000"


@pytest.fixture
def store(core) -> dict[str, str]:
    """The store's credentials and its host endpoint, as the Secret hands them to pods."""
    require(core, (BASE,))
    data = core.read_namespaced_secret("store-credentials", "troupe-system").data
    secret = {k: base64.b64decode(v).decode() for k, v in data.items()}
    return {
        "TROUPE_STORE_ENDPOINT": "http://127.0.0.1:7070",
        "TROUPE_STORE_ACCESS_KEY": secret["accessKey"],
        "TROUPE_STORE_SECRET_KEY": secret["secretKey"],
        "TROUPE_STORE_REGION": secret["region"],
    }


def test_a_pod_on_the_real_node_writes_and_reads_the_store(
    store, kubeconfig, namespace, jobs, core
):
    bucket, host = f"t-{uuid.uuid4().hex[:8]}", store["TROUPE_STORE_ENDPOINT"]
    call("PUT", f"{host}/{bucket}", env=store)
    call("PUT", f"{host}/{bucket}/from-host.txt", b"written on the host", env=store)
    core.create_namespaced_config_map(
        namespace,
        {"metadata": {"name": "s3"}, "data": {"s3.py": (REPO / "tests/support/s3.py").read_text()}},
    )
    env = [{"name": k, "value": v} for k, v in store.items() if k != "TROUPE_STORE_ENDPOINT"]
    client = shell(
        f'python3 /s3/s3.py PUT {IN_CLUSTER}/{bucket}/from-pod.txt "pod $HOSTNAME" && '
        f"python3 /s3/s3.py GET {IN_CLUSTER}/{bucket}/from-host.txt",
        env=env,
        volumeMounts=[{"name": "s3", "mountPath": "/s3"}],
    )
    client["spec"]["volumes"] = [{"name": "s3", "configMap": {"name": "s3"}}]
    run(kubeconfig, namespace, "s3", [{"name": "client", "template": client}])
    jobs.wait_phase("s3", "Succeeded", timeout=120)
    assert core.read_namespaced_pod_log("s3-client-0", namespace) == "written on the host"
    assert call("GET", f"{host}/{bucket}/from-pod.txt", env=store) == b"pod s3-client-0"


def test_the_store_refuses_a_wrong_secret(store):
    wrong = dict(store, TROUPE_STORE_SECRET_KEY="not-the-secret")
    with pytest.raises(urllib.error.HTTPError) as refused:
        call("GET", f"{store['TROUPE_STORE_ENDPOINT']}/", env=wrong)
    assert refused.value.code == 403

"""The chart's Studio part installed in-cluster: `helm install` with studio.enabled, its pod on
the real node (the image hack/images builds, the cluster's S3 store at its in-cluster
address), reached through its Service (kube-proxy on the node) with a ServiceAccount's token,
as a user of the chart would; uninstalled after.

Its database, one case each: the embedded SQLite on the pod's volume; an external PostgreSQL
given as studio.databaseUrl; the same given as an existing Secret (studio.databaseSecret).
The PostgreSQL is Debian's, started on the host by hack/postgres.sh listening on the pod
bridge's host side (hack/node.sh's node IP) with a password for the pod subnet; the test
reads what the service wrote there (its migrations, the upload's rows) straight from it.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from support.cluster import REPO, binaries_dir
from support.operator import kubectl
from support.realnode import SELECTOR, TOLERATION, require
from support.waiting import wait_for

pytestmark = pytest.mark.realnode

STUDIO = "localhost/troupe/studio:0.1.0"
MLP = {
    "format": "troupe.graph/v1",
    "name": "mlp",
    "inputs": [{"name": "x", "shape": [None, 4]}],
    "nodes": [
        {"id": "fc1", "layer": "Linear", "params": {"in_features": 4, "out_features": 8}},
        {"id": "act", "layer": "ReLU", "params": {}},
        {"id": "fc2", "layer": "Linear", "params": {"in_features": 8, "out_features": 3}},
    ],
    "edges": [
        {"from": "x", "to": "fc1"},
        {"from": "fc1", "to": "act"},
        {"from": "act", "to": "fc2"},
    ],
    "outputs": ["fc2"],
}


# hack/node.sh: the pod bridge's host side, and the pod subnet behind it
NODE_IP = os.environ.get("TROUPE_NODE_IP", "198.18.0.1")
POD_CIDR = os.environ.get("TROUPE_POD_CIDR", "198.18.0.0/16")


def helm(kubeconfig: str, *args: str) -> subprocess.CompletedProcess:
    command = [str(binaries_dir() / "helm"), "--kubeconfig", kubeconfig, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


class HostPostgres:
    """hack/postgres.sh's throwaway PostgreSQL, also listening on NODE_IP (a free port there)
    for the pod subnet with a password; a database and a role of its own per test."""

    def __init__(self):
        # the cluster dir must be reachable by the postgres user when we run as root
        self.root = Path(f"/tmp/troupe-chart-pg-{secrets.token_hex(4)}")
        with socket.socket() as s:
            s.bind((NODE_IP, 0))
            self.port = s.getsockname()[1]
        self.password = secrets.token_hex(12)

    def start(self) -> HostPostgres:
        env = {
            **os.environ,
            "TROUPE_PG_LISTEN": f"{NODE_IP}:{self.port}",
            "TROUPE_PG_ALLOW": POD_CIDR,
            "TROUPE_PG_PASSWORD": self.password,
        }
        up = subprocess.run(
            ["bash", str(REPO / "hack/postgres.sh"), "up", str(self.root)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert up.returncode == 0, up.stderr
        return self

    def connect(self, dbname: str, user: str = "postgres", password: str | None = None):
        """A connection over TCP to NODE_IP, as the pod makes it (scram-sha-256)."""
        import psycopg

        return psycopg.connect(
            host=NODE_IP, port=self.port, dbname=dbname, user=user,
            password=password or self.password, autocommit=True, connect_timeout=10,
        )  # fmt: skip

    def database(self) -> dict:
        name = "studio_" + secrets.token_hex(4)
        password = secrets.token_hex(12)
        with self.connect("troupe") as c:
            c.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
            c.execute(f"CREATE DATABASE {name} OWNER {name}")
        url = f"postgresql+psycopg://{name}:{password}@{NODE_IP}:{self.port}/{name}"
        return {"name": name, "password": password, "url": url}

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(REPO / "hack/postgres.sh"), "down", str(self.root)],
            check=True, timeout=120,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def host_postgres():
    if not (glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb")):
        if os.environ.get("TROUPE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is not installed: bash hack/postgres.sh install")
        pytest.skip("PostgreSQL is not installed (bash hack/postgres.sh install)")
    server = HostPostgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql-url", "postgresql-secret"])
def database(request, core):
    """The chart's database values for a case, and for PostgreSQL a connection to what the
    service writes (None for the pod's SQLite)."""
    if request.param == "sqlite":
        # the embedded SQLite, on the pod's /data volume
        yield {"values": {"sqlite": {"enabled": True}}, "connect": None, "secret": None}
        return
    server = request.getfixturevalue("host_postgres")
    db = server.database()
    if request.param == "postgresql-url":
        values, secret = {"databaseUrl": db["url"]}, None
    else:  # a Secret the user made, the chart given its name and key
        values = {"databaseSecret": {"name": "studio-db", "key": "sqlalchemy-url"}}
        secret = {
            "metadata": {"name": "studio-db"},
            "stringData": {"sqlalchemy-url": db["url"]},
        }
    yield {
        "values": values,
        "secret": secret,
        "connect": lambda: server.connect(db["name"], db["name"], db["password"]),
    }
    with server.connect("troupe") as c:  # the service's pod is gone with the release
        c.execute(f"DROP DATABASE IF EXISTS {db['name']} WITH (FORCE)")
        c.execute(f"DROP ROLE IF EXISTS {db['name']}")


@pytest.fixture
def release(kubeconfig, crd_installed, core, tmp_path, database):
    """The chart with Studio on (the operator watching only this namespace), and a user: a
    ServiceAccount bound to the chart's studio-user role in the same namespace (a project)."""
    require(core, (STUDIO,))
    suffix = uuid.uuid4().hex[:6]
    ns, name = f"t-studio-chart-{suffix}", f"ts-{suffix}"
    core.create_namespace({"metadata": {"name": ns}})
    if database["secret"]:
        core.create_namespaced_secret(ns, database["secret"])
    cluster_store = core.read_namespaced_secret("store-credentials", "troupe-system").data
    core.create_namespaced_secret(
        ns,
        {
            "metadata": {"name": "studio-store"},
            "data": {k: cluster_store[k] for k in ("accessKey", "secretKey")},
        },
    )
    repository, tag = STUDIO.rsplit(":", 1)
    values = {
        "watchNamespaces": [ns],
        "webhook": {"enabled": False},
        "studio": {
            "enabled": True,
            "image": {"repository": repository, "tag": tag, "pullPolicy": "Never"},
            **database["values"],
            "store": {
                "endpoint": base64.b64decode(cluster_store["endpoint"]).decode(),
                "secretName": "studio-store",
                "bucket": f"studio-chart-{suffix}",
            },
            "nodeSelector": SELECTOR,
            "tolerations": [TOLERATION],
            "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}},
        },
    }
    (tmp_path / "values.yaml").write_text(yaml.safe_dump(values))
    try:
        installed = helm(
            kubeconfig, "install", name, str(REPO / "charts/troupe"), "-n", ns, "--skip-crds",
            "-f", str(tmp_path / "values.yaml"), "--wait=false",
        )  # fmt: skip
        assert installed.returncode == 0, installed.stderr
        kubectl(kubeconfig, "create", "serviceaccount", "alice", "-n", ns)
        kubectl(
            kubeconfig, "create", "rolebinding", "alice-studio", "-n", ns,
            f"--clusterrole={name}-troupe-studio-user", f"--serviceaccount={ns}:alice",
        )  # fmt: skip
        token = kubectl(kubeconfig, "create", "token", "alice", "-n", ns).strip()
        yield {
            "ns": ns,
            "name": name,
            "studio": f"{name}-troupe-studio",
            "token": token,
            "connect": database["connect"],
        }
    finally:
        helm(kubeconfig, "uninstall", name, "-n", ns, "--wait", "--timeout", "60s")
        core.delete_namespace(ns)
        remove_bucket(f"studio-chart-{suffix}")


def remove_bucket(bucket: str) -> None:
    """The bucket the service made in the cluster's store, once the test emptied it."""
    from minio import Minio

    from troupe_studio.settings import STORE_ENV_FILE, read_env_file

    host = read_env_file(STORE_ENV_FILE)
    s3 = Minio(
        host["TROUPE_STORE_ENDPOINT"].split("://")[-1],
        access_key=host["TROUPE_STORE_ACCESS_KEY"],
        secret_key=host["TROUPE_STORE_SECRET_KEY"],
        secure=False,
    )
    if s3.bucket_exists(bucket):
        s3.remove_bucket(bucket)


def studio_pods(core, release: dict) -> list:
    selector = f"app.kubernetes.io/name=troupe-studio,app.kubernetes.io/instance={release['name']}"
    return core.list_namespaced_pod(release["ns"], label_selector=selector).items


def pod_state(core, release: dict) -> str:
    events = core.list_namespaced_event(release["ns"]).items
    return json.dumps(
        [
            {
                "pod": p.metadata.name,
                "node": p.spec.node_name,
                "phase": p.status.phase,
                "containers": [c.to_dict() for c in p.status.container_statuses or []],
            }
            for p in studio_pods(core, release)
        ]
        + [f"{e.involved_object.name}: {e.reason}: {e.message}" for e in events[-10:]],
        default=str,
    )[-4000:]


def assert_in_postgres(connect, project: str, version: dict, size: int) -> None:
    """What the pod wrote, read from the PostgreSQL itself: its migrations to the head
    revision, and the upload's artifact and version rows."""
    from alembic.script import ScriptDirectory

    from troupe_studio.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()
    with connect() as c:
        assert [r[0] for r in c.execute("SELECT version_num FROM alembic_version")] == heads
        rows = c.execute(
            "SELECT a.kind, a.name, v.filename, v.size, v.sha256 FROM artifacts a"
            " JOIN versions v ON v.artifact_id = a.id WHERE a.project = %s",
            (project,),
        ).fetchall()
    assert rows == [("datasets", "line", "line.csv", size, version["sha256"])], (rows, version)


def test_the_charts_studio_serves_its_api_through_its_service(kubeconfig, core, release):
    ns = release["ns"]
    apps = __import__("kubernetes").client.AppsV1Api(core.api_client)

    def ready():
        d = apps.read_namespaced_deployment(release["studio"], ns)
        return (d.status.ready_replicas or 0) == 1

    wait_for(ready, timeout=180, what="the Studio pod Ready", show=lambda: pod_state(core, release))
    [pod] = studio_pods(core, release)
    assert pod.spec.node_name == "troupe-real-0" and pod.status.container_statuses[0].ready

    service = core.read_namespaced_service(release["studio"], ns)
    url = f"http://{service.spec.cluster_ip}:{service.spec.ports[0].port}/api/v1"
    auth = {"Authorization": f"Bearer {release['token']}"}
    with httpx.Client(base_url=url, timeout=60) as http:
        # Ready is the kubelet's probe of the pod; the Service answers once kube-proxy has
        # its endpoint (refused until then)
        health = wait_for(
            lambda: http.get("/health"), timeout=60, what="the Service answering (kube-proxy)"
        )
        assert (health.status_code, health.json()) == (200, {"database": "ok", "store": "ok"})
        assert http.get("/projects").status_code == 401, "the chart's default is token auth"

        projects = http.get("/projects", headers=auth)
        assert projects.status_code == 200, projects.text
        assert ns in [p["name"] for p in projects.json()], projects.json()

        p = f"/projects/{ns}"
        csv = b"a,b\n" + b"".join(b"%d,%d\n" % (i, 2 * i) for i in range(30))
        up = http.post(
            f"{p}/datasets/line/versions", params={"filename": "line.csv"}, content=csv,
            headers=auth,
        )  # fmt: skip
        assert up.status_code == 201, up.text
        assert up.json()["metadata"]["rows"] == 30
        back = http.get(f"{p}/datasets/line/versions/1/file", headers=auth)
        assert back.status_code == 200 and back.content == csv
        if release["connect"]:
            assert_in_postgres(release["connect"], ns, up.json(), len(csv))

        # torch in the image: a model graph built in the pod and run forward
        model = http.post(
            f"{p}/models/mlp/versions", params={"filename": "mlp.json"},
            content=json.dumps(MLP).encode(), headers=auth,
        )  # fmt: skip
        assert model.status_code == 201, model.text
        built = http.post(f"{p}/models/mlp/versions/1/validate", headers=auth)
        assert built.status_code == 200, built.text
        report = built.json()
        assert report["ok"] and report["parameters"] == 4 * 8 + 8 + 8 * 3 + 3, report
        assert [layer["outputShape"] for layer in report["layers"]][-1][-1] == 3, report

        for kind, name in (("datasets", "line"), ("models", "mlp")):
            assert http.delete(f"{p}/{kind}/{name}", headers=auth).status_code == 204

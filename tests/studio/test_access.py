"""Who may do what in Studio, decided by the real API server of the local cluster.

Two users, each a ServiceAccount with a RoleBinding in its own namespace only, sign in with
tokens from the TokenRequest API. The service runs over real HTTP under its own
ServiceAccount, bound to nothing but the chart's ClusterRole for Studio (rendered by helm), so
these tests also prove that ClusterRole suffices: whoami, projects, a 403 on the other user's
project, a 401 for a bad token, and an impersonated client the API server itself holds to the
caller's RBAC.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
import uuid

import httpx
import pytest
import yaml
from fastapi import WebSocket
from kubernetes import client, config
from servers import ACCESS, SECRET, Service, until
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from support.cluster import REPO, binaries_dir, ensure_cluster
from support.jobs import job_manifest
from support.operator import install_crds, kubectl
from troupe_studio.access import Access
from troupe_studio.app import create_app
from troupe_studio.client import Studio, StudioError
from troupe_studio.http.auth import Called
from troupe_studio.settings import Settings

pytestmark = pytest.mark.integration
GROUP, VERSION, PLURAL = "troupe.dev", "v1alpha1", "trainingjobs"


@pytest.fixture(scope="module")
def kubeconfig() -> str:
    return ensure_cluster()


@pytest.fixture(scope="module")
def admin(kubeconfig) -> client.ApiClient:
    install_crds(kubeconfig)
    return config.new_client_from_config(config_file=kubeconfig)


def token(core: client.CoreV1Api, namespace: str, sa: str) -> str:
    """A token from the TokenRequest API, as `kubectl create token` gets one."""
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)
    )
    return core.create_namespaced_service_account_token(sa, namespace, request).status.token


def kubeconfig_for(admin_kubeconfig: str, bearer: str, path) -> str:
    """A kubeconfig of the same cluster that signs in with `bearer` alone."""
    cfg = yaml.safe_load(open(admin_kubeconfig))
    cluster = cfg["clusters"][0]["cluster"]
    if "certificate-authority" in cluster:
        with open(cluster.pop("certificate-authority"), "rb") as ca:
            cluster["certificate-authority-data"] = base64.b64encode(ca.read()).decode()
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": cluster}],
                "users": [{"name": "studio", "user": {"token": bearer}}],
                "contexts": [{"name": "studio", "context": {"cluster": "c", "user": "studio"}}],
                "current-context": "studio",
            }
        )
    )
    return str(path)


@pytest.fixture(scope="module")
def users(admin, service_identity):
    """Namespaces a-… and b-…, a ServiceAccount in each bound there only to the chart's
    ClusterRole for project members."""
    core, rbac = client.CoreV1Api(admin), client.RbacAuthorizationV1Api(admin)
    suffix = uuid.uuid4().hex[:6]
    role = service_identity["user_role"]
    made: list[str] = []  # deleted even when making the rest failed
    try:
        yield _make_users(core, rbac, suffix, role, made)
    finally:
        for ns in made:
            core.delete_namespace(ns, propagation_policy="Background")


def _make_users(core, rbac, suffix, role, made):
    out = {}
    for who in ("alice", "bob"):
        ns = f"t-studio-{who}-{suffix}"
        core.create_namespace({"metadata": {"name": ns, "labels": {"troupe.dev/test": "true"}}})
        made.append(ns)
        core.create_namespaced_service_account(ns, {"metadata": {"name": who}})
        rbac.create_namespaced_role_binding(
            ns,
            {
                "metadata": {"name": "studio-user"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                            "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": who, "namespace": ns}],
            },
        )  # fmt: skip
        out[who] = {
            "ns": ns,
            "token": token(core, ns, who),
            "user": f"system:serviceaccount:{ns}:{who}",
        }
    return out


@pytest.fixture(scope="module")
def service_identity(admin, kubeconfig, tmp_path_factory):
    """The service's ServiceAccount, bound to the chart's Studio ClusterRole and nothing else;
    a kubeconfig that signs in as it."""
    core = client.CoreV1Api(admin)
    release = f"ts{uuid.uuid4().hex[:6]}"
    system = f"t-studio-system-{release}"
    core.create_namespace({"metadata": {"name": system, "labels": {"troupe.dev/test": "true"}}})
    rendered = ""
    try:
        rendered = subprocess.run(
            [str(binaries_dir() / "helm"), "template", release, str(REPO / "charts/troupe"),
             "-n", system, "--show-only", "templates/studio-rbac.yaml",
             "--set", "studio.enabled=true", "--set", "studio.databaseUrl=postgresql://unused",
             "--set", "studio.store.endpoint=http://unused", "--set", "studio.store.secretName=x"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        docs = [d for d in yaml.safe_load_all(rendered) if d]
        sa = next(d for d in docs if d["kind"] == "ClusterRoleBinding")["subjects"][0]["name"]
        core.create_namespaced_service_account(system, {"metadata": {"name": sa}})
        kubectl(kubeconfig, "apply", "-f", "-", stdin=rendered)
        path = kubeconfig_for(
            kubeconfig, token(core, system, sa), tmp_path_factory.mktemp("studio") / "kubeconfig"
        )
        user_role = next(
            d["metadata"]["name"] for d in docs if d["metadata"]["name"].endswith("-user")
        )
        yield {
            "kubeconfig": path,
            "user": f"system:serviceaccount:{system}:{sa}",
            "user_role": user_role,
        }
    finally:
        if rendered:
            kubectl(kubeconfig, "delete", "-f", "-", "--ignore-not-found", stdin=rendered)
        core.delete_namespace(system, propagation_policy="Background")


def probe_routes(app) -> None:
    """Two project routes of the kind the service adds, to drive `caller` over HTTP and WS."""

    @app.api_route("/api/v1/projects/{project}/probe", methods=["GET", "POST", "DELETE"])
    def probe(project: str, who: Called):
        jobs = client.CustomObjectsApi(who.api_client).list_namespaced_custom_object(
            GROUP, VERSION, project, PLURAL
        )
        return {"username": who.identity.username, "jobs": len(jobs["items"])}

    @app.websocket("/api/v1/projects/{project}/probe-live")
    async def probe_live(websocket: WebSocket, project: str, who: Called):
        await websocket.accept()
        await websocket.send_json({"username": who.identity.username})
        await websocket.close()


@pytest.fixture(scope="module")
def service(s3, service_identity, tmp_path_factory):
    data = tmp_path_factory.mktemp("studio-data")
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'studio.db'}",
        store_endpoint=s3.endpoint,
        store_access_key=ACCESS,
        store_secret_key=SECRET,
        bucket="studio-" + secrets.token_hex(6),
        auth="token",
        auth_cache_s=1.0,
    )
    app = create_app(settings)
    own = config.new_client_from_config(config_file=service_identity["kubeconfig"])
    app.state.access = Access(own, mode="token", ttl=settings.auth_cache_s)
    probe_routes(app)
    svc = Service(app).start()
    svc.api = httpx.Client(base_url=svc.url + "/api/v1", timeout=60)  # the API's root
    yield svc
    svc.api.close()
    svc.stop()


def as_user(service, user) -> dict:
    return {"Authorization": f"Bearer {user['token']}"}


def test_whoami_answers_each_identity(service, users):
    for u in users.values():
        got = service.api.get("/whoami", headers=as_user(service, u))
        assert got.status_code == 200, got.text
        body = got.json()
        assert (body["username"], body["mode"]) == (u["user"], "token")
        assert f"system:serviceaccounts:{u['ns']}" in body["groups"]


def test_projects_are_only_the_callers_own_namespace(service, users):
    for u in users.values():
        got = service.api.get("/projects", headers=as_user(service, u))
        assert got.status_code == 200, got.text
        assert got.json() == [{"name": u["ns"]}]


def test_a_project_of_another_user_is_forbidden_naming_namespace_and_verb(service, users):
    alice, bob = users["alice"], users["bob"]
    own = service.api.get(f"/projects/{alice['ns']}/probe", headers=as_user(service, alice))
    assert own.status_code == 200 and own.json() == {"username": alice["user"], "jobs": 0}
    for method, verb in (("GET", "get"), ("POST", "create"), ("DELETE", "delete")):
        got = service.api.request(
            method, f"/projects/{bob['ns']}/probe", headers=as_user(service, alice)
        )
        assert got.status_code == 403, got.text
        detail = got.json()["detail"]
        assert f"may not {verb} trainingjobs.troupe.dev" in detail and bob["ns"] in detail


def test_no_token_or_a_bad_one_is_401(service, users):
    project = users["alice"]["ns"]
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        for path in ("/whoami", "/projects", f"/projects/{project}/probe"):
            got = service.api.get(path, headers=headers)
            assert got.status_code == 401, (path, headers, got.text)
            assert got.headers["www-authenticate"] == "Bearer"
    forged = users["alice"]["token"][:-4] + "AAAA"  # a signature that does not verify
    got = service.api.get("/whoami", headers={"Authorization": f"Bearer {forged}"})
    assert got.status_code == 401


def test_a_project_name_that_is_no_namespace_is_422_naming_the_field(service, users):
    got = service.api.get("/projects/Not_A_NS/probe", headers=as_user(service, users["alice"]))
    assert got.status_code == 422 and got.json()["detail"][0]["loc"] == ["path", "project"]


def test_the_live_socket_takes_the_token_and_refuses_other_projects(service, users):
    alice, bob = users["alice"], users["bob"]
    base = service.url.replace("http", "ws", 1) + "/api/v1/projects"
    headers = {"Authorization": f"Bearer {alice['token']}"}
    with connect(f"{base}/{alice['ns']}/probe-live", additional_headers=headers) as ws:
        assert json.loads(ws.recv()) == {"username": alice["user"]}
    with connect(f"{base}/{alice['ns']}/probe-live?access_token={alice['token']}") as ws:
        assert json.loads(ws.recv()) == {"username": alice["user"]}  # browsers: no headers
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{base}/{bob['ns']}/probe-live", additional_headers=headers)
    assert refused.value.response.status_code == 403
    assert bob["ns"] in json.loads(refused.value.response.body)["detail"]
    with pytest.raises(InvalidStatus) as anonymous:
        connect(f"{base}/{alice['ns']}/probe-live")
    assert anonymous.value.response.status_code == 401


def trainingjob(name: str) -> dict:
    return job_manifest(name, [{"name": "worker", "replicas": 1}])


def test_an_impersonated_client_is_held_to_the_callers_rbac_by_the_api_server(
    service, users, service_identity
):
    alice, bob = users["alice"], users["bob"]
    own = config.new_client_from_config(config_file=service_identity["kubeconfig"])
    access = Access(own, mode="token")
    identity = access.authenticate(alice["token"])
    as_alice = client.CustomObjectsApi(access.impersonated(identity))
    with pytest.raises(client.ApiException) as denied:
        as_alice.create_namespaced_custom_object(
            GROUP, VERSION, bob["ns"], PLURAL, trainingjob("x")
        )
    assert denied.value.status == 403  # the API server's own answer
    assert alice["user"] in json.loads(denied.value.body)["message"]
    made = as_alice.create_namespaced_custom_object(
        GROUP, VERSION, alice["ns"], PLURAL, trainingjob("made-by-alice")
    )
    assert made["metadata"]["name"] == "made-by-alice"
    # the service's own identity may not create jobs at all: the create above was Alice's
    with pytest.raises(client.ApiException) as itself:
        client.CustomObjectsApi(own).create_namespaced_custom_object(
            GROUP, VERSION, alice["ns"], PLURAL, trainingjob("made-by-service")
        )
    assert itself.value.status == 403
    listed = service.api.get(f"/projects/{alice['ns']}/probe", headers=as_user(service, alice))
    assert listed.json()["jobs"] == 1


def test_a_revoked_token_stops_working_once_the_cache_expires(admin, service, users):
    core = client.CoreV1Api(admin)
    ns = users["alice"]["ns"]
    core.create_namespaced_service_account(ns, {"metadata": {"name": "carol"}})
    carol = {"Authorization": f"Bearer {token(core, ns, 'carol')}"}
    assert service.api.get("/whoami", headers=carol).status_code == 200
    core.delete_namespaced_service_account("carol", ns)
    until(lambda: service.api.get("/whoami", headers=carol).status_code == 401, 20, "revocation")


def test_the_sdk_and_the_cli_see_the_same_identity(service, users):
    alice = users["alice"]
    with Studio(service.url, token=alice["token"]) as studio:
        assert studio.whoami()["username"] == alice["user"]
        assert studio.projects() == [alice["ns"]]
        assert studio.project == alice["ns"]  # the only one: the default
    with pytest.raises(StudioError) as bad:
        Studio(service.url, token="nope").whoami()
    assert bad.value.status == 401
    cli = [sys.executable, "-m", "troupe.cli.main", "studio", "--url", service.url]
    out = subprocess.run([*cli, "--token", alice["token"], "projects"], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert (out.returncode, out.stdout.split()) == (0, [alice["ns"]]), out.stderr
    out = subprocess.run([*cli, "--token", "nope", "whoami"], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert out.returncode == 1 and "401" in out.stderr


def test_local_mode_is_the_kubeconfigs_own_identity(kubeconfig, admin, s3, tmp_path):
    access = Access(admin, mode="local", kubeconfig=kubeconfig)
    me = access.authenticate(None)
    assert me.username not in ("", "local") and "system:authenticated" in me.groups
    assert access.impersonated(me) is admin
    settings = Settings(
        data_dir=tmp_path,
        store_endpoint=s3.endpoint,
        store_access_key=ACCESS,
        store_secret_key=SECRET,
        bucket="studio-" + secrets.token_hex(6),
        auth="local",
    )
    app = create_app(settings)
    app.state.access = access
    svc = Service(app).start()
    try:
        body = httpx.get(svc.url + "/api/v1/whoami", timeout=60).json()
        assert body == {"username": me.username, "groups": list(me.groups), "mode": "local"}
    finally:
        svc.stop()


def test_the_api_server_accepts_every_object_the_chart_makes_for_studio(kubeconfig, admin):
    """A server-side dry run of the whole studio block (bundled PostgreSQL included)."""
    core = client.CoreV1Api(admin)
    system = f"t-studio-chart-{uuid.uuid4().hex[:6]}"
    core.create_namespace({"metadata": {"name": system, "labels": {"troupe.dev/test": "true"}}})
    try:
        rendered = subprocess.run(
            [str(binaries_dir() / "helm"), "template", "dry", str(REPO / "charts/troupe"),
             "-n", system, "--set", "studio.enabled=true",
             "--set", "studio.postgresql.enabled=true",
             "--set", "studio.store.endpoint=http://store:9000",
             "--set", "studio.store.secretName=store-credentials",
             "--set", "webhook.enabled=false"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        docs = [d for d in yaml.safe_load_all(rendered) if d and "studio" in d["metadata"]["name"]]
        names = {f"{d['kind']}/{d['metadata']['name']}" for d in docs}
        out = kubectl(kubeconfig, "apply", "--dry-run=server", "-n", system, "-f", "-",
                      stdin=yaml.safe_dump_all(docs))  # fmt: skip
        assert out.count("(server dry run)") == len(docs) == len(names) == 9, out
    finally:
        core.delete_namespace(system, propagation_policy="Background")

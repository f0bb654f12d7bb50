"""The access module's own parts, without a cluster: its cache, and the Impersonate-* headers
as they arrive at a real HTTP server (one line per group, which the generated client's header
dict alone cannot send)."""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from kubernetes import client

from troupe_studio.access import (
    Access,
    ClusterUnavailable,
    Identity,
    TTLCache,
    impersonation_headers,
    token_key,
)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_cache_reuses_an_answer_until_it_expires():
    clock, calls = Clock(), []
    cache = TTLCache(10, clock=clock)
    make = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cache.get("k", make) == 1
    clock.now = 9.9
    assert cache.get("k", make) == 1
    clock.now = 10.1
    assert cache.get("k", make) == 2


def test_cache_forgets_the_least_recently_used_beyond_its_size():
    cache = TTLCache(100, size=2, clock=Clock())
    for key in "abc":
        cache.get(key, lambda k=key: k.upper())
    assert cache.get("a", lambda: "again") == "again"
    assert cache.get("c", lambda: "again") == "C"


def test_cache_keeps_no_answer_when_the_question_failed():
    cache = TTLCache(100, clock=Clock())

    def down():
        raise OSError("down")

    with pytest.raises(OSError):
        cache.get("k", down)
    assert cache.get("k", lambda: "up") == "up"


def test_tokens_are_cached_by_digest_not_by_value():
    assert token_key("secret") != "secret" and len(token_key("secret")) == 64


def test_impersonation_sends_one_group_header_per_group():
    who = Identity("system:serviceaccount:a:alice", ("system:serviceaccounts", "x,y"), "u-1")
    assert impersonation_headers(who) == [
        ("Impersonate-User", "system:serviceaccount:a:alice"),
        ("Impersonate-Group", "system:serviceaccounts"),
        ("Impersonate-Group", "x,y"),
        ("Impersonate-Uid", "u-1"),
    ]


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        Recorder.seen.append(self.headers)
        body = json.dumps({"kind": "NamespaceList", "apiVersion": "v1", "items": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - an API server that lacks the API asked for
        body = json.dumps({"kind": "Status", "code": 404, "reason": "NotFound"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


@pytest.fixture
def recorder():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_impersonated_client_sends_every_header_on_the_wire(recorder):
    cfg = client.Configuration(host=recorder)
    service = client.ApiClient(cfg)
    who = Identity("alice", ("team-a", "system:authenticated"))
    api = Access(service).impersonated(who)
    client.CoreV1Api(api).list_namespace()
    client.CoreV1Api(service).list_namespace()  # the service's own client stays itself
    mine, own = Recorder.seen
    assert mine.get_all("Impersonate-User") == ["alice"]
    assert mine.get_all("Impersonate-Group") == ["team-a", "system:authenticated"]
    assert own.get_all("Impersonate-User") is None


def test_impersonated_clients_are_reused_per_identity():
    access = Access(client.ApiClient(client.Configuration(host="http://127.0.0.1:9")))
    a, b = Identity("a"), Identity("b")
    assert access.impersonated(a) is access.impersonated(Identity("a"))
    assert access.impersonated(a) is not access.impersonated(b)


def test_local_mode_acts_with_the_services_own_credentials():
    service = client.ApiClient(client.Configuration(host="http://127.0.0.1:9"))
    assert Access(service, mode="local").impersonated(Identity("me")) is service


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="'token' or 'local'"):
        Access(client.ApiClient(), mode="open")


@pytest.mark.parametrize(
    "argv, env, mode",
    [
        ([], {}, "local"),
        ([], {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, "token"),  # in a pod
        ([], {"TROUPE_STUDIO_AUTH": "token"}, "token"),
        (["--auth", "local"], {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, "local"),
    ],
)
def test_auth_mode_is_tokens_in_a_pod_and_local_elsewhere(argv, env, mode, tmp_path):
    from troupe_studio.settings import parse

    settings, _ = parse(argv, {"TROUPE_STUDIO_STORE_ENV": str(tmp_path / "none"), **env})
    assert settings.auth == mode


def test_local_identity_falls_back_to_the_kubeconfigs_user_name(tmp_path, recorder):
    from troupe_studio.access import kubeconfig_user

    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: lab\n"
        "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "users: [{name: dana, user: {token: t}}]\n"
        "contexts: [{name: lab, context: {cluster: c, user: dana}}]\n"
    )
    assert kubeconfig_user(str(path)) == "dana"
    assert kubeconfig_user(str(tmp_path / "missing")) == "local"
    old_server = client.ApiClient(client.Configuration(host=recorder))  # 404 for the review
    local = Access(old_server, mode="local", kubeconfig=str(path))
    assert local.authenticate(None) == Identity("dana")


def test_a_cluster_that_cannot_be_reached_is_unavailable_not_anonymous():
    cfg = client.Configuration(host="http://127.0.0.1:9")  # nothing listens
    cfg.retries = 0
    down = Access(client.ApiClient(cfg), mode="local")
    with pytest.raises(ClusterUnavailable, match="unreachable"):
        down.authenticate(None)
    with pytest.raises(ClusterUnavailable, match="unreachable"):
        Access(client.ApiClient(cfg)).authenticate("some-token")

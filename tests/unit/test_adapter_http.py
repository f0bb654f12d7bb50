"""The adapter's own HTTP requests, against a local HTTP server that answers as scripted:
the paths, verbs and content types it sends, how it reads errors, and its one retry when a
kept-alive connection closes under a request."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3
from kubernetes import client

from troupe.kube.adapter import Adapter


class _Server:
    """Records each request; answers from `replies` in order ("close": drop the connection
    without answering), then 201 with an empty object."""

    def __init__(self, replies: list):
        self.requests: list[tuple[str, str, str, dict | None]] = []
        self.replies = list(replies)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                server.requests.append(
                    (self.command, self.path, self.headers.get("Content-Type", ""), body)
                )
                reply = server.replies.pop(0) if server.replies else (201, {})
                if reply == "close":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                status, payload = reply
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PATCH = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def adapter(self) -> Adapter:
        settings = client.Configuration()
        settings.host = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        settings.api_key = {"authorization": "Bearer t0ken"}
        return Adapter(client.ApiClient(settings), concurrency=2)


@pytest.fixture
def server_with():
    servers: list[_Server] = []

    def make(*replies) -> _Server:
        servers.append(_Server(list(replies)))
        return servers[-1]

    yield make
    for s in servers:
        s.httpd.shutdown()


def test_writes_go_to_the_api_paths_with_their_patch_types(server_with):
    server = server_with()
    adapter = server.adapter()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j-master-0"}}
    group = {"apiVersion": "scheduling.x-k8s.io/v1alpha1", "kind": "PodGroup", "metadata": {}}

    async def go():
        assert await adapter.create_all("ns", [pod, group]) == []
        await adapter.patch_all("ns", [("ConfigMap", "j-members", {"data": {"a": "1"}})])
        await adapter.delete_all("ns", [("Pod", "j-master-0"), ("Workload", "w")])
        await adapter.patch_status("ns", "j", {"phase": "Pending"}, {"phase": "Running"})

    asyncio.run(go())
    got = {(m, p, t) for m, p, t, _ in server.requests}
    assert got == {
        ("POST", "/apis/scheduling.x-k8s.io/v1alpha1/namespaces/ns/podgroups", "application/json"),
        ("POST", "/api/v1/namespaces/ns/pods", "application/json"),
        (
            "PATCH",
            "/api/v1/namespaces/ns/configmaps/j-members",
            "application/strategic-merge-patch+json",
        ),
        ("DELETE", "/api/v1/namespaces/ns/pods/j-master-0?propagationPolicy=Background", ""),
        (
            "DELETE",
            "/apis/kueue.x-k8s.io/v1beta1/namespaces/ns/workloads/w?propagationPolicy=Background",
            "",
        ),
        (
            "PATCH",
            "/apis/troupe.dev/v1alpha1/namespaces/ns/trainingjobs/j/status",
            "application/merge-patch+json",
        ),
    }
    # the PodGroup a pod may need goes first, in a wave of its own
    assert server.requests[0][1].endswith("/podgroups")
    assert server.requests[-1][3] == {"status": {"phase": "Running"}}


def test_a_refused_create_is_reported_with_the_servers_message(server_with):
    refusal = {"kind": "Status", "message": 'pods "x" is forbidden: exceeded quota'}
    server = server_with((403, refusal), (409, {"message": "already exists"}))
    adapter = server.adapter()
    pods = [{"kind": "Pod", "metadata": {"name": n}} for n in ("x", "y")]
    refused = asyncio.run(adapter.create_all("ns", pods))
    # the 409 counts as created; which pod met the 403 depends on which request came first
    assert [(r.kind, r.message) for r in refused] == [("Pod", refusal["message"])]


def test_a_server_error_is_raised_with_status_and_body(server_with):
    server = server_with((500, {"message": "etcdserver: request timed out"}))
    adapter = server.adapter()
    with pytest.raises(client.ApiException) as caught:
        asyncio.run(adapter.patch_status("ns", "j", {}, {"phase": "Running"}))
    assert caught.value.status == 500
    assert "etcdserver" in caught.value.body


def test_a_call_whose_connection_closed_is_sent_once_more(server_with):
    server = server_with("close")
    adapter = server.adapter()
    body = {"kind": "Pod", "metadata": {"name": "p"}}
    asyncio.run(adapter.create_all("ns", [body]))
    assert [r[3] for r in server.requests] == [body, body]


def test_a_connection_that_closes_again_is_an_error(server_with):
    server = server_with("close", "close")
    adapter = server.adapter()
    with pytest.raises(urllib3.exceptions.ProtocolError):
        asyncio.run(adapter.create_all("ns", [{"kind": "Pod", "metadata": {"name": "p"}}]))
    assert len(server.requests) == 2

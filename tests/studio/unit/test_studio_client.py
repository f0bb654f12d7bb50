"""The SDK's requests, checked against the API contract's routes without a service: each call
is answered by a recording transport, and `follow` by a real WebSocket server that drops the
connection mid-run (the client must reconnect with the last seq and lose nothing)."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from websockets.sync.server import serve

from troupe_studio.client import Studio, StudioError, describe

P = "/api/v1/projects/team-a"


class Recorder:
    def __init__(self, answers=None):
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []
        self.answers = answers or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        status, body = self.answers.get((request.method, request.url.path), (200, {}))
        if isinstance(body, bytes):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body)


def studio(recorder, **kw) -> Studio:
    kw.setdefault("project", "team-a")
    return Studio("http://studio.test", transport=httpx.MockTransport(recorder), **kw)


def test_upload_streams_the_file_with_its_name_length_and_progress(tmp_path):
    data = tmp_path / "iris.csv"
    data.write_bytes(b"a,b\n" * 600_000)  # 2.4 MB: three chunks
    seen, rec = [], Recorder()
    studio(rec, token="tok").upload_dataset("iris", data, progress=lambda n, t: seen.append(n))
    (req,) = rec.requests
    assert (req.method, req.url.path) == ("POST", f"{P}/datasets/iris/versions")
    assert req.url.params["filename"] == "iris.csv"
    assert req.headers["content-length"] == str(data.stat().st_size)
    assert "transfer-encoding" not in req.headers
    assert req.headers["authorization"] == "Bearer tok"
    assert rec.bodies[0] == data.read_bytes()
    assert seen[-1] == data.stat().st_size and len(seen) == 3


def test_algorithm_upload_sends_its_metadata_as_query_parameters(tmp_path):
    code = tmp_path / "train.py"
    code.write_text("print(1)\n")
    rec = Recorder()
    studio(rec).upload_algorithm(
        "mnist", code, framework="pytorch", requirements=["numpy", "pillow"]
    )
    query = parse_qs(urlparse(str(rec.requests[0].url)).query)
    assert query == {
        "filename": ["train.py"],
        "framework": ["pytorch"],
        "requirements": ["numpy", "pillow"],
    }
    assert "authorization" not in rec.requests[0].headers  # local mode: no token


@pytest.mark.parametrize(
    "call, method, path",
    [
        (lambda s: s.whoami(), "GET", "/api/v1/whoami"),
        (lambda s: s.validate_model("net", 2), "POST", f"{P}/models/net/versions/2/validate"),
        (
            lambda s: s.validation("algorithms", "fit", 2),
            "GET",
            f"{P}/algorithms/fit/versions/2/validation",
        ),
        (lambda s: s.create_task({"name": "t"}), "POST", f"{P}/tasks"),
        (lambda s: s.update_task("t", {"name": "t"}), "PUT", f"{P}/tasks/t"),
        (lambda s: s.validate_task("t"), "POST", f"{P}/tasks/t/validate"),
        (lambda s: s.start_run("t"), "POST", f"{P}/tasks/t/runs"),
        (lambda s: s.runs("t"), "GET", f"{P}/tasks/t/runs"),
        (lambda s: s.run("t-r1"), "GET", f"{P}/runs/t-r1"),
        (lambda s: s.stop("t-r1"), "POST", f"{P}/runs/t-r1/stop"),
        (lambda s: s.delete_run("t-r1"), "DELETE", f"{P}/runs/t-r1"),
        (lambda s: s.results("t-r1"), "GET", f"{P}/runs/t-r1/results"),
        (lambda s: s.metrics("t-r1"), "GET", f"{P}/runs/t-r1/metrics"),
        (lambda s: s.logs("t-r1", "t-r1-worker-0"), "GET", f"{P}/runs/t-r1/logs/t-r1-worker-0"),
    ],
)
def test_each_call_uses_the_contracts_route(call, method, path):
    rec = Recorder()
    call(studio(rec))
    assert [(r.method, r.url.path) for r in rec.requests] == [(method, path)]


def test_algorithm_validation_sends_the_dataset_and_step_limit():
    rec = Recorder()
    ref = {"name": "iris", "version": 1}
    studio(rec).validate_algorithm("mlp", 3, ref, steps=5)
    studio(rec).validate_algorithm("mlp", 3, ref, sample=40)
    assert rec.requests[0].url.path == f"{P}/algorithms/mlp/versions/3/validate"
    assert json.loads(rec.bodies[0]) == {"dataset": ref, "steps": 5}
    assert json.loads(rec.bodies[1]) == {"dataset": ref, "sample": 40}


def test_a_refusal_carries_status_and_the_field_it_names():
    detail = [{"loc": ["path", "name"], "msg": "name: must be 1-63 characters"}]
    rec = Recorder({("POST", f"{P}/tasks"): (422, {"detail": detail})})
    with pytest.raises(StudioError) as err:
        studio(rec).create_task({"name": "Bad Name"})
    assert err.value.status == 422 and "path.name: name: must be" in str(err.value)
    assert describe("plain") == "plain"


def test_the_only_project_is_the_default_and_several_must_be_chosen():
    one = Recorder({("GET", "/api/v1/projects"): (200, [{"name": "mine"}])})
    s = studio(one, project=None)
    s.tasks()
    assert one.requests[-1].url.path == "/api/v1/projects/mine/tasks"
    two = Recorder({("GET", "/api/v1/projects"): (200, [{"name": "a"}, {"name": "b"}])})
    with pytest.raises(ValueError, match="you may use a, b"):
        studio(two, project=None).tasks()


def test_download_streams_into_place_and_a_failed_one_leaves_nothing(tmp_path):
    blob = bytes(range(256)) * 10_000
    path = f"{P}/runs/t-r1/results/worker-0/model.pt"
    rec = Recorder({("GET", path): (200, blob), ("GET", f"{P}/runs/t-r1/results.tar"): (503, {})})
    s = studio(rec)
    got = s.download("t-r1", "worker-0/model.pt", tmp_path)
    assert got == tmp_path / "model.pt" and got.read_bytes() == blob
    with pytest.raises(StudioError):
        s.download_all("t-r1", tmp_path / "all.tar")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_names_with_odd_characters_are_sent_escaped():
    rec = Recorder()
    studio(rec).run("a/../b")
    assert rec.requests[0].url.raw_path.decode() == f"{P}/runs/a%2F..%2Fb"


class LiveServer:
    """A WebSocket server with a run's history of `total` messages; the first connection is
    dropped (no close frame) after `drop_after` messages, as a restarted service would."""

    def __init__(self, total: int, drop_after: int):
        self.total, self.drop_after = total, drop_after
        self.afters: list[int] = []
        self.server = serve(self.handle, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, ws):
        after = int(parse_qs(urlparse(ws.request.path).query)["after"][0])
        self.afters.append(after)
        first = len(self.afters) == 1
        for seq in range(max(after - 2, 0) + 1, self.total + 1):  # replays a little overlap
            phase = "Succeeded" if seq == self.total else "Running"
            kind = "phase" if seq in (1, self.total) else "log"
            ws.send(json.dumps({"seq": seq, "type": kind, "phase": phase, "line": f"l{seq}"}))
            if first and seq == self.drop_after:
                ws.socket.close()  # abrupt: the client sees a broken connection
                return


def test_follow_reconnects_after_the_last_seq_and_loses_nothing():
    live = LiveServer(total=12, drop_after=5)
    s = Studio(f"http://127.0.0.1:{live.port}", project="team-a")
    seqs = [m["seq"] for m in s.follow("t-r1", reconnect_for=10)]
    live.server.shutdown()
    assert seqs == list(range(1, 13))
    assert live.afters == [0, 5]

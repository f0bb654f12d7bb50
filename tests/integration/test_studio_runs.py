"""Studio's tasks and runs against the real API server and operator (pods on kwok nodes):
dry-run validation naming the field, a run's TrainingJob as rendered, the watcher's history,
stop (suspend), and delete."""

from __future__ import annotations

import hashlib
import json

import pytest
from websockets.sync.client import connect

from support.studio import start_studio
from support.waiting import wait_for
from troupe_studio import kube

CSV = b"x,y\n1,3\n2,5\n"
TRAIN = b"print('hello')\n"


@pytest.fixture
def studio(kubeconfig, core, operator, tmp_path):
    svc = start_studio(kubeconfig, core, tmp_path)
    yield svc
    svc.stop()


def test_a_task_runs_as_its_trainingjob_and_the_history_follows_it(studio, namespace, core):
    api, p = studio.root, f"/projects/{namespace}"
    ds = api.post(f"{p}/datasets/pts/versions", params={"filename": "pts.csv"}, content=CSV)
    code = api.post(f"{p}/algorithms/fit/versions", params={"filename": "train.py"}, content=TRAIN)
    assert ds.status_code == code.status_code == 201
    task = {
        "name": "fit",
        "roles": [{"name": "main", "cpu": "100m", "memory": "64Mi"}] * 2,  # twice: refused
        "references": {"dataset": {"name": "pts"}, "algorithm": {"name": "fit"}},
    }
    assert api.post(f"{p}/tasks", json=task).status_code == 201
    refused = api.post(f"{p}/tasks/fit/validate").json()
    assert not refused["ok"] and refused["issues"][0]["field"].startswith("spec.roles"), refused
    print("\ndry-run refused:", refused["issues"])
    task["roles"] = task["roles"][:1]
    assert api.put(f"{p}/tasks/fit", json=task).status_code == 200
    ok = api.post(f"{p}/tasks/fit/validate").json()
    assert ok == {"ok": True, "issues": [], "manifest": ok["manifest"]}
    assert api.get(f"{p}/tasks/fit").json()["runs"] == 0  # validating starts nothing

    started = api.post(f"{p}/tasks/fit/runs")
    assert started.status_code == 201, started.text
    name = started.json()["name"]
    assert name == "fit-r1"
    job = kube.read_job(studio.app.state.service_client(), namespace, name)
    inputs = {i["name"]: i for i in job["spec"]["artifacts"]["inputs"]}
    assert inputs["dataset"]["uri"] == ds.json()["uri"]
    assert inputs["dataset"]["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert inputs["code"]["sha256"] == code.json()["sha256"]
    main = job["spec"]["roles"][0]["template"]["spec"]["containers"][0]
    assert main["command"] == ["python3", "train.py"]
    assert job["spec"]["artifacts"]["output"]["uri"].endswith(f"/runs/{namespace}/{name}/")
    secret = core.read_namespaced_secret("troupe-studio-store", namespace)
    assert set(secret.data) == {"endpoint", "region", "accessKey", "secretKey"}
    held = api.delete(f"{p}/datasets/pts")
    assert held.status_code == 409 and "task:" in held.json()["detail"]

    second = api.post(f"{p}/tasks/fit/runs").json()["name"]
    assert second == "fit-r2"
    assert [r["name"] for r in api.get(f"{p}/tasks/fit/runs").json()] == [name, second]

    wait_for(
        lambda: api.get(f"{p}/runs/{name}").json()["pods"],
        timeout=60,
        what="the run's pod",
        show=lambda: api.get(f"{p}/runs/{name}").json(),
    )
    stopped = api.post(f"{p}/runs/{name}/stop")
    assert stopped.status_code == 200, stopped.text
    wait_for(
        lambda: api.get(f"{p}/runs/{name}").json()["phase"] == "Suspended",
        timeout=60,
        what="the stopped run suspended",
        show=lambda: api.get(f"{p}/runs/{name}").json(),
    )
    url = f"ws://127.0.0.1:{studio.port}/api/v1{p}/runs/{name}/live?after=0"

    def history() -> list[dict]:
        seen = []
        with connect(url) as ws:
            while True:
                try:
                    seen.append(json.loads(ws.recv(timeout=1)))
                except TimeoutError:
                    return seen

    entries = wait_for(
        lambda: (h := history()) and any(e.get("phase") == "Suspended" for e in h) and h,
        timeout=30,
        what="Suspended in the history",
    )
    kinds = {e["type"] for e in entries}
    assert {"phase", "pod", "event"} <= kinds, kinds
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0]["phase"] == "Pending"
    print("history:", [(e["type"], e.get("phase") or e.get("reason")) for e in entries])

    assert api.delete(f"{p}/runs/{name}").status_code == 204
    assert api.get(f"{p}/runs/{name}").status_code == 404
    wait_for(
        lambda: kube.read_job(studio.app.state.service_client(), namespace, name) is None,
        timeout=30,
        what="the job deleted",
    )
    busy = api.delete(f"{p}/tasks/fit")
    assert busy.status_code == 409 and second in busy.json()["detail"]

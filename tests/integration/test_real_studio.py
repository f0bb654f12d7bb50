"""Troupe Studio end to end on the real node: upload a dataset and a training script, create
and validate a task, run it, follow it live over real WebSocket clients (reconnecting midway),
download the trained model and load it with torch, then delete it all.

The service runs in this process (uvicorn in a thread) against the real API server, the
operator, the cluster's S3 store and a SQLite file; the pods reach the store at its
in-cluster address, which the service writes into the project's Secret.
"""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import subprocess
import sys
import tarfile
import threading
import time
import zipfile

import pytest
from websockets.asyncio.client import connect

from support.cluster import REPO
from support.realnode import SELECTOR, TOLERATION, require
from support.studio import start_studio
from support.waiting import wait_for

sys.path.insert(0, str(REPO / "tests/studio/unit"))

pytestmark = pytest.mark.realnode

PYTORCH = "localhost/troupe/pytorch:2.15.0"
OPERATOR = "localhost/troupe/operator:0.1.0"
VIEWERS = 50
STEPS = 40
TRAIN = """\
import csv, os, time
import torch
from sdk import log_metric

rows = list(csv.reader(open(os.environ["TROUPE_INPUT_DATASET"])))[1:]
print(f"rows {len(rows)}", flush=True)
hp = {"lr": 0.02, "pause": 0}
hp.update((k[10:].lower(), v) for k, v in os.environ.items() if k.startswith("TROUPE_HP_"))
steps = int(os.environ.get("TROUPE_MAX_STEPS") or hp["steps"])  # a validation run's limit
x = torch.tensor([[float(r[0])] for r in rows])
y = torch.tensor([[float(r[1])] for r in rows])
torch.manual_seed(0)
model = torch.nn.Linear(1, 1)
opt = torch.optim.SGD(model.parameters(), lr=float(hp["lr"]))
for step in range(steps):
    for _ in range(100):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    log_metric(step=step, loss=loss.item())
    print(f"PROBE {time.time():.6f}", flush=True)
    time.sleep(float(hp["pause"]))
out = os.path.join(os.environ["TROUPE_OUTPUT_DIR"], "model.pt")
torch.save(model.state_dict(), out)
print("saved", out, flush=True)
"""


def package() -> bytes:
    """train.py with the SDK's one file beside it (the image has no troupe_studio)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("train.py", TRAIN)
        z.writestr("sdk.py", (REPO / "studio/troupe_studio/sdk.py").read_text())
    return buf.getvalue()


@pytest.fixture
def studio(kubeconfig, core, operator, tmp_path):
    require(core, (PYTORCH, OPERATOR))
    svc = start_studio(
        kubeconfig, core, tmp_path, {"nodeSelector": SELECTOR, "tolerations": [TOLERATION]}
    )
    yield svc
    svc.stop()


def torch_python() -> str:
    from torch_runner import torch_python as found

    return found()


async def follow(url: str, until, on_entry=None, limit: float = 300) -> list[dict]:
    """Entries from the live socket until `until(entry)` is true."""
    got = []
    async with connect(url, max_queue=None) as ws:
        deadline = time.monotonic() + limit
        while True:
            e = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
            e["received"] = time.time()
            got.append(e)
            if on_entry:
                on_entry(e)
            if until(e):
                return got


def finished(e: dict) -> bool:
    return e["type"] == "phase" and e["phase"] in ("Succeeded", "Failed")


def test_upload_validate_run_follow_download_delete(studio, namespace, tmp_path):
    api = studio.root
    p = f"/projects/{namespace}"
    data = "x,y\n" + "".join(f"{i / 10},{2 * i / 10 + 1}\n" for i in range(50))
    r = api.post(f"{p}/datasets/line/versions", params={"filename": "line.csv"}, content=data)
    assert r.status_code == 201, r.text
    r = api.post(f"{p}/algorithms/fit/versions", params={"filename": "fit.zip"}, content=package())
    assert r.status_code == 201 and r.json()["metadata"]["entry_point"] == "train.py", r.text
    task = {
        "name": "line",
        "framework": "pytorch",
        "roles": [{"name": "master", "cpu": "500m", "memory": "1Gi"}],
        "hyperparameters": {"lr": 0.02, "steps": STEPS, "pause": 0.25},
        "references": {"dataset": {"name": "line"}, "algorithm": {"name": "fit"}},
    }
    assert api.post(f"{p}/tasks", json=task).status_code == 201

    checked = api.post(f"{p}/tasks/line/validate").json()
    assert checked["ok"] and checked["issues"] == [], checked
    assert checked["manifest"]["metadata"]["name"] == "line-r1"

    run = api.post(f"{p}/tasks/line/runs")
    assert run.status_code == 201, run.text
    name = run.json()["name"]
    assert name == "line-r1"
    url = f"ws://127.0.0.1:{studio.port}/api/v1{p}/runs/{name}/live"
    watcher = studio.app.state.watcher
    streams: list[int] = []
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            streams.append(watcher.log_streams())
            sampling.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()

    async def viewers():
        metrics_seen = []

        def first_ten(e):
            if e["type"] == "metric":
                metrics_seen.append(e)

        main = await follow(f"{url}?after=0", lambda e: len(metrics_seen) >= 10, first_ten)
        others = [asyncio.create_task(follow(f"{url}?after=0", finished)) for _ in range(VIEWERS)]
        rest = await follow(f"{url}?after={main[-1]['seq']}", finished)
        return main, rest, await asyncio.gather(*others)

    try:
        main, rest, others = asyncio.run(viewers())
    finally:
        sampling.set()
        sampler.join()
    seqs = [e["seq"] for e in main + rest]
    assert seqs == list(range(1, len(seqs) + 1)), "a gap or a repeat across the reconnect"
    every = main + rest
    assert every[-1]["phase"] == "Succeeded", every[-1]
    phases = [e["phase"] for e in every if e["type"] == "phase"]
    assert phases[0] == "Pending" and "Running" in phases, phases
    pods = [e for e in every if e["type"] == "pod"]
    assert {e["pod"] for e in pods} == {f"{name}-master-0"}
    assert any(e["phase"] == "Running" for e in pods)
    losses = [e["values"]["loss"] for e in every if e["type"] == "metric"]
    assert len(losses) == STEPS and losses[-1] < losses[0] / 10, losses
    for seen in others:
        assert [e["seq"] for e in seen] == seqs[: len(seen)]
    assert max(streams) == 1, f"log streams seen: {sorted(set(streams))}"
    probes = [
        e["received"] - float(e["line"].split()[1])
        for e in rest
        if e["type"] == "log" and e["line"].startswith("PROBE ")
    ]
    assert probes
    probes.sort()
    print(f"live: log line in the pod -> WebSocket client: median "
          f"{statistics.median(probes) * 1000:.0f} ms, max {probes[-1] * 1000:.0f} ms "
          f"({len(probes)} lines); {VIEWERS + 1} viewers, {max(streams)} log stream")  # fmt: skip

    described = api.get(f"{p}/runs/{name}").json()
    assert described["phase"] == "Succeeded" and described["exists"]
    [pod] = described["pods"]
    assert (pod["role"], pod["exitCode"]) == ("master", 0)
    assert described["timings"]["started"] and described["timings"]["finished"]
    points = api.get(f"{p}/runs/{name}/metrics").json()
    assert [m["step"] for m in points] == list(range(STEPS))
    assert {m["name"] for m in points} == {"loss"}

    model_path = f"{name}-master-0/model.pt"
    results = wait_for(
        lambda: {f["path"]: f["size"] for f in api.get(f"{p}/runs/{name}/results").json()},
        timeout=60,
        what="the uploaded results",
    )
    assert model_path in results, results
    model = api.get(f"{p}/runs/{name}/results/{model_path}")
    assert model.status_code == 200 and len(model.content) == results[model_path]
    head = api.get(f"{p}/runs/{name}/results/{model_path}", headers={"Range": "bytes=0-9"})
    assert head.status_code == 206 and head.content == model.content[:10]
    (tmp_path / "model.pt").write_bytes(model.content)
    loaded = subprocess.run(
        [torch_python(), "-c",
         "import sys, torch; s = torch.load(sys.argv[1]); "
         "print(float(s['weight']), float(s['bias']))", str(tmp_path / "model.pt")],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    weight, bias = map(float, loaded)
    assert abs(weight - 2) < 0.5 and abs(bias - 1) < 0.5, loaded
    archive = tarfile.open(fileobj=io.BytesIO(api.get(f"{p}/runs/{name}/results.tar").content))
    members = archive.getnames()
    assert f"{name}/{model_path}" in members and f"{name}/studio/metrics.json" in members
    assert f"{name}/studio/logs/{name}-master-0.log" in members
    assert archive.extractfile(f"{name}/{model_path}").read() == model.content

    # the job goes (as cleanup or a user would delete it): the history stays
    custom_delete(studio, namespace, name)
    wait_for(
        lambda: not api.get(f"{p}/runs/{name}").json()["exists"],
        timeout=60,
        what="the run seen without its job",
    )
    kept = api.get(f"{p}/runs/{name}").json()
    assert kept["phase"] == "Succeeded" and kept["pods"][0]["exitCode"] == 0
    log_text = api.get(f"{p}/runs/{name}/logs/{name}-master-0").text
    assert "saved /" in log_text and log_text.count("TROUPE_METRIC") == STEPS
    replay = asyncio.run(follow(f"{url}?after=0", lambda e: e["seq"] >= seqs[-1]))
    assert [e["seq"] for e in replay] == seqs

    assert api.delete(f"{p}/runs/{name}").status_code == 204
    assert api.get(f"{p}/runs/{name}").status_code == 404
    assert api.get(f"{p}/runs/{name}/results").status_code == 404
    assert api.delete(f"{p}/tasks/line").status_code == 204
    assert api.delete(f"{p}/datasets/line").status_code == 204


def custom_delete(studio, namespace: str, name: str) -> None:
    from troupe_studio import kube

    assert kube.delete_job(studio.app.state.service_client(), namespace, name)


CHECKED = """\
import os
steps = int(os.environ["TROUPE_MAX_STEPS"])
for step in range(steps):
    print(f"step {step} of {steps}", flush=True)
text = open(os.environ["TROUPE_INPUT_DATASET"]).read()
print(f"rows {text.count(chr(10)) - 1} of a sample of {os.environ['TROUPE_SAMPLE_SIZE']}")
if "FAIL" in text:
    raise SystemExit("the dataset asks to fail")
"""


def test_an_algorithm_is_validated_by_a_short_run_and_the_outcome_kept(studio, namespace):
    api, p = studio.root, f"/projects/{namespace}"
    rows = b"".join(b"%d,%d\n" % (i, i) for i in range(500))
    bodies = {"ok": b"a,b\n" + rows, "bad": b"a,b\nFAIL,2\n" + rows}
    for name, body in bodies.items():
        r = api.post(f"{p}/datasets/{name}/versions", params={"filename": "d.csv"}, content=body)
        assert r.status_code == 201, r.text
    r = api.post(
        f"{p}/algorithms/probe/versions",
        params={"filename": "probe.py", "framework": "pytorch"},
        content=CHECKED.encode(),
    )
    assert r.status_code == 201, r.text
    assert api.get(f"{p}/algorithms/probe/versions/1/validation").status_code == 404

    outcomes = {}
    for dataset in ("ok", "bad"):
        started = api.post(
            f"{p}/algorithms/probe/versions/1/validate",
            json={"dataset": {"name": dataset}, "steps": 3, "sample": 7},
        )
        assert started.status_code == 202, started.text
        header_and_seven = b"".join(bodies[dataset].splitlines(keepends=True)[:8])
        assert started.json()["sample"] == {
            "unit": "rows", "count": 7, "size": len(header_and_seven), "complete": False,
        }  # fmt: skip
        live = f"ws://127.0.0.1:{studio.port}{started.json()['live']}?after=0"
        try:
            asyncio.run(follow(live, finished, limit=240))
        except TimeoutError:
            run = started.json()["run"]["name"]
            pytest.fail(f"{run} did not finish: {api.get(f'{p}/runs/{run}').text[:3000]}")
        expected = "Succeeded" if dataset == "ok" else "Failed"
        outcomes[dataset] = wait_for(
            lambda expected=expected: (
                (r := api.get(f"{p}/algorithms/probe/versions/1/validation")).status_code == 200
                and r.json()["phase"] == expected
                and r.json()
            ),
            timeout=30,
            what=f"the validation on {dataset} stored",
        )
    good, bad = outcomes["ok"], outcomes["bad"]
    assert good["ok"] and "step 2 of 3" in good["log"] and "step 3" not in good["log"]
    assert "rows 7 of a sample of 7" in good["log"], good["log"]
    assert not bad["ok"] and "the dataset asks to fail" in bad["log"], bad
    bad_steps = api.post(
        f"{p}/algorithms/probe/versions/1/validate",
        json={"dataset": {"name": "ok"}, "steps": 0},
    )
    assert bad_steps.status_code == 422 and bad_steps.json()["detail"][0]["loc"] == [
        "body",
        "steps",
    ]


def test_the_sdk_and_the_cli_validate_follow_and_download(studio, namespace, tmp_path):
    """The same code through troupe_studio.client and `troupe studio`, as a user drives it: a
    validation on a sample (followed live), a run followed by the CLI until it ends, its
    results downloaded by both."""
    from troupe_studio.client import Studio

    sdk = Studio(f"http://127.0.0.1:{studio.port}", project=namespace)
    (tmp_path / "line.csv").write_text(
        "x,y\n" + "".join(f"{i / 100},{2 * i / 100 + 1}\n" for i in range(300))
    )
    (tmp_path / "fit.zip").write_bytes(package())
    assert sdk.upload_dataset("line", tmp_path / "line.csv")["metadata"]["rows"] == 300
    assert sdk.upload_algorithm("fit", tmp_path / "fit.zip", framework="pytorch")["number"] == 1

    check = sdk.validate_algorithm("fit", 1, {"name": "line"}, steps=3, sample=20)
    assert check["sample"]["unit"] == "rows" and check["sample"]["count"] == 20, check
    seen = list(sdk.follow(check["run"]["name"]))
    assert [m["seq"] for m in seen] == list(range(1, len(seen) + 1))
    assert seen[-1]["type"] == "phase" and seen[-1]["phase"] == "Succeeded", seen[-5:]
    assert [m["step"] for m in seen if m["type"] == "metric"] == [0, 1, 2]
    outcome = wait_for(
        lambda: (v := sdk.validation("algorithms", "fit", 1))["phase"] == "Succeeded" and v,
        timeout=30,
        what="the validation stored",
    )
    assert outcome["ok"] and "rows 20" in outcome["log"], outcome

    sdk.create_task({
        "name": "line", "framework": "pytorch",
        "roles": [{"name": "master", "cpu": "500m", "memory": "1Gi"}],
        "hyperparameters": {"steps": 5},
        "references": {"dataset": {"name": "line"}, "algorithm": {"name": "fit"}},
    })  # fmt: skip
    name = sdk.start_run("line")["name"]
    cli = [str(REPO / ".venv/bin/troupe"), "studio", "--url", sdk.url, "--project", namespace]
    followed = subprocess.run([*cli, "follow", name], capture_output=True, text=True, timeout=300)
    assert followed.returncode == 0, followed.stderr + followed.stdout[-3000:]
    lines = followed.stdout.splitlines()
    assert lines[-1].startswith("phase Succeeded"), lines[-10:]
    assert [ln.split(": ")[1] for ln in lines if " step " in ln][-1].startswith("loss="), lines
    assert f"{name}-master-0 | rows 300" in lines, lines
    # the same messages again from seq 3 on, as JSON, by the SDK
    again = [m["seq"] for m in sdk.follow(name, after=3)]
    assert again[0] == 4 and len(again) == len(lines) - 3

    model = f"{name}-master-0/model.pt"
    wait_for(
        lambda: model in {f["path"] for f in sdk.results(name)}, timeout=60, what="the results"
    )
    got = subprocess.run(
        [*cli, "download", name, model, "-o", str(tmp_path)], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert got.returncode == 0 and got.stdout.strip() == str(tmp_path / "model.pt"), got.stderr
    sdk_copy = sdk.download(name, model, tmp_path / "sdk-model.pt")
    assert sdk_copy.read_bytes() == (tmp_path / "model.pt").read_bytes()
    whole = subprocess.run(
        [*cli, "download", name, "-o", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert whole.returncode == 0, whole.stderr
    with tarfile.open(tmp_path / f"{name}.tar") as archive:
        assert archive.extractfile(f"{name}/{model}").read() == sdk_copy.read_bytes()
    assert (
        sdk.download_all(name, tmp_path / "sdk.tar").stat().st_size
        == (tmp_path / f"{name}.tar").stat().st_size
    )
    assert not list(tmp_path.glob("*.part"))

    missing = subprocess.run([*cli, "follow", "no-such-run"], capture_output=True, text=True)
    assert missing.returncode == 1, missing.stderr
    assert "404 no run named 'no-such-run'" in missing.stderr, missing.stderr

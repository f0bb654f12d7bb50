"""The live socket over a real WebSocket client: history replayed after `after`, live entries
after it, nothing lost or repeated across a reconnect, and many viewers of one run.

The entries are recorded through History.record, the call the watcher makes for what the
cluster says (the cluster itself is in tests/integration/test_real_studio.py)."""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time

from websockets.asyncio.client import connect
from websockets.sync.client import connect as connect_sync

from troupe_studio.db import Run


def make_run(service, name="fit-r1") -> int:
    with service.app.state.sessions() as s:
        run = Run(project="default", task_name="fit", number=1, name=name, manifest={},
                  output_uri="", phase="Pending", message="", status={}, pods={})  # fmt: skip
        s.add(run)
        s.commit()
        return run.id


def live_url(service, run="fit-r1", after=0) -> str:
    return f"ws://127.0.0.1:{service.port}/api/v1/projects/default/runs/{run}/live?after={after}"


def log(service, run_id: int, n: int, start: int = 0) -> None:
    history = service.app.state.history
    for i in range(start, start + n):
        history.record(run_id, [("log", {"pod": "p", "line": f"line {i}"})])


def receive(ws, n: int) -> list[dict]:
    return [json.loads(ws.recv(timeout=10)) for _ in range(n)]


def test_a_late_viewer_gets_the_history_then_live_and_a_reconnect_loses_nothing(service):
    run_id = make_run(service)
    log(service, run_id, 5)
    with connect_sync(live_url(service)) as ws:
        replayed = receive(ws, 5)
        assert [e["seq"] for e in replayed] == [1, 2, 3, 4, 5]
        assert replayed[0]["type"] == "log" and replayed[0]["line"] == "line 0"
        assert replayed[0]["time"].endswith("+00:00")
        log(service, run_id, 3, start=5)
        live = receive(ws, 3)
        assert [e["line"] for e in live] == ["line 5", "line 6", "line 7"]
        last = live[-1]["seq"]
    log(service, run_id, 4, start=8)  # while nobody watches
    # a writer keeps going while the viewer reconnects: replay and live meet without a gap
    writer = threading.Thread(target=log, args=(service, run_id, 40, 12))
    with connect_sync(live_url(service, after=last)) as ws:
        writer.start()
        got = receive(ws, 44)
        writer.join()
    assert [e["seq"] for e in got] == list(range(last + 1, last + 45))
    assert [e["line"] for e in got] == [f"line {i}" for i in range(8, 52)]


def test_an_unknown_run_or_bad_name_is_refused_with_its_status_and_reason(service):
    import pytest
    from websockets.exceptions import InvalidStatus

    from troupe_studio.client import Studio, StudioError

    for run, status, words in (("nope", 404, "no run named 'nope'"), ("Bad_Name", 422, "run")):
        with pytest.raises(InvalidStatus) as refused:
            with connect_sync(live_url(service, run=run)):
                pass
        assert refused.value.response.status_code == status
        assert words in json.loads(refused.value.response.body)["detail"]
        with pytest.raises(StudioError) as sdk:
            next(Studio(service.url, project="default").follow(run))
        assert sdk.value.status == status and words in str(sdk.value), sdk.value


def test_two_hundred_viewers_of_one_run_each_get_every_entry_in_order(service):
    run_id = make_run(service)
    viewers, entries = 200, 20
    url = live_url(service)

    async def watch(ready: asyncio.Event, counted: list, delays: list):
        async with connect(url, max_queue=None) as ws:
            counted.append(1)
            if len(counted) == viewers:
                ready.set()
            seqs = []
            while len(seqs) < entries:
                e = json.loads(await asyncio.wait_for(ws.recv(), 30))
                delays.append(time.time() - e["sent"])
                seqs.append(e["seq"])
            return seqs

    async def main():
        ready, counted, delays = asyncio.Event(), [], []
        clients = [asyncio.create_task(watch(ready, counted, delays)) for _ in range(viewers)]
        await asyncio.wait_for(ready.wait(), 60)
        history = service.app.state.history
        deadline = time.monotonic() + 30  # subscriptions follow the accept: wait till all are in
        while len(history.viewers.get(run_id, ())) < viewers:
            assert time.monotonic() < deadline, "viewers not subscribed"
            await asyncio.sleep(0.01)
        for i in range(entries):
            await asyncio.to_thread(
                history.record, run_id, [("log", {"pod": "p", "line": str(i), "sent": time.time()})]
            )
        return await asyncio.gather(*clients), delays

    results, delays = asyncio.run(main())
    assert all(seqs == list(range(1, entries + 1)) for seqs in results)
    delays.sort()
    print(f"\nlive: {viewers} viewers x {entries} entries; record->client latency "
          f"median {statistics.median(delays) * 1000:.1f} ms, "
          f"p99 {delays[int(len(delays) * 0.99)] * 1000:.1f} ms")  # fmt: skip

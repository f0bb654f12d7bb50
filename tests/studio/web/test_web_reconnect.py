"""A live run page through a network drop, in a real browser: the browser goes offline (CDP
network emulation), the run prints more while it is, the network comes back, and the page
reconnects (studio/web/src/lib/live.ts) with `after` set to the last message it applied, the
service replaying the rest from its history: every log line and metric point shown once, in
order, those printed while offline too. The run's pod is on a kwok node of the local cluster
(conftest.py's kwok_studio), its log a file kwok serves (tests/support/logs.py) and the
service follows; without the cluster the test is skipped. The reconnect logic is tested
meanwhile on message sequences (studio/web/tests/live.test.ts)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from kubernetes import client
from kwok import make_task, run_pods
from pages import screenshot, wait
from selenium.webdriver.common.by import By

from support.logs import give_logs, require_kwok_logs

OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


@pytest.fixture
def studio(kwok_studio):
    """Overrides conftest's: the service against the local cluster, its pods on kwok nodes."""
    return kwok_studio


def metric(step: int) -> str:
    return "TROUPE_METRIC " + json.dumps({"step": step, "loss": round(2.0 / step, 4)})


def lines(steps: range) -> list[str]:
    return [x for s in steps for x in (f"epoch 0 step {s}", metric(s))]


def shown(page) -> tuple[list[str], int, str]:
    """The log lines shown, the loss chart's points and the connection's state."""
    pre = page.find_elements(By.CSS_SELECTOR, "pre.log")
    chart = page.find_elements(By.CSS_SELECTOR, "[data-metric='loss']")
    conn = page.find_element(By.CSS_SELECTOR, "h1 [role=status]").text
    return (
        pre[0].text.split("\n") if pre and pre[0].text else [],
        int(chart[0].get_attribute("data-points")) if chart else 0,
        conn,
    )


def test_a_live_run_page_replays_what_it_missed_offline(page, studio, kwok_namespace, tmp_path):
    _, core, ns = kwok_namespace
    require_kwok_logs(core.api_client)
    api = httpx.Client(base_url=f"{studio.url}/api/v1/projects/{ns}", timeout=60)
    make_task(api, "live")
    started = api.post("/tasks/live/runs")
    assert started.status_code == 201, started.text
    run = started.json()["name"]
    pods = wait(page, "the run's pod running", lambda: [
        p for p in run_pods(core, ns, run) if p.status.phase == "Running"
    ], timeout=120)  # fmt: skip
    pod = pods[0].metadata.name
    logs = give_logs(core, client.CustomObjectsApi(core.api_client), ns, pod, tmp_path)
    (log,) = logs.values()

    def write(steps: range) -> None:
        log.write(*lines(steps))  # in one write: the lines share a stamp, and all are kept

    write(range(1, 4))
    page.get(f"{studio.url}/p/{ns}/runs/{run}")
    wait(page, "the first lines, live", lambda: shown(page) == (lines(range(1, 4)), 3, "live"), 60)
    screenshot(page, "run-page-before-drop")

    page.execute_cdp_cmd("Network.enable", {})
    page.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
    try:
        wait(page, "the page to see the drop", lambda: shown(page)[2] == "reconnecting…", 30)
        write(range(4, 8))  # printed while the page is offline: stored by the service only
        stored = f"/runs/{run}/metrics"
        wait(page, "the service to store them", lambda: len(api.get(stored).json()) == 7, 60)
        assert shown(page)[:2] == (lines(range(1, 4)), 3)  # nothing reached the page
        screenshot(page, "run-page-offline")
    finally:
        page.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)

    want = lines(range(1, 8))
    wait(page, "the replay after the reconnect", lambda: shown(page) == (want, 7, "live"), 60)
    write(range(8, 10))  # and the stream goes on after the replay
    want = lines(range(1, 10))
    wait(page, "the stream after the replay", lambda: shown(page) == (want, 9, "live"), 60)
    assert "step 9: 0.2222" in page.find_element(By.CSS_SELECTOR, "[data-metric='loss']").text
    screenshot(page, "run-page-after-reconnect")
    api.post(f"/runs/{run}/stop")
    assert Path(log.path).read_text().count("\n") == len(want)

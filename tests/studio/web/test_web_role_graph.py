"""The run page's role graph in a real browser: a pytorch run's master and worker drawn as two
boxes, each with its state, and the arrow the framework puts between them (workers wait for a
Ready master) though the task states no dependency. Its pods run on the local cluster's kwok
nodes (conftest.py's kwok_studio), so no image is pulled; an operator watches this test's own
namespace. Without the cluster it is skipped; the layout input is tested meanwhile in
studio/web/tests/roles.test.ts."""

from __future__ import annotations

import httpx
import pytest
from pages import role_boxes, screenshot, wait
from selenium.webdriver.common.by import By


@pytest.fixture
def studio(kwok_studio):
    """Overrides conftest's: the service against the local cluster, its pods on kwok nodes."""
    return kwok_studio


def test_a_runs_roles_are_boxes_with_their_state_and_the_framework_dependency(page, studio):
    ns = studio.project
    api = httpx.Client(base_url=f"{studio.url}/api/v1/projects/{ns}", timeout=60)
    api.post(
        "/datasets/pts/versions", params={"filename": "pts.csv"}, content=b"x,y\n1,2\n"
    ).raise_for_status()
    api.post(
        "/algorithms/fit/versions", params={"filename": "train.py", "framework": "pytorch"},
        content=b"print('fit')\n",
    ).raise_for_status()  # fmt: skip
    small = {"cpu": "100m", "memory": "64Mi"}
    task = {
        "name": "ddp",
        "framework": "pytorch",
        "roles": [{"name": "master", **small}, {"name": "worker", "replicas": 2, **small}],
        "references": {"dataset": {"name": "pts"}, "algorithm": {"name": "fit"}},
    }
    assert api.post("/tasks", json=task).status_code == 201
    started = api.post("/tasks/ddp/runs")
    assert started.status_code == 201, started.text
    run = started.json()["name"]
    got = api.get(f"/runs/{run}").json()["roles"]
    assert [(r["name"], r["dependsOn"]) for r in got] == [
        ("master", []),
        ("worker", [{"role": "master", "condition": "Ready"}]),
    ]

    page.get(f"{studio.url}/p/{ns}/runs/{run}")
    wait(page, "both roles drawn", lambda: set(role_boxes(page)) == {"master", "worker"})
    wait(page, "the master running", lambda: role_boxes(page)["master"] == "Running", 120)
    graph = page.find_element(By.CSS_SELECTOR, "[aria-label='Role graph']")
    edges = [e for e in graph.find_elements(By.CSS_SELECTOR, ".react-flow__edge") if e.size]
    assert len(edges) == 1
    assert "Ready" in graph.text  # the arrow says what the worker waits for
    master, worker = (
        graph.find_element(By.CSS_SELECTOR, f"[data-role='{r}']") for r in ("master", "worker")
    )
    assert master.location["y"] < worker.location["y"]  # what waits is drawn below
    screenshot(page, "run-page-roles")
    api.delete(f"/runs/{run}")

"""The whole job in a real browser: a task created in the wizard, started, its phase changing
and its loss chart filling in live over the WebSocket, the trained model downloaded, the task
deleted. It runs on the local cluster's real node, as tests/integration/test_real_studio.py
does: the service against the API server and the cluster's store (support/studio.py), its
pods pinned to the real node, an operator watching the project's namespace. Without the
cluster or the node it is skipped, naming what is missing; the run page's logic is tested
meanwhile on message sequences (studio/web/tests/live.test.ts)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pages import PROJECT, button, field, role_boxes, screenshot, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

BASE = "localhost/troupe/base:bookworm"  # the generic framework's image (domain/render.py)
OPERATOR = "localhost/troupe/operator:0.1.0"
# The training code: eight steps a second apart (so the chart fills while the page watches),
# each a metric line by domain/metrics.py's convention, then the model file in the output dir.
TRAIN = b"""\
import json, os, pathlib, time
for step in range(1, 9):
    print("TROUPE_METRIC " + json.dumps({"step": step, "loss": round(2.0 / step, 4)}), flush=True)
    time.sleep(1)
out = pathlib.Path(os.environ.get("TROUPE_OUTPUT_DIR", "/troupe/output"))
out.mkdir(parents=True, exist_ok=True)
(out / "model.txt").write_text("weights of a very small model\\n")
"""


@pytest.fixture
def studio(tmp_path):
    """Overrides conftest's: the service of test_real_studio.py, on the real node."""
    from kubernetes import client, config

    from support.cluster import running_cluster
    from support.operator import OperatorProcess, install_crds
    from support.realnode import SELECTOR, TOLERATION, require
    from support.studio import start_studio

    kubeconfig = running_cluster()
    core = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    require(core, (BASE, OPERATOR))
    install_crds(kubeconfig)
    operator = OperatorProcess(kubeconfig, tmp_path / "operator.log", "-n", PROJECT)
    operator.start()
    svc = start_studio(
        kubeconfig, core, tmp_path, {"nodeSelector": SELECTOR, "tolerations": [TOLERATION]}
    )
    yield svc
    svc.stop()
    client.CustomObjectsApi(core.api_client).delete_collection_namespaced_custom_object(
        "troupe.dev", "v1alpha1", PROJECT, "trainingjobs", label_selector="studio.troupe.dev/task"
    )  # this test's runs, while the operator is there to let them go
    operator.stop()


def test_train_and_watch_live_then_download_and_delete(page, studio, tmp_path):
    task = f"steps-{uuid.uuid4().hex[:6]}"  # the project is the cluster's "default": no reuse
    api = httpx.Client(base_url=f"{studio.url}/api/v1/projects/{PROJECT}", timeout=60)
    api.post(
        "/datasets/tiny/versions", params={"filename": "tiny.csv"}, content=b"x,y\n1,2\n"
    ).raise_for_status()
    api.post(
        "/algorithms/steps/versions",
        params={"filename": "train.py", "framework": "generic"},
        content=TRAIN,
    ).raise_for_status()

    page.get(f"{studio.url}/p/{PROJECT}/tasks/new")
    wait(page, "the wizard", lambda: page.find_elements(By.TAG_NAME, "form"))
    field(page, "Task name").send_keys(task)
    Select(field(page, "Framework")).select_by_visible_text("generic")
    wait(page, "the datasets", lambda: len(Select(field(page, "Dataset")).options) > 1)
    Select(field(page, "Dataset")).select_by_visible_text("tiny")
    Select(field(page, "Algorithm")).select_by_visible_text("steps")
    cmd = field(page, "Command")
    cmd.clear()
    cmd.send_keys("python3 train.py")  # Debian: python3 only
    screenshot(page, "task-wizard")
    button(page, "Create task").click()
    wait(page, "the task page", lambda: page.current_url.endswith(f"/tasks/{task}"))
    button(page, "Start a run").click()
    wait(page, "the run page", lambda: f"/runs/{task}-r" in page.current_url, timeout=60)

    phases = set()

    def phase():
        p = page.find_element(By.CSS_SELECTOR, "[data-phase]").get_attribute("data-phase")
        phases.add(p)
        return p

    wait(page, "the run to start", lambda: phase() == "Running", timeout=300)
    chart = wait(
        page,
        "the loss chart",
        lambda: page.find_elements(By.CSS_SELECTOR, "[data-metric='loss']"),
        timeout=120,
    )[0]
    first = int(chart.get_attribute("data-points"))
    wait(
        page,
        "more points while running",
        lambda: (
            int(
                page.find_element(By.CSS_SELECTOR, "[data-metric='loss']").get_attribute(
                    "data-points"
                )
            )
            > first
        ),
        timeout=60,
    )
    screenshot(page, "run-page-live")
    wait(page, "the run to succeed", lambda: phase() == "Succeeded", timeout=300)
    assert {"Running", "Succeeded"} <= phases
    wait(page, "the worker's box succeeded", lambda: role_boxes(page) == {"worker": "Succeeded"})
    assert (
        page.find_element(By.CSS_SELECTOR, "[data-metric='loss']").get_attribute("data-points")
        == "8"
    )

    link = wait(
        page,
        "the result",
        lambda: [
            a
            for a in page.find_elements(By.CSS_SELECTOR, "a[download]")
            if a.text.endswith("model.txt")
        ],
        timeout=120,
    )[0]
    got = httpx.get(link.get_attribute("href"), timeout=60)
    assert got.text == "weights of a very small model\n"
    screenshot(page, "run-page-done")

    page.get(f"{studio.url}/p/{PROJECT}/tasks/{task}")
    wait(page, "the task page", lambda: page.find_elements(By.TAG_NAME, "h1"))
    page.execute_script("window.confirm = () => true;")
    button(page, "Delete").click()
    wait(page, "the tasks list", lambda: page.current_url.endswith("/tasks"))
    assert api.get(f"/tasks/{task}").status_code == 404

"""A task's actions in a real browser: cloned (the wizard opens filled in from it; saving makes
a second task with the same settings), run, the run stopped from its page (the service
suspends the job: the operator removes its pods, the job stays, the run is "Suspended"), run
again from there (a new run of the task), refused deletion while a run goes, then deleted.
Pods run on the local cluster's kwok nodes (conftest.py's kwok_studio), so nothing is pulled
or run; without the cluster the test is skipped."""

from __future__ import annotations

import httpx
import pytest
from kwok import make_task, run_pods
from pages import button, field, screenshot, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


@pytest.fixture
def studio(kwok_studio):
    """Overrides conftest's: the service against the local cluster, its pods on kwok nodes."""
    return kwok_studio


def phase(page) -> str:
    return page.find_element(By.CSS_SELECTOR, "[data-phase]").get_attribute("data-phase")


def buttons(page) -> set[str]:
    return {b.text for b in page.find_elements(By.CSS_SELECTOR, ".actions button")}


def test_clone_run_stop_run_again_and_delete_a_task(page, studio, kwok_namespace):
    _, core, ns = kwok_namespace
    api = httpx.Client(base_url=f"{studio.url}/api/v1/projects/{ns}", timeout=60)
    original = make_task(
        api, "orig", description="the one cloned", hyperparameters={"lr": 0.1, "epochs": 3}
    )

    # clone: the wizard comes filled in from the task, under a new name
    page.get(f"{studio.url}/p/{ns}/tasks/orig")
    wait(page, "the Clone link", lambda: page.find_elements(By.LINK_TEXT, "Clone"))[0].click()
    wait(page, "the wizard", lambda: "/tasks/new?from=orig" in page.current_url)
    assert field(page, "Task name").get_attribute("value") == "orig-copy"
    assert Select(field(page, "Framework")).first_selected_option.text == "generic"
    wait(
        page,
        "the dataset",
        lambda: Select(field(page, "Dataset")).first_selected_option.text == "pts",
    )
    assert Select(field(page, "Algorithm")).first_selected_option.text == "fit"
    assert field(page, "Command").get_attribute("value") == "python3 train.py"
    screenshot(page, "task-clone-wizard")
    button(page, "Create task").click()
    wait(page, "the copy's page", lambda: page.current_url.endswith(f"/p/{ns}/tasks/orig-copy"))
    copy = api.get("/tasks/orig-copy").json()
    assert copy["description"] == original["description"]
    assert copy["spec"] == original["spec"] and copy["spec"]["hyperparameters"] == {
        "lr": 0.1,
        "epochs": 3,
    }
    assert {t["name"] for t in api.get("/tasks").json()} == {"orig", "orig-copy"}

    # run the copy, stop it from the run page
    button(page, "Start a run").click()
    wait(page, "the run page", lambda: "/runs/orig-copy-r" in page.current_url, timeout=60)
    first = page.current_url.rsplit("/", 1)[1]
    wait(page, "the run to start", lambda: phase(page) == "Running", timeout=120)
    assert run_pods(core, ns, first)
    button(page, "Stop").click()
    wait(page, "the run stopped", lambda: phase(page) == "Suspended", timeout=120)
    wait(page, "Stop replaced by Run again", lambda: buttons(page) == {"Run again"})
    wait(page, "its pods removed", lambda: not run_pods(core, ns, first), timeout=120)
    job = api.get(f"/runs/{first}").json()
    assert job["exists"] and job["phase"] == "Suspended"  # the job stays, with its status
    screenshot(page, "run-page-stopped")

    # restart: a new run of the task, from the stopped run's page
    button(page, "Run again").click()
    wait(page, "the next run's page", lambda: "/runs/orig-copy-r" in page.current_url
         and not page.current_url.endswith(f"/{first}"), timeout=60)  # fmt: skip
    second = page.current_url.rsplit("/", 1)[1]
    wait(page, "the next run to start", lambda: phase(page) == "Running", timeout=120)
    runs = {r["name"]: r["phase"] for r in api.get("/tasks/orig-copy/runs").json()}
    assert runs.keys() == {first, second} and runs[first] == "Suspended"

    # delete: refused while the second run goes (the service's message shown), then done
    page.get(f"{studio.url}/p/{ns}/tasks/orig-copy")
    wait(
        page, "both runs listed", lambda: len(page.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2
    )
    page.execute_script("window.confirm = () => true;")
    button(page, "Delete").click()
    alert = wait(page, "the refusal", lambda: page.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    assert "Could not delete it (409)" in alert[0].text and second in alert[0].text
    screenshot(page, "task-delete-refused")
    assert api.get("/tasks/orig-copy").status_code == 200
    assert api.post(f"/runs/{second}/stop").status_code == 200
    wait(page, "the second run stopped", lambda: api.get(f"/runs/{second}").json()["phase"]
         == "Suspended", timeout=120)  # fmt: skip
    button(page, "Delete").click()
    wait(page, "the tasks list", lambda: page.current_url.endswith(f"/p/{ns}/tasks"))
    assert api.get("/tasks/orig-copy").status_code == 404
    wait(page, "the list without the copy", lambda: page.find_elements(By.LINK_TEXT, "orig")
         and not page.find_elements(By.LINK_TEXT, "orig-copy"))  # fmt: skip
    assert api.get("/tasks/orig").status_code == 200  # the original is untouched

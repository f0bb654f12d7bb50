"""Labels, keyboard use and axe-core's checks on the pages, in a real browser, plus one
screenshot per page under tests/studio/web/artifacts/ (looked at by a person)."""

from __future__ import annotations

import pytest
from pages import PROJECT, axe, button, field, screenshot, wait
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

BAD = ("critical", "serious")
LAYER_FILE = """\
import torch
from torch import nn

TROUPE_LAYER = {
    "name": "Scale",
    "params": {"factor": {"type": "number", "default": 1.0, "minimum": 0}},
    "inputs": {"min": 1, "max": 1},
    "description": "Multiplies by a learned scalar.",
}


class Scale(nn.Module):
    def __init__(self, factor=1.0):
        super().__init__()
        self.factor = nn.Parameter(torch.tensor(float(factor)))

    def forward(self, x):
        return x * self.factor
"""


def focused_label(page) -> str:
    """What a screen reader would call the focused element: its label, aria-label or text."""
    return page.execute_script(
        "const e = document.activeElement; if (!e) return '';"
        "if (e.labels && e.labels.length) return e.labels[0].textContent.trim();"
        "return (e.getAttribute('aria-label') || e.textContent || '').trim();"
    )


def tab_to(page, label: str, limit: int = 60) -> None:
    for _ in range(limit):
        ActionChains(page).send_keys(
            Keys.TAB
        ).perform()  # to the page: a file input takes keys as a path
        if focused_label(page) == label:
            return
    raise AssertionError(f"{label!r} is not reachable with Tab in {limit} steps")


def seed(studio, tmp_path):
    studio.http.post(
        "/datasets/iris/versions",
        params={"filename": "iris.csv", "description": "flowers"},
        content=b"sepal_length,species\n5.1,setosa\n6.3,virginica\n",
    ).raise_for_status()
    layer = LAYER_FILE.encode()
    studio.http.post(
        "/layers/scale/versions", params={"filename": "scale.py"}, content=layer
    ).raise_for_status()
    studio.http.post(
        "/algorithms/mnist/versions",
        params={"filename": "train.py", "framework": "pytorch"},
        content=b"print('training')\n",
    ).raise_for_status()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pages_pass_axe_and_are_screenshotted(page, studio, tmp_path, record_property):
    seed(studio, tmp_path)
    pages = {
        "datasets": f"/p/{PROJECT}/datasets",
        "dataset": f"/p/{PROJECT}/datasets/iris",
        "algorithm": f"/p/{PROJECT}/algorithms/mnist",
        "layer": f"/p/{PROJECT}/layers/scale",
        "models-empty": f"/p/{PROJECT}/models",
        "builder-empty": f"/p/{PROJECT}/builder",
        "task-wizard": f"/p/{PROJECT}/tasks/new",
    }
    counts = {}
    for name, path in pages.items():
        page.get(studio.url + path)
        wait(
            page,
            f"{name} to load",
            lambda: (
                page.find_elements(By.TAG_NAME, "h1")
                and not page.find_elements(By.CSS_SELECTOR, "[role=status].muted")
            ),
        )
        screenshot(page, f"page-{name}")
        found = axe(page, f"page-{name}")
        counts[name] = {v["id"]: v["impact"] for v in found}
    record_property("axe_violations", counts)
    print("axe violations per page:", counts)
    bad = {p: [i for i, imp in v.items() if imp in BAD] for p, v in counts.items()}
    assert not any(bad.values()), bad


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_upload_can_be_done_with_the_keyboard_alone(page, studio, tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("a,b\n1,2\n")
    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    wait(page, "the form", lambda: page.find_elements(By.TAG_NAME, "form"))
    tab_to(page, "Name")
    page.switch_to.active_element.send_keys("by-keys")
    tab_to(page, "File")
    page.switch_to.active_element.send_keys(str(path))  # a file chooser cannot be typed into
    tab_to(page, "Upload")
    page.switch_to.active_element.send_keys(Keys.ENTER)
    wait(page, "the dataset page", lambda: page.current_url.endswith("/datasets/by-keys"))
    assert studio.http.get("/datasets/by-keys").json()["version_count"] == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_model_can_be_built_with_the_keyboard_alone(page, studio):
    page.get(f"{studio.url}/p/{PROJECT}/builder")
    wait(page, "the library", lambda: page.find_elements(By.CSS_SELECTOR, ".library button"))
    tab_to(page, "Add Linear")
    page.switch_to.active_element.send_keys(Keys.ENTER)
    tab_to(page, "in_features")
    page.switch_to.active_element.send_keys("4")
    tab_to(page, "out_features")
    page.switch_to.active_element.send_keys("2")
    tab_to(page, "Add ReLU", limit=120)  # back round to the library
    page.switch_to.active_element.send_keys(Keys.ENTER)
    wait(page, "two layers", lambda: len(page.find_elements(By.CSS_SELECTOR, ".box.layer")) == 2)
    assert field(page, "Connect input from").is_enabled()
    tab_to(page, "Save as model")
    page.switch_to.active_element.send_keys("keys")
    tab_to(page, "Save as new version")
    page.switch_to.active_element.send_keys(Keys.ENTER)
    wait(page, "the version", lambda: page.current_url.endswith("/models/keys/versions/1/graph"))
    assert studio.http.get("/models/keys/versions/1").json()["metadata"]["layers"] == [
        "Linear",
        "ReLU",
    ]
    assert button(page, "Validate")

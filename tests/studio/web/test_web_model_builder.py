"""The model builder in a real browser against the real service: a small CNN built from the
layer library, saved as a version the service checked; a graph it refuses shows the refusal on
the node; validation (torch, the service helper's route) shows each node's output shape."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pages import PROJECT, button, field, field_error, screenshot, wait
from selenium.webdriver.common.by import By


def set_field(page, label, value, within=None):
    el = field(page, label, within)
    el.clear()
    el.send_keys(value)


def add(page, layer, **params):
    button(page, f"Add {layer}").click()
    inspector = wait(
        page, f"the {layer} form", lambda: page.find_element(By.CSS_SELECTOR, ".inspector")
    )
    assert layer in inspector.find_element(By.TAG_NAME, "h2").text
    for name, value in params.items():
        set_field(page, name, str(value), inspector)


def build_small_cnn(page, studio):
    page.get(f"{studio.url}/p/{PROJECT}/builder")
    wait(page, "the library", lambda: page.find_elements(By.CSS_SELECTOR, ".library button"))
    set_field(page, "Shape", "N, 1, 28, 28")
    add(page, "Conv2d", in_channels=1, out_channels=8, kernel_size=3)
    add(page, "ReLU")
    add(page, "Flatten")
    add(page, "Linear", in_features=5408, out_features=10)
    set_field(page, "Graph name", "small cnn")
    set_field(page, "Save as model", "small-cnn")


def test_small_cnn_is_built_from_layers_and_saved_as_a_version(page, studio):
    build_small_cnn(page, studio)
    boxes = page.find_elements(By.CSS_SELECTOR, ".react-flow__node")
    assert len(boxes) == 5  # the input and four layers, all drawn
    button(page, "Save as new version").click()
    wait(
        page,
        "the saved version",
        lambda: page.current_url.endswith("/models/small-cnn/versions/1/graph"),
    )
    wait(
        page,
        "the graph again",
        lambda: len(page.find_elements(By.CSS_SELECTOR, ".react-flow__node")) == 5,
    )

    stored = studio.http.get("/models/small-cnn/versions/1").json()
    assert stored["metadata"]["nodes"] == 4
    assert stored["metadata"]["layers"] == ["Conv2d", "Flatten", "Linear", "ReLU"]
    doc = json.loads(studio.http.get("/models/small-cnn/versions/1/file").content)
    assert doc["inputs"] == [{"name": "x", "shape": [None, 1, 28, 28]}]
    assert [(e["from"], e["to"]) for e in doc["edges"]] == [
        ("x", "conv2d1"),
        ("conv2d1", "relu1"),
        ("relu1", "flatten1"),
        ("flatten1", "linear1"),
    ]
    assert doc["outputs"] == ["linear1"]
    assert doc["nodes"][0]["params"] == {"in_channels": 1, "out_channels": 8, "kernel_size": 3}
    page.find_element(By.CSS_SELECTOR, "[data-node='conv2d1']").click()
    wait(
        page, "its form", lambda: "conv2d1" in page.find_element(By.CSS_SELECTOR, ".inspector").text
    )
    screenshot(page, "model-builder")


def test_a_graph_the_service_refuses_shows_the_refusal_on_its_node(page, studio):
    page.get(f"{studio.url}/p/{PROJECT}/builder")
    wait(page, "the library", lambda: page.find_elements(By.CSS_SELECTOR, ".library button"))
    add(page, "Linear", in_features=4)  # out_features left out
    set_field(page, "Save as model", "broken")
    button(page, "Save as new version").click()
    issue = wait(
        page,
        "the issue on the node",
        lambda: page.find_elements(By.CSS_SELECTOR, "[data-node='linear1'] .box-issue"),
    )[0]
    assert "out_features" in issue.get_attribute("title")
    assert "out_features" in field_error(page, field(page, "out_features"))
    screenshot(page, "model-builder-refused")
    assert studio.http.get("/models").json() == []


def test_validation_shows_the_output_shape_of_each_node(page, studio, monkeypatch):
    # the service builds under TROUPE_STUDIO_TORCH_PYTHON (read per call); .venv has no torch
    sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
    from torch_runner import torch_python

    monkeypatch.setenv("TROUPE_STUDIO_TORCH_PYTHON", torch_python())
    build_small_cnn(page, studio)
    button(page, "Save as new version").click()
    wait(page, "the saved version", lambda: page.current_url.endswith("/versions/1/graph"))
    button(page, "Validate").click()
    shape = wait(
        page,
        "the Linear's shape",
        lambda: page.find_elements(By.CSS_SELECTOR, "[data-shape='linear1']"),
        timeout=180,
    )[0]
    assert shape.text == "→ [2, 10]"
    conv = page.find_element(By.CSS_SELECTOR, "[data-shape='conv2d1']").text
    assert conv == "→ [2, 8, 26, 26]"
    screenshot(page, "model-builder-validated")

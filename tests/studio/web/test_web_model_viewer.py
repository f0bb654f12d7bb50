"""The model viewer in a real browser: an ONNX file uploaded on the models page is drawn with the
builder's graph component, each op a box with its output shape, its attributes in the
inspector; an ONNX model with no graph to draw says why instead of showing an empty canvas."""

from __future__ import annotations

from onnx_models import empty_model, tiny_classifier
from pages import PROJECT, button, field, screenshot, wait
from selenium.webdriver.common.by import By


def upload_on_the_models_page(page, studio, name: str, path) -> None:
    page.get(f"{studio.url}/p/{PROJECT}/models")
    field(page, "Name").send_keys(name)
    field(page, "File").send_keys(str(path))
    button(page, "Upload").click()
    wait(page, "the model page", lambda: page.current_url.endswith(f"/models/{name}"))


def open_the_viewer(page) -> None:
    link = wait(
        page,
        "the viewer link",
        lambda: page.find_elements(By.LINK_TEXT, "Open in the model viewer"),
    )
    link[0].click()


def shown_boxes(page) -> dict[str, str]:
    """Box id -> its text, for the boxes the canvas shows (not merely has in the DOM)."""
    return {
        el.get_attribute("data-node"): el.text
        for el in page.find_elements(By.CSS_SELECTOR, "[aria-label='Model graph'] [data-node]")
        if el.is_displayed()
    }


def test_an_uploaded_onnx_model_is_drawn_op_by_op_with_its_shapes(page, studio, tmp_path):
    path = tmp_path / "tiny.onnx"
    path.write_bytes(tiny_classifier())
    upload_on_the_models_page(page, studio, "tiny", path)
    open_the_viewer(page)
    wait(page, "the viewer", lambda: page.current_url.endswith("/models/tiny/versions/1/graph"))
    wait(page, "five boxes", lambda: len(shown_boxes(page)) == 5)
    assert page.find_element(By.ID, "builder-title").text.startswith("Model viewer")
    boxes = shown_boxes(page)
    assert set(boxes) == {"x", "fc_MatMul", "fc_Add", "Relu_2", "soft"}
    assert "MatMul" in boxes["fc_MatMul"] and "Softmax" in boxes["soft"]
    shapes = {
        el.get_attribute("data-shape"): el.text
        for el in page.find_elements(By.CSS_SELECTOR, "[data-shape]")
    }
    assert shapes == {n: "→ [N, 3]" for n in ("fc_MatMul", "fc_Add", "Relu_2", "soft")}
    edges = page.find_elements(By.CSS_SELECTOR, "[aria-label='Model graph'] .react-flow__edge")
    assert len(edges) == 4
    assert not page.find_elements(By.CSS_SELECTOR, ".library")  # nothing to add: view only
    assert not page.find_elements(By.CSS_SELECTOR, "form.save")

    page.find_element(By.CSS_SELECTOR, "[data-node='soft']").click()
    inspector = wait(
        page, "the inspector", lambda: page.find_element(By.CSS_SELECTOR, ".inspector")
    )
    wait(page, "the Softmax's attributes", lambda: '"axis": 1' in inspector.text)
    assert "Unknown layer type" not in inspector.text
    assert "[N, 3]" in inspector.text
    screenshot(page, "model-viewer-onnx")


def test_an_onnx_model_without_ops_says_why_it_is_not_drawn(page, studio, tmp_path):
    path = tmp_path / "empty.onnx"
    path.write_bytes(empty_model())
    upload_on_the_models_page(page, studio, "empty", path)
    open_the_viewer(page)
    alert = wait(page, "the refusal", lambda: page.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    assert "(422)" in alert[0].text and "the ONNX graph has no nodes" in alert[0].text
    assert not page.find_elements(By.CSS_SELECTOR, "[aria-label='Model graph']")
    screenshot(page, "model-viewer-onnx-refused")

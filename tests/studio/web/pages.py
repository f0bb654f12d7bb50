"""What the browser tests do on a page, waiting with a deadline instead of sleeping."""

from __future__ import annotations

import json
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

AXE = Path(__file__).resolve().parents[3] / "studio/web/node_modules/axe-core/axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
PROJECT = "default"  # the one project local mode gives (before the merge: the shim's)


def wait(b: WebDriver, what: str, check, timeout: float = 20):
    """Poll `check` until it is truthy; an element React replaced mid-check is polled again."""
    ignored = (StaleElementReferenceException,)
    return WebDriverWait(b, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(
        lambda _b: check(), message=f"waited {timeout}s for {what}"
    )


def field(b: WebDriver, label: str, within: WebElement | None = None) -> WebElement:
    """The control a <label> names (label for=id), as a user finds it; waits for it to render."""

    def find():
        for lab in (within or b).find_elements(By.TAG_NAME, "label"):
            if lab.text.strip() == label and lab.get_attribute("for"):
                return b.find_element(By.ID, lab.get_attribute("for"))
        return None

    return wait(b, f"a field labelled {label!r}", find, timeout=10)


def field_error(b: WebDriver, control: WebElement) -> str:
    """The message tied to a control by aria-describedby (the service's, next to the field)."""
    ids = (control.get_attribute("aria-describedby") or "").split()
    texts = [b.find_element(By.ID, i).text for i in ids if i.endswith("-err")]
    return " ".join(texts)


def button(b: WebDriver, text: str) -> WebElement:
    """The button with this text or label; waits for it to render."""

    def find():
        for el in b.find_elements(By.TAG_NAME, "button"):
            names = (el.text, el.get_attribute("aria-label"), el.get_attribute("textContent"))
            if text in (" ".join((n or "").split()) for n in names):
                return el
        return None

    return wait(b, f"a button {text!r}", find, timeout=10)


def role_boxes(b: WebDriver) -> dict[str, str]:
    """The run page's role boxes a user sees (shown, not merely in the DOM): name -> state."""
    return {
        el.get_attribute("data-role"): el.get_attribute("data-role-phase")
        for el in b.find_elements(By.CSS_SELECTOR, "[aria-label='Role graph'] [data-role]")
        if el.is_displayed() and el.size["width"] > 0
    }


def screenshot(b: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    b.save_screenshot(str(path))
    return path


def axe(b: WebDriver, name: str) -> list[dict]:
    """axe-core's violations on the page as it is; written next to the screenshots."""
    b.execute_script(AXE.read_text())
    result = b.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    slim = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n.get("target") for n in v["nodes"]][:10],
        }
        for v in result
    ]
    (ARTIFACTS / f"{name}.axe.json").write_text(json.dumps(slim, indent=1))
    return slim

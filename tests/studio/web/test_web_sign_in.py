"""Signing in: local mode needs no token (token mode, against the local cluster's API server:
test_web_token_mode.py)."""

from __future__ import annotations

import httpx
import pytest
from pages import PROJECT, wait
from selenium.webdriver.common.by import By


def test_local_mode_opens_the_last_project_without_a_token(page, studio):
    me = httpx.get(studio.url + "/api/v1/whoami").json()
    if me["mode"] != "local":
        pytest.skip("the service runs in token mode")
    page.get(studio.url + "/")
    wait(page, "the datasets page", lambda: page.current_url.endswith(f"/p/{PROJECT}/datasets"))
    assert me["username"] in page.find_element(By.CSS_SELECTOR, ".user").text
    assert not page.find_elements(By.CSS_SELECTOR, ".signin")

"""Signing in: local mode needs no token; in token mode a page without a token asks for one
and a token the service refuses is said to be refused."""

from __future__ import annotations

import httpx
import pytest
from pages import PROJECT, button, field, field_error, screenshot, wait
from selenium.webdriver.common.by import By


def test_local_mode_opens_the_last_project_without_a_token(page, studio):
    me = httpx.get(studio.url + "/api/v1/whoami").json()
    if me["mode"] != "local":
        pytest.skip("the service runs in token mode")
    page.get(studio.url + "/")
    wait(page, "the datasets page", lambda: page.current_url.endswith(f"/p/{PROJECT}/datasets"))
    assert me["username"] in page.find_element(By.CSS_SELECTOR, ".user").text
    assert not page.find_elements(By.CSS_SELECTOR, ".signin")


def test_a_refused_token_is_said_to_be_refused(page, studio):
    if httpx.get(studio.url + "/api/v1/whoami").status_code != 401:
        pytest.skip("the service runs in local mode: nothing to sign in to")
    page.get(studio.url + "/")
    wait(page, "the sign-in page", lambda: page.find_elements(By.CSS_SELECTOR, ".signin"))
    screenshot(page, "sign-in")
    field(page, "Kubernetes token").send_keys("not-a-token")
    button(page, "Sign in").click()
    message = wait(page, "the refusal", lambda: field_error(page, field(page, "Kubernetes token")))
    assert "401" in message

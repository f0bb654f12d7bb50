"""Fixtures of the browser tests: the real service (versitygw, SQLite/PostgreSQL) serving the
built pages, and Debian's chromium driven headless by Selenium through chromium-driver.

The pages call the contract's project routes (/api/v1/projects/{p}/datasets, whoami,
projects). Where the service under test does not have them yet (before the access and
service branches are merged), `ContractShim` maps them onto today's routes; it steps aside
by itself for every route the app already serves, so after the merge it does nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from pages import ARTIFACTS, PROJECT
from servers import Service

from troupe_studio.app import create_app
from troupe_studio.http.web import STATIC

MOVED = re.compile(r"^/api/v1/projects/[^/]+/(datasets|algorithms|layers|models)(/.*)?$")


class ContractShim:
    """ASGI wrapper: contract paths the app lacks go to today's artifact routes; whoami and
    projects answer local mode with one project (what `--auth local` gives)."""

    def __init__(self, app):
        self.app = app
        paths = {getattr(r, "path", "") for r in app.routes}
        self.moved = "/api/v1/projects/{project}/datasets" not in paths
        self.local = {p for p in ("/api/v1/whoami", "/api/v1/projects") if p not in paths}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope["path"]
            if path in self.local:
                body = (
                    {"username": "local", "groups": [], "mode": "local"}
                    if path.endswith("whoami")
                    else [{"name": PROJECT}]
                )
                return await self.json(send, body)
            if self.moved and (m := MOVED.match(path)):
                new = f"/api/v1/{m[1]}{m[2] or ''}"
                scope = {**scope, "path": new, "raw_path": new.encode()}
        await self.app(scope, receive, send)

    @staticmethod
    async def json(send, body):
        raw = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(raw))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": raw})


@pytest.fixture(scope="session", autouse=True)
def built_pages():
    if not (STATIC / "index.html").is_file():
        if os.environ.get("TROUPE_REQUIRE_BROWSER") == "1":  # .ci/run
            pytest.fail("the web pages are not built: make web")
        pytest.skip("the web pages are not built (make web)")


@pytest.fixture(scope="session")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("TROUPE_REQUIRE_BROWSER") == "1":  # .ci/run
            pytest.fail("chromium is not installed: apt-get install -y chromium chromium-driver")
        pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1440,1000")
    b = webdriver.Chrome(options=opts, service=DriverService(driver))
    b.set_page_load_timeout(60)
    yield b
    b.quit()


@pytest.fixture
def studio(settings):
    app = create_app(settings)
    svc = Service(ContractShim(app)).start()
    svc.schema, svc.settings = app.openapi(), settings
    svc.routes = {getattr(r, "path", "") for r in app.routes}  # WebSockets are not in the schema
    yield svc
    svc.stop()


@pytest.fixture
def page(browser, studio):
    """The browser at the service, with its storage cleared, and the artifacts dir ready."""
    ARTIFACTS.mkdir(exist_ok=True)
    browser.get(studio.url + "/api/v1/health")
    browser.delete_all_cookies()
    browser.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")
    return browser

"""Fixtures of the browser tests: the real service (versitygw, SQLite/PostgreSQL) serving the
built pages, and Debian's chromium driven headless by Selenium through chromium-driver; for
runs, the service against the local cluster's kwok nodes (kwok_namespace, kwok_studio).
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from pages import ARTIFACTS
from servers import Service

from troupe_studio.app import create_app
from troupe_studio.http.web import STATIC


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
    svc = Service(app).start()
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


@pytest.fixture
def kwok_namespace():
    """A namespace of the test's own on the local cluster (its project there), whose pods land
    on kwok nodes: no image is pulled, tests/support/logs.py gives them logs. Skipped without
    the cluster. A module's `studio` fixture returning kwok_studio puts `page` there."""
    from kubernetes import client, config

    from support.cluster import running_cluster
    from support.operator import install_crds

    kubeconfig = running_cluster()
    install_crds(kubeconfig)  # its runs are TrainingJobs, whatever test ran before
    core = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    name = f"t-web-kwok-{uuid.uuid4().hex[:6]}"
    core.create_namespace({"metadata": {"name": name, "labels": {"troupe.dev/test": "true"}}})
    yield kubeconfig, core, name
    core.delete_namespace(name, propagation_policy="Background")


@pytest.fixture
def kwok_studio(kwok_namespace, tmp_path):
    """The service against the local cluster, in local mode (a module's `studio` returns it)."""
    from support.operator import OperatorProcess
    from support.studio import start_studio

    kubeconfig, core, ns = kwok_namespace
    operator = OperatorProcess(kubeconfig, tmp_path / "operator.log", "-n", ns)
    operator.start()
    svc = start_studio(kubeconfig, core, tmp_path)
    svc.project = ns
    yield svc
    svc.stop()
    operator.stop()

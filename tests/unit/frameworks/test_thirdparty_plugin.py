"""A framework from a separate pip package is found through the entry point alone."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest
from plugin_cases import env, host, job_context

from troupe.core.framework import get_framework, installed_frameworks

PACKAGE = Path(__file__).parents[2] / "fixtures" / "thirdparty_plugin"


@pytest.fixture(scope="module")
def echo_installed():
    """`pip install -e` the fixture package once, as a user installs a plugin."""
    try:
        metadata.distribution("troupe-echo-framework")
    except metadata.PackageNotFoundError:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "-e",
                str(PACKAGE),
            ],
            check=True,
        )
        site.addsitedir(sysconfig.get_paths()["purelib"])  # read the new editable .pth


def test_thirdparty_framework_is_found_through_entry_points(echo_installed):
    assert "echo" in installed_frameworks()
    plugin = get_framework("echo")
    assert type(plugin).__module__ == "troupe_echo"
    job = job_context("echo", "[{name: server}, {name: client, replicas: 2}]")
    assert env(job, "client", 1) == {"ECHO_SERVER": f"{host('server', 0)}:7007"}
    assert job.spec.status_policy.success.roles == ["client"]


def test_thirdparty_framework_validates_with_field_paths(echo_installed):
    from plugin_cases import errors

    assert errors("echo", "[{name: client}]") == [("spec.roles", 'echo needs a "server" role')]

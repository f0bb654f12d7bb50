"""Threads carry their names into the OS, where per-thread CPU is read."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from troupe.runtime.osthread import name_os_thread


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl names are Linux's")
def test_a_thread_is_listed_under_its_name():
    seen = {}

    def run():
        name_os_thread()
        seen["comm"] = Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text()

    thread = threading.Thread(target=run, name="troupe-status-12-and-more")
    thread.start()
    thread.join()
    assert seen["comm"].strip() == "troupe-status-1"  # the kernel keeps 15 bytes

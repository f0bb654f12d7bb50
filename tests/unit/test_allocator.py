"""glibc's malloc settings: the arena cap takes, and trimming hands free memory back."""

from __future__ import annotations

import gc
import os
import sys

import pytest

from troupe.runtime import allocator

glibc = pytest.mark.skipif(
    allocator._glibc() is None or not sys.platform.startswith("linux"), reason="glibc only"
)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@glibc
def test_the_arena_cap_is_accepted():
    assert allocator.limit_arenas(8)  # this test process's own default on most machines


@glibc
def test_trim_returns_memory_freed_below_a_live_allocation():
    # 60 MB of malloc'd blocks (bytes over 512 bytes bypass Python's small-object pools),
    # then one more that stays: the heap can no longer shrink from its top by itself
    blocks = [bytes(1024) for _ in range(60_000)]
    pinned = bytes(1024)
    del blocks
    gc.collect()
    before = _rss_bytes()
    assert allocator.trim()
    assert before - _rss_bytes() > 30_000_000
    assert pinned


def test_trimming_thread_runs_only_where_it_can_trim():
    thread = allocator.keep_trimming(every=3600)
    assert (thread is not None) == (allocator._glibc() is not None)
    if thread:
        assert thread.daemon and thread.name == "troupe-trim"

"""jax.distributed.initialize forms a 2-process group from the env the jax plugin renders."""

from __future__ import annotations

import pytest
from conftest import manifest, run_pods, script

pytestmark = pytest.mark.contract


def test_two_processes_initialize_and_allgather(python_of, cluster):
    pods = cluster(manifest("jax", {"worker": 2}))
    results = run_pods(pods, [python_of("jax"), script("jax_psum.py")], timeout=180)
    assert sorted(r["process"] for r in results.values()) == [0, 1]
    assert all(r["count"] == 2 and r["devices"] == 2 and r["sum"] == 3 for r in results.values())

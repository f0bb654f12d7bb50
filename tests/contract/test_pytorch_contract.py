"""torch.distributed forms a gloo group from the env the pytorch plugin renders."""

from __future__ import annotations

import pytest
from conftest import manifest, run_pods, script

pytestmark = pytest.mark.contract


def test_gloo_all_reduce_across_master_and_two_workers(python_of, cluster):
    pods = cluster(manifest("pytorch", {"master": 1, "worker": 2}, name="mnist"))
    results = run_pods(pods, [python_of("torch"), script("torch_allreduce.py")], timeout=180)
    assert {r["rank"] for r in results.values()} == {0, 1, 2}
    assert all(r["world"] == 3 and r["sum"] == 6.0 for r in results.values())
    assert results["mnist-master-0"]["rank"] == 0
    assert results["mnist-worker-1"]["hostname"] == "mnist-worker-1"
    assert {r["master"] for r in results.values()} == {"mnist-master-0.mnist-master.team-a.svc"}

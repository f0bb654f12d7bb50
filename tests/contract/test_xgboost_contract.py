"""XGBoost's collective joins master and worker through the env the xgboost plugin renders."""

from __future__ import annotations

import pytest
from conftest import manifest, run_pods, script

pytestmark = pytest.mark.contract


def test_master_and_worker_train_one_model_over_the_tracker(python_of, cluster):
    pods = cluster(manifest("xgboost", {"master": 1, "worker": 1}))
    results = run_pods(pods, [python_of("xgboost"), script("xgboost_train.py")], timeout=180)
    assert {r["rank"] for r in results.values()} == {0, 1}
    assert all(r["world"] == 2 and r["sum"] == 3.0 for r in results.values())
    assert results["train-master-0"]["rank"] == 0  # DMLC_TASK_ID decides the rank
    assert results["train-master-0"]["trees"] == results["train-worker-0"]["trees"] == 3

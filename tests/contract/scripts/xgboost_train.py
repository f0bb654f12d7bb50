"""One pod of an XGBoostJob: rank 0 runs the tracker; all train one model together.

XGBoost 3 reads no environment itself: the script hands the rendered DMLC_* values to the
communicator, and starts the tracker from MASTER_PORT and WORLD_SIZE as Kubeflow
XGBoostJob scripts do.
"""

import json
import os

import numpy as np
import xgboost as xgb
from xgboost import collective
from xgboost.tracker import RabitTracker

rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
tracker = None
if rank == 0:
    tracker = RabitTracker(
        n_workers=world, host_ip="0.0.0.0", port=int(os.environ["MASTER_PORT"]), sortby="task"
    )
    tracker.start()

with collective.CommunicatorContext(
    dmlc_tracker_uri=os.environ["DMLC_TRACKER_URI"],
    dmlc_tracker_port=int(os.environ["DMLC_TRACKER_PORT"]),
    dmlc_task_id=os.environ["DMLC_TASK_ID"],
):
    rng = np.random.default_rng(collective.get_rank())
    x = rng.normal(size=(200, 4))
    y = (x[:, 0] > 0).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 2},
        xgb.DMatrix(x, y),
        num_boost_round=3,
    )
    summed = collective.allreduce(np.array([rank + 1.0]), collective.Op.SUM)
    result = {
        "rank": collective.get_rank(),
        "world": collective.get_world_size(),
        "sum": float(summed[0]),
        "trees": len(booster.get_dump()),
    }
if tracker is not None:
    tracker.wait_for()
print(json.dumps(result))

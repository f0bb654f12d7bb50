"""Train a booster on the dataset the job fetched; save it where the job uploads results.

Inputs and outputs come from the job's spec.artifacts: TROUPE_INPUT_DATASET is the CSV,
TROUPE_OUTPUT_DIR the directory uploaded when the container ends. One metric line per
round (`TROUPE_METRIC {json}`) is what Troupe Studio charts.
"""

import json
import os
import sys

import numpy as np
import xgboost as xgb

rows = np.loadtxt(os.environ["TROUPE_INPUT_DATASET"], delimiter=",", skiprows=1)
features, labels = rows[:, :-1], rows[:, -1]
print(f"dataset: {len(rows)} rows, {features.shape[1]} features", flush=True)
train = xgb.DMatrix(features, label=labels)
out = os.environ["TROUPE_OUTPUT_DIR"]
history: dict = {}
booster = xgb.train(
    {"objective": "binary:logistic", "eval_metric": "logloss", "max_depth": 3},
    train,
    num_boost_round=int(os.environ.get("ROUNDS", "20")),
    evals=[(train, "train")],
    evals_result=history,
    verbose_eval=False,
)
for step, loss in enumerate(history["train"]["logloss"]):
    print("TROUPE_METRIC " + json.dumps({"step": step, "loss": loss}), flush=True)
booster.save_model(os.path.join(out, "model.json"))
print(f"final logloss {history['train']['logloss'][-1]:.4f}; saved model.json", flush=True)
if os.environ.get("FAIL_AFTER_CHECKPOINT"):  # the tests' failing run: its output still uploads
    sys.exit("failing on purpose after the checkpoint")

"""One pod of a TFJob: MultiWorkerMirroredStrategy from TF_CONFIG, one all-reduce step."""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

strategy = tf.distribute.MultiWorkerMirroredStrategy()
task = json.loads(os.environ["TF_CONFIG"])["task"]
value = strategy.run(lambda: tf.constant(float(task["index"] + 1)))
total = strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None)
print(
    json.dumps(
        {
            "task": task,
            "replicas": strategy.num_replicas_in_sync,
            "sum": float(total.numpy()),
        }
    )
)

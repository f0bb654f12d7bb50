"""Read every task's TF_CONFIG (a JSON list on stdin) with TensorFlow's own resolver."""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

TFConfigClusterResolver = tf.distribute.cluster_resolver.TFConfigClusterResolver

resolved = []
for tf_config in json.load(sys.stdin):
    os.environ["TF_CONFIG"] = tf_config
    resolver = TFConfigClusterResolver()
    try:
        master = resolver.master()
    except ValueError:  # a task outside the cluster (the evaluator) has no address
        master = None
    resolved.append(
        {
            "cluster": resolver.cluster_spec().as_dict(),
            "task": [resolver.task_type, resolver.task_id],
            "master": master,
            "rpc_layer": resolver.rpc_layer,
        }
    )
print(json.dumps(resolved))

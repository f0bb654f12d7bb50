"""One pod of a JAX job: initialize from the env alone, then a cross-process sum."""

import json
import os

import jax

jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(  # the coordinator address comes from JAX_COORDINATOR_ADDRESS
    num_processes=int(os.environ["JAX_NUM_PROCESSES"]),
    process_id=int(os.environ["JAX_PROCESS_ID"]),
)
from jax.experimental import multihost_utils  # noqa: E402

total = multihost_utils.process_allgather(jax.numpy.array([jax.process_index() + 1])).sum()
print(
    json.dumps(
        {
            "process": jax.process_index(),
            "count": jax.process_count(),
            "devices": jax.device_count(),
            "sum": int(total),
        }
    )
)
jax.distributed.shutdown()

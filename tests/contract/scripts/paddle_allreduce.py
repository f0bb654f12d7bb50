"""The training process paddle.distributed.launch starts on each pod: one all-reduce."""

import json
import os

import paddle
import paddle.distributed as dist

dist.init_parallel_env()
value = paddle.to_tensor([float(dist.get_rank() + 1)])
dist.all_reduce(value)
print(
    json.dumps(
        {
            "rank": dist.get_rank(),
            "world": dist.get_world_size(),
            "sum": float(value.numpy()[0]),
            "trainer_id": os.environ["PADDLE_TRAINER_ID"],
        }
    )
)

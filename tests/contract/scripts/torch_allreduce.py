"""One pod of a PyTorchJob: join the gloo group from the env alone and all-reduce."""

import json
import os
import socket
from datetime import timedelta

import torch
import torch.distributed as dist

dist.init_process_group("gloo", init_method="env://", timeout=timedelta(seconds=60))
value = torch.tensor([float(dist.get_rank() + 1)])
dist.all_reduce(value)
print(
    json.dumps(
        {
            "rank": dist.get_rank(),
            "world": dist.get_world_size(),
            "sum": value.item(),
            "hostname": socket.gethostname(),
            "master": os.environ["MASTER_ADDR"],
        }
    )
)
dist.destroy_process_group()

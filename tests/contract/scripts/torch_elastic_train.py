"""One torchrun worker: gloo training that checkpoints every step, so a new round continues.

Env: CKPT (checkpoint path on storage every pod shares), STEPS (last step), RESULTS (a
directory; each pod writes <hostname>.json when training ends), STEP_SECONDS.
Logs `step <n> world <w> rank <r>` to stderr after every step.
"""

import json
import os
import socket
import sys
import time

import torch
import torch.distributed as dist

ckpt, steps = os.environ["CKPT"], int(os.environ["STEPS"])
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
start = 0
if os.path.exists(ckpt):  # an earlier round got this far: continue from there
    state = torch.load(ckpt)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    start = state["step"]
dist.barrier()  # every rank has read the checkpoint before rank 0 writes the next one
print(f"round start {start} world {world} rank {rank}", file=sys.stderr, flush=True)
data = torch.Generator().manual_seed(rank)
step = start
for step in range(start + 1, steps + 1):
    loss = (model(torch.randn(8, 4, generator=data)) - 1).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world
    opt.step()
    if rank == 0:  # write-then-rename: a kill never leaves half a checkpoint
        torch.save(
            {"step": step, "model": model.state_dict(), "opt": opt.state_dict()}, ckpt + ".tmp"
        )
        os.replace(ckpt + ".tmp", ckpt)
    print(f"step {step} world {world} rank {rank}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("STEP_SECONDS", "0.1")))
dist.barrier()
result = {
    "step": step,
    "round_start": start,
    "world": world,
    "rank": rank,
    "restart": int(os.environ["TORCHELASTIC_RESTART_COUNT"]),
    "run_id": os.environ["TORCHELASTIC_RUN_ID"],
    "master_addr": os.environ["MASTER_ADDR"],
}
with open(os.path.join(os.environ["RESULTS"], socket.gethostname() + ".json"), "w") as f:
    json.dump(result, f)
dist.destroy_process_group()

"""Jobs the step tests share, written as users write them (with the planner tests' builder)."""

from test_planner import C, job

__all__ = ["C", "job", "WORKERS", "PS_WORKER"]

WORKERS = job(f"    - {{name: worker, replicas: 2, {C}}}")
PS_WORKER = job(f"    - {{name: ps, {C}}}\n    - {{name: worker, {C}}}")

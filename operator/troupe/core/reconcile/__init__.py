"""The reconcile pass as named steps, one module each, run in this order by planner.plan:

validate -> finished (cleanup, ttl) -> suspend -> queue gate -> for a running job (run.py):
deadline, backoff, whole-job or instance restarts (restart.py), role states and elastic
membership, the job's verdict, stray deletion, gating and creates (create.py), and the
status (status.py), with cleanup and TTL once the job finishes.

Each step is a small pure function; the ones of a running job share one `Pass` (state.py).
"""

"""Jobs the step tests share, written as users write them."""

C = "template: {spec: {containers: [{name: main, image: busybox}]}}"


def job(roles: str, run_policy: str = "{}", framework: str = "generic") -> str:
    return f"""
metadata: {{name: j}}
spec:
  framework: {framework}
  runPolicy: {run_policy}
  roles:
{roles}
"""


WORKERS = job(f"    - {{name: worker, replicas: 2, {C}}}")
PS_WORKER = job(f"    - {{name: ps, {C}}}\n    - {{name: worker, {C}}}")

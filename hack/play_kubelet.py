"""Drive a demo job to its end on kwok nodes: finish each pod as its command would.

Roles that finish (not Always) exit 0 once Running; the job's own status tells us when
it is over. Prints the job's phase as it changes.
"""

from __future__ import annotations

import sys
import time

from kubernetes import client, config

sys.path.insert(0, "tests")
from support.kubelet import finish_pod  # noqa: E402


def main(job: str, namespace: str, timeout: float = 180) -> int:
    config.load_kube_config()
    core, custom = client.CoreV1Api(), client.CustomObjectsApi()
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        tj = custom.get_namespaced_custom_object(
            "troupe.dev", "v1alpha1", namespace, "trainingjobs", job
        )
        phase = (tj.get("status") or {}).get("phase")
        if phase != last:
            print(f"job {job}: {phase}", flush=True)
            last = phase
        if phase in ("Succeeded", "Failed"):
            return 0 if phase == "Succeeded" else 1
        pods = core.list_namespaced_pod(namespace, label_selector=f"troupe.dev/job-name={job}")
        for pod in pods.items:
            if pod.status.phase == "Running" and pod.spec.restart_policy != "Always":
                finish_pod(core, namespace, pod.metadata.name, exit_code=0)
                print(f"  pod {pod.metadata.name} exited 0", flush=True)
        time.sleep(1)
    print("timed out", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

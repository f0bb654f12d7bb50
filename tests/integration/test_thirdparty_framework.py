"""A framework Troupe does not ship, pip-installed next to the operator, runs a job.

`tests/fixtures/thirdparty_plugin` registers `echo` through the `troupe.frameworks` entry
point only; the operator process finds it the way it finds the built-in ones.
"""

from __future__ import annotations

from support.jobs import Jobs, apply, job_manifest
from support.kubelet import finish_pod


def test_entry_point_plugin_shapes_a_job_end_to_end(kubeconfig, namespace, core, custom, operator):
    jobs = Jobs(core, custom, namespace)
    apply(
        kubeconfig,
        namespace,
        job_manifest(
            "echo",
            [
                {"name": "server", "replicas": 1, "restartPolicy": "Always"},
                {"name": "client", "replicas": 2, "restartPolicy": "OnFailure"},
            ],
            framework="echo",
        ),
    )
    clients = jobs.wait_pods("echo", 2, "client", running=True)
    server_host = f"echo-server-0.echo-server.{namespace}.svc"
    for pod in clients:
        env = {e.name: e.value for e in pod.spec.containers[0].env}
        assert env["ECHO_SERVER"] == f"{server_host}:7007"
        assert pod.metadata.labels["troupe.dev/framework"] == "echo"
    for pod in clients:
        finish_pod(core, namespace, pod.metadata.name, exit_code=0)
    # the plugin's status policy: the job succeeds with its clients, the server is ignored
    jobs.wait_phase("echo", "Succeeded")

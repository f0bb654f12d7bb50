"""Faults on the real node: an image that is not there, the kubelet or containerd killed
mid-job, and what the cluster's DNS and Services give a pod."""

from __future__ import annotations

import pytest

from support.realnode import (
    BASE,
    containerd_tasks,
    kill_component,
    logs,
    require,
    run,
    shell,
    start_node,
)
from support.waiting import wait_for

pytestmark = pytest.mark.realnode


@pytest.fixture(autouse=True)
def real_node(core):
    return require(core, (BASE,))


@pytest.mark.parametrize(
    "policy, reasons",
    [
        ("Never", {"ErrImageNeverPull"}),
        # a pull from `localhost` (this machine, nothing listens on 443): refused at once
        ("IfNotPresent", {"ErrImagePull", "ImagePullBackOff"}),
    ],
)
def test_an_image_not_built_here_is_named_in_status_and_events(
    policy, reasons, kubeconfig, namespace, jobs, core
):
    image = "localhost/troupe/not-built:1"
    template = shell("true", image=image, imagePullPolicy=policy)
    run(kubeconfig, namespace, "noimage", [{"name": "worker", "template": template}])

    def reported():
        stuck = jobs.status("noimage").get("stuckPods") or []
        return (
            stuck and stuck[0]["reason"] in reasons and image in jobs.status("noimage")["message"]
        )

    wait_for(
        reported,
        timeout=90,
        what=f"the missing image and {reasons} in the job's status",
        show=lambda: jobs.status("noimage"),
    )
    events = core.list_namespaced_event(
        namespace, field_selector="involvedObject.kind=TrainingJob,involvedObject.name=noimage"
    ).items
    warnings = [e for e in events if e.type == "Warning" and image in (e.message or "")]
    assert warnings and warnings[0].reason in reasons, [e.message for e in events]


@pytest.mark.parametrize("component", ["kubelet", "containerd"])
def test_a_job_survives_its_node_component_killed_mid_run(
    component, kubeconfig, namespace, jobs, core
):
    name = f"survive-{component}"
    run(
        kubeconfig,
        namespace,
        name,
        [
            {
                "name": "worker",
                "replicas": 2,
                "restartPolicy": "OnFailure",
                "template": shell("echo started; sleep 25; echo finished"),
            },
        ],
    )
    wait_for(
        lambda: (
            len(pods := jobs.pods(name)) == 2 and all(p.status.phase == "Running" for p in pods)
        ),
        timeout=60,
        what="both workers running",
    )
    uids = {p.metadata.name: p.metadata.uid for p in jobs.pods(name)}
    assert len(containerd_tasks(namespace)) == 4  # two pause sandboxes, two containers
    kill_component(component)
    start_node(kubeconfig)
    jobs.wait_phase(name, "Succeeded", timeout=120)
    for pod in jobs.pods(name):
        assert pod.metadata.uid == uids[pod.metadata.name]  # the pods ran on, not recreated
        assert "finished" in logs(core, namespace, pod.metadata.name)
    # Nothing orphaned: once the pods have ended, containerd runs nothing of theirs.
    wait_for(
        lambda: not containerd_tasks(namespace),
        timeout=60,
        what="no running container of the finished job left in containerd",
        show=lambda: containerd_tasks(namespace),
    )


def test_pods_resolve_each_other_and_reach_a_cluster_ip_service(kubeconfig, namespace, jobs, core):
    server = shell(
        "mkdir -p /srv && echo hello-from-$HOSTNAME > /srv/index.html && "
        "exec python3 -m http.server 8080 -d /srv",
        readinessProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 1},
    )
    core.create_namespaced_service(
        namespace,
        {
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"troupe.dev/job-name": "net", "troupe.dev/role": "server"},
                "ports": [{"port": 80, "targetPort": 8080}],
            },
        },
    )
    client_cmd = (
        "python3 - <<'PY'\n"
        "import os, socket, urllib.request\n"
        "ns = os.environ['TROUPE_NAMESPACE']\n"
        "host = f'net-server-0.net-server.{ns}.svc'\n"
        "print('pod dns', host, socket.gethostbyname(host))\n"
        "print('service', urllib.request.urlopen(f'http://web.{ns}.svc', timeout=10).read())\n"
        "PY"
    )
    run(
        kubeconfig,
        namespace,
        "net",
        [
            {
                "name": "server",
                "restartPolicy": "Always",
                "statusPolicy": {"ignoreForJob": True},
                "template": server,
            },
            {
                "name": "client",
                "dependsOn": [{"role": "server", "condition": "Ready"}],
                "template": shell(client_cmd),
            },
        ],
    )
    server = jobs.wait_pods("net", 1, "server", running=True, timeout=90)[0]
    jobs.wait_phase("net", "Succeeded", timeout=120)
    out = logs(core, namespace, "net-client-0")
    assert f"pod dns net-server-0.net-server.{namespace}.svc {server.status.pod_ip}" in out, out
    assert "hello-from-net-server-0" in out, out

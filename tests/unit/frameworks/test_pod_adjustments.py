"""Pods and extra objects as rendered through the core: ports, mounts, probes, MPI objects."""

from __future__ import annotations

import pytest
from plugin_cases import container, host, job_context, pod, pod_env

from troupe.core import render
from troupe.core.framework import get_framework
from troupe_frameworks import _common, mpi

TEMPLATE = "template: {spec: {containers: [{name: sidecar}, {name: %s}]}}"


@pytest.mark.parametrize(
    "framework, role, port_name, port",
    [
        ("pytorch", "master", "pytorchjob-port", 23456),
        ("tensorflow", "worker", "tfjob-port", 2222),
        ("xgboost", "master", "xgboostjob-port", 9999),
        ("paddle", "master", "master", 36543),
        ("jax", "worker", "jaxjob-port", 6666),
    ],
)
def test_framework_port_is_declared_on_the_framework_container(framework, role, port_name, port):
    job = job_context(framework, f"[{{name: {role}, {TEMPLATE % framework}}}]")
    sidecar, target = pod(job, role, 0)["spec"]["containers"]
    assert target["name"] == framework
    assert target["ports"] == [{"name": port_name, "containerPort": port}]
    assert "ports" not in sidecar


def test_a_port_the_user_declared_is_kept_not_duplicated():
    ports = [{"name": "pytorchjob-port", "containerPort": 29500}]
    job = job_context(
        "pytorch",
        f"[{{name: master, template: {{spec: {{containers: [{{name: x, ports: {ports}}}]}}}}}}]",
    )
    assert pod(job, "master", 0)["spec"]["containers"][0]["ports"] == ports
    assert pod_env(pod(job, "master", 0))["MASTER_PORT"]["value"] == "29500"


def test_framework_env_reaches_every_container_and_user_env_wins():
    job = job_context(
        "pytorch",
        "[{name: master, template: {spec: {containers: "
        "[{name: pytorch, env: [{name: MASTER_PORT, value: '1234'}]}, {name: sidecar}]}}}]",
    )
    rendered = pod(job, "master", 0)
    assert pod_env(rendered, 0)["MASTER_PORT"]["value"] == "1234"
    assert pod_env(rendered, 1)["MASTER_ADDR"]["value"] == host("master", 0)
    assert pod_env(rendered, 1)["TROUPE_ROLE"]["value"] == "master"


def test_paddle_pods_learn_their_ip_from_the_downward_api():
    job = job_context(
        "paddle", "[{name: worker, template: {spec: {containers: [{name: paddle}]}}}]"
    )
    assert pod_env(pod(job, "worker", 0))["POD_IP"] == {
        "name": "POD_IP",
        "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}},
    }


MPI_ROLES = (
    "[{name: launcher, template: {spec: {containers: [{name: mpi}]}}},"
    " {name: worker, replicas: 2, template: {metadata: {annotations: %s},"
    " spec: {containers: [{name: mpi, resources: %s}]}}}]"
)


@pytest.mark.parametrize(
    "annotations, resources, slots",
    [
        ("{}", "{}", 1),
        ("{}", "{limits: {cpu: '4'}}", 4),
        ("{}", "{limits: {cpu: 2500m}}", 2),
        ("{}", "{limits: {cpu: '4', nvidia.com/gpu: 2}}", 2),
        ("{mpi.troupe.dev/slots-per-worker: '8'}", "{limits: {nvidia.com/gpu: 2}}", 8),
    ],
)
def test_mpi_hostfile_lists_every_worker_with_its_slots(annotations, resources, slots):
    job = job_context("mpi", MPI_ROLES % (annotations, resources))
    config_map = render.render_extra_objects(job, get_framework("mpi"))[0]
    assert config_map["metadata"]["name"] == "demo-mpi"
    assert config_map["metadata"]["namespace"] == "ns"
    assert config_map["data"]["hostfile"] == (
        f"{host('worker', 0)} slots={slots}\n{host('worker', 1)} slots={slots}\n"
    )


def test_mpi_ssh_secret_holds_one_openssh_key_pair_per_job():
    job = job_context("mpi", MPI_ROLES % ("{}", "{}"))
    plugin = get_framework("mpi")
    secret = plugin.extra_objects(job)[1]
    assert (secret["metadata"]["name"], secret["type"]) == (
        "demo-mpi-ssh",
        "kubernetes.io/ssh-auth",
    )
    data = secret["stringData"]
    assert data["ssh-privatekey"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert data["ssh-publickey"].startswith("ssh-ed25519 ")
    assert data["authorized_keys"] == data["ssh-publickey"]
    assert plugin.extra_objects(job)[1] == secret  # a second reconcile renders the same Secret
    other = mpi.ssh_key_pair("another-uid", "demo")
    assert other[0] != data["ssh-privatekey"]


def test_mpi_keys_are_mounted_everywhere_hostfile_only_on_the_launcher():
    job = job_context("mpi", MPI_ROLES % ("{}", "{}"))
    launcher, worker = pod(job, "launcher", 0), pod(job, "worker", 1)
    mounts = {c["mountPath"] for c in launcher["spec"]["containers"][0]["volumeMounts"]}
    assert mounts == {"/root/.ssh", "/etc/mpi"}
    assert [m["mountPath"] for m in worker["spec"]["containers"][0]["volumeMounts"]] == [
        "/root/.ssh"
    ]
    ssh = next(v for v in worker["spec"]["volumes"] if v["name"] == "mpi-ssh")
    assert ssh["secret"]["secretName"] == "demo-mpi-ssh"
    assert ssh["secret"]["defaultMode"] == 0o600


def test_mpi_worker_is_ready_when_sshd_listens_unless_the_user_says_otherwise():
    job = job_context("mpi", MPI_ROLES % ("{}", "{}"))
    probe = pod(job, "worker", 0)["spec"]["containers"][0]["readinessProbe"]
    assert probe["tcpSocket"] == {"port": 22}
    assert "readinessProbe" not in pod(job, "launcher", 0)["spec"]["containers"][0]
    custom = job_context(
        "mpi",
        "[{name: launcher}, {name: worker, template: {spec: {containers: "
        "[{name: mpi, readinessProbe: {exec: {command: [true]}}}]}}}]",
    )
    assert pod(custom, "worker", 0)["spec"]["containers"][0]["readinessProbe"] == {
        "exec": {"command": [True]}
    }


@pytest.mark.parametrize(
    "resources, resource, expected",
    [
        ({"limits": {"nvidia.com/gpu": 2}}, "nvidia.com/gpu", 2),
        ({"requests": {"cpu": "3"}}, "cpu", 3),
        ({"limits": {"cpu": "500m"}}, "cpu", None),
        ({"limits": {"cpu": "1.5"}}, "cpu", None),
        ({}, "cpu", None),
    ],
)
def test_resource_count_reads_whole_units_only(resources, resource, expected):
    job = job_context(
        "generic",
        f"[{{name: w, template: {{spec: {{containers: [{container(resources=resources)}]}}}}}}]",
    )
    assert _common.resource_count(job.spec, "w", "main", resource) == expected


def test_mpi_keys_reach_a_private_ssh_dir_through_an_init_container():
    # sshd's StrictModes refuses a Secret volume's 1777 directory (seen on a real kubelet).
    job = job_context("mpi", MPI_ROLES % ("{}", "{}"))
    worker = pod(job, "worker", 0)["spec"]
    setup = worker["initContainers"][0]
    assert setup["name"] == "mpi-ssh-setup"
    assert setup["image"] == worker["containers"][0].get("image", "")
    assert {m["name"]: m["mountPath"] for m in setup["volumeMounts"]} == {
        "mpi-ssh": "/etc/mpi-ssh",
        "mpi-ssh-home": "/root/.ssh",
    }
    assert "chmod 700 /root/.ssh" in setup["command"][-1]
    home = next(v for v in worker["volumes"] if v["name"] == "mpi-ssh-home")
    assert home["emptyDir"] == {"medium": "Memory"}  # the private key never touches disk
    assert worker["containers"][0]["volumeMounts"] == [
        {"name": "mpi-ssh-home", "mountPath": "/root/.ssh"}
    ]


def test_xgboost_master_is_ready_once_its_tracker_listens_and_reaches_it_by_pod_ip():
    job = job_context(
        "xgboost",
        f"[{{name: master, {TEMPLATE % 'xgboost'}}}, {{name: worker, {TEMPLATE % 'xgboost'}}}]",
    )
    sidecar, master = pod(job, "master", 0)["spec"]["containers"]
    assert master["startupProbe"]["tcpSocket"] == {"port": 9999}
    assert "startupProbe" not in sidecar
    ref = pod_env(pod(job, "master", 0), 1)["DMLC_TRACKER_URI"]["valueFrom"]["fieldRef"]
    assert ref["fieldPath"] == "status.podIP"
    worker = pod(job, "worker", 0)
    assert not any("startupProbe" in c for c in worker["spec"]["containers"])
    assert pod_env(worker, 1)["DMLC_TRACKER_URI"]["value"] == host("master", 0)


def test_xgboost_keeps_a_probe_and_a_tracker_address_the_user_set():
    probe = {"exec": {"command": ["true"]}}
    env = [{"name": "DMLC_TRACKER_URI", "value": "tracker.example"}]
    main = container("xgboost", readinessProbe=probe, env=env)
    job = job_context(
        "xgboost", f"[{{name: master, template: {{spec: {{containers: [{main}]}}}}}}]"
    )
    master = pod(job, "master", 0)["spec"]["containers"][0]
    assert "startupProbe" not in master and master["readinessProbe"] == probe
    assert pod_env(pod(job, "master", 0))["DMLC_TRACKER_URI"]["value"] == "tracker.example"

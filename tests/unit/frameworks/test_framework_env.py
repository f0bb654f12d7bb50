"""The variables each plugin gives each instance: the contract the training libraries read."""

from __future__ import annotations

import json

import pytest
from plugin_cases import env, host, job_context

PYTORCH = "[{name: master}, {name: worker, replicas: 2}]"


@pytest.mark.parametrize(
    "role, index, rank",
    [("master", 0, "0"), ("worker", 0, "1"), ("worker", 1, "2")],
)
def test_pytorch_ranks_the_master_first_and_every_pod_finds_it(role, index, rank):
    got = env(job_context("pytorch", PYTORCH), role, index)
    assert got == {
        "MASTER_ADDR": host("master", 0),
        "MASTER_PORT": "23456",
        "WORLD_SIZE": "3",
        "RANK": rank,
        "PET_MASTER_ADDR": host("master", 0),
        "PET_MASTER_PORT": "23456",
        "PET_NNODES": "3",
        "PET_NODE_RANK": rank,
        "PET_NPROC_PER_NODE": "1",
    }


def test_pytorch_without_master_rendezvous_at_worker_zero():
    job = job_context("pytorch", "[{name: worker, replicas: 2}]")
    assert [env(job, "worker", i)["MASTER_ADDR"] for i in (0, 1)] == [host("worker", 0)] * 2
    assert [env(job, "worker", i)["RANK"] for i in (0, 1)] == ["0", "1"]


@pytest.mark.parametrize(
    "container, nproc, world",
    [
        ("{name: pytorch, resources: {limits: {nvidia.com/gpu: 4}}}", "4", "12"),
        ("{name: pytorch, env: [{name: PET_NPROC_PER_NODE, value: '2'}]}", "2", "6"),
        ("{name: pytorch, resources: {limits: {cpu: 8}}}", "1", "3"),
    ],
)
def test_pytorch_world_size_counts_processes_per_node(container, nproc, world):
    roles = (
        f"[{{name: master, template: {{spec: {{containers: [{container}]}}}}}},"
        f" {{name: worker, replicas: 2, template: {{spec: {{containers: [{container}]}}}}}}]"
    )
    got = env(job_context("pytorch", roles), "worker", 1)
    assert (got["PET_NPROC_PER_NODE"], got["WORLD_SIZE"], got["RANK"]) == (nproc, world, "2")


def test_pytorch_master_port_follows_the_named_container_port():
    roles = (
        "[{name: master, template: {spec: {containers: [{name: pytorch,"
        " ports: [{name: pytorchjob-port, containerPort: 29500}]}]}}}, {name: worker}]"
    )
    assert env(job_context("pytorch", roles), "worker", 0)["MASTER_PORT"] == "29500"


TF = "[{name: chief}, {name: ps, replicas: 2}, {name: worker, replicas: 2}, {name: evaluator}]"


@pytest.mark.parametrize(
    "role, index", [("chief", 0), ("ps", 1), ("worker", 0), ("worker", 1), ("evaluator", 0)]
)
def test_tf_config_lists_the_cluster_without_evaluator_and_names_the_task(role, index):
    tf_config = json.loads(env(job_context("tensorflow", TF), role, index)["TF_CONFIG"])
    assert tf_config == {
        "cluster": {
            "chief": [f"{host('chief', 0)}:2222"],
            "worker": [f"{host('worker', 0)}:2222", f"{host('worker', 1)}:2222"],
            "ps": [f"{host('ps', 0)}:2222", f"{host('ps', 1)}:2222"],
        },
        "task": {"type": role, "index": index},
        "environment": "cloud",
    }


def test_tf_config_uses_each_roles_own_port():
    roles = (
        "[{name: ps, template: {spec: {containers: [{name: tensorflow,"
        " ports: [{name: tfjob-port, containerPort: 5000}]}]}}}, {name: worker}]"
    )
    cluster = json.loads(env(job_context("tensorflow", roles), "worker", 0)["TF_CONFIG"])["cluster"]
    assert cluster == {"ps": [f"{host('ps', 0)}:5000"], "worker": [f"{host('worker', 0)}:2222"]}


@pytest.mark.parametrize("role, index, rank", [("master", 0, "0"), ("worker", 1, "2")])
def test_xgboost_gives_tracker_and_kubeflow_variables(role, index, rank):
    got = env(job_context("xgboost", "[{name: master}, {name: worker, replicas: 2}]"), role, index)
    tracker = {} if role == "master" else {"DMLC_TRACKER_URI": host("master", 0)}  # its pod IP
    assert got == tracker | {
        "MASTER_ADDR": host("master", 0),
        "MASTER_PORT": "9999",
        "WORLD_SIZE": "3",
        "RANK": rank,
        "WORKER_PORT": "9999",
        "WORKER_ADDRS": f"{host('worker', 0)},{host('worker', 1)}",
        "DMLC_TRACKER_PORT": "9999",
        "DMLC_NUM_WORKER": "3",
        "DMLC_TASK_ID": rank,
    }


@pytest.mark.parametrize(
    "roles, role, index, master, trainer_id",
    [
        ("[{name: master}, {name: worker, replicas: 2}]", "master", 0, "127.0.0.1", "0"),
        ("[{name: master}, {name: worker, replicas: 2}]", "worker", 1, "master-0", "2"),
        ("[{name: worker, replicas: 2}]", "worker", 0, "127.0.0.1", "0"),
        ("[{name: worker, replicas: 2}]", "worker", 1, "worker-0", "1"),
    ],
)
def test_paddle_rank_zero_hosts_the_rendezvous_others_dial_it(
    roles, role, index, master, trainer_id
):
    got = env(job_context("paddle", roles), role, index)
    expected_host = master if master == "127.0.0.1" else host(*master.rsplit("-", 1))
    assert got["PADDLE_MASTER"] == f"{expected_host}:36543"
    assert got["PADDLE_TRAINER_ID"] == trainer_id
    assert got["PADDLE_NNODES"] == "3" if "master" in roles else "2"
    assert got["PADDLE_JOB_ID"] == "demo"


@pytest.mark.parametrize("index", [0, 1])
def test_jax_processes_share_the_coordinator_on_worker_zero(index):
    got = env(job_context("jax", "[{name: worker, replicas: 2}]"), "worker", index)
    assert got == {
        "JAX_COORDINATOR_ADDRESS": f"{host('worker', 0)}:6666",
        "JAX_NUM_PROCESSES": "2",
        "JAX_PROCESS_ID": str(index),
        "COORDINATOR_ADDRESS": host("worker", 0),
        "COORDINATOR_PORT": "6666",
        "NUM_PROCESSES": "2",
        "PROCESS_ID": str(index),
    }


def test_mpi_points_only_the_launcher_at_the_hostfile():
    job = job_context("mpi", "[{name: launcher}, {name: worker, replicas: 2}]")
    launcher = env(job, "launcher", 0)
    assert launcher["OMPI_MCA_orte_default_hostfile"] == "/etc/mpi/hostfile"
    assert launcher["PRTE_MCA_prte_default_hostfile"] == "/etc/mpi/hostfile"
    assert launcher["HYDRA_HOST_FILE"] == "/etc/mpi/hostfile"
    assert "StrictHostKeyChecking=no" in launcher["OMPI_MCA_plm_rsh_args"]
    assert env(job, "worker", 0) == {}

"""pytorch elastic env: what torchrun needs to survive the loss of any node, rank 0 included."""

from __future__ import annotations

from plugin_cases import env, job_context, pod, pod_env

ELASTIC = (
    "[{name: worker, replicas: 3, elastic: {minReplicas: 2, maxReplicas: 3,"
    " rendezvous: {joinTimeoutSeconds: 60, lastCallTimeoutSeconds: 1}}}]"
)


def test_every_elastic_worker_reads_the_workers_store_address_anew_each_round():
    # torch's default shares the rank-0 agent's TCPStore with the workers and caches its
    # address across rounds: a survivor that stays non-zero rank after rank 0 is lost keeps
    # dialing the dead node (tests/contract/test_torch_elastic_contract.py).
    job = job_context("pytorch", ELASTIC)
    for index in range(3):
        got = env(job, "worker", index)
        assert got["TORCH_DISABLE_SHARE_RDZV_TCP_STORE"] == "1"
        assert got["PET_RDZV_CONF"] == "is_host=false,join_timeout=60,last_call_timeout=1"


def test_a_static_pytorch_job_keeps_torchs_default_store_sharing():
    job = job_context("pytorch", "[{name: worker, replicas: 2}]")
    assert "TORCH_DISABLE_SHARE_RDZV_TCP_STORE" not in env(job, "worker", 0)


def test_the_users_own_store_sharing_setting_wins():
    roles = ELASTIC.replace(
        "}}}]",
        "}}, template: {spec: {containers: [{name: pytorch, image: t, env: "
        "[{name: TORCH_DISABLE_SHARE_RDZV_TCP_STORE, value: '0'}]}]}}}]",
    )
    rendered = pod_env(pod(job_context("pytorch", roles), "worker", 0))
    assert rendered["TORCH_DISABLE_SHARE_RDZV_TCP_STORE"]["value"] == "0"

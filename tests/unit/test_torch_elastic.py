"""pytorch elastic: torchrun's c10d env and a rendezvous store no worker hosts."""

from __future__ import annotations

from builders import FakeCluster

JOB = """
metadata: {name: tel}
spec:
  framework: pytorch
  roles:
  - name: worker
    replicas: 3
    elastic:
      minReplicas: 2
      maxReplicas: 4
      rendezvous: {port: 29500, joinTimeoutSeconds: 30, maxRestarts: 5}
    template:
      spec:
        containers: [{name: pytorch, image: my/torch:2}]
"""


def test_elastic_worker_env_names_c10d_store_and_no_static_rank():
    cluster = FakeCluster(JOB)
    cluster.reconcile()
    env = {
        e["name"]: e["value"] for e in cluster.pods["tel-worker-1"]["spec"]["containers"][0]["env"]
    }
    assert env["PET_NNODES"] == "2:4"
    assert env["PET_RDZV_BACKEND"] == "c10d"
    assert env["PET_RDZV_ID"] == "0b6f5c1e-uid"
    assert env["PET_RDZV_ENDPOINT"] == "tel-rdzv.team-a.svc:29500"
    assert env["PET_RDZV_CONF"] == "is_host=false,join_timeout=30"
    assert env["PET_MAX_RESTARTS"] == "5"
    assert not {"RANK", "WORLD_SIZE", "MASTER_ADDR", "PET_NODE_RANK"} & set(env)


def test_rendezvous_store_is_its_own_deployment_and_service():
    cluster = FakeCluster(JOB)
    result = cluster.reconcile()
    kinds = {(m["kind"], m["metadata"]["name"]) for m in result.creates}
    assert {("Deployment", "tel-rdzv"), ("Service", "tel-rdzv")} <= kinds
    deployment = next(m for m in result.creates if m["kind"] == "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert "troupe.dev/job-name" not in labels  # never mistaken for an instance
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "my/torch:2"
    assert deployment["metadata"]["ownerReferences"][0]["kind"] == "TrainingJob"


def test_rendezvous_store_runs_where_the_workers_run():
    pinned = JOB.replace(
        "containers: [{name: pytorch, image: my/torch:2}]",
        "containers: [{name: pytorch, image: my/torch:2}]\n"
        "        nodeSelector: {pool: train}\n"
        "        tolerations: [{key: pool, value: train, effect: NoSchedule}]\n"
        "        imagePullSecrets: [{name: regcred}]\n"
        "        hostNetwork: true",
    )
    result = FakeCluster(pinned).reconcile()
    deployment = next(m for m in result.creates if m["kind"] == "Deployment")
    spec = deployment["spec"]["template"]["spec"]
    assert spec["nodeSelector"] == {"pool": "train"}
    assert spec["tolerations"] == [{"key": "pool", "value": "train", "effect": "NoSchedule"}]
    assert spec["imagePullSecrets"] == [{"name": "regcred"}]
    assert "hostNetwork" not in spec  # placement only, not the workers' whole pod spec

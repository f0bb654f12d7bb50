"""Elastic roles through the planner: membership, replacements, the minimum, scaling."""

from __future__ import annotations

import subprocess

import pytest
from builders import FakeCluster, raw_spec

from troupe.api import crd
from troupe.api.spec import validate_spec
from troupe.core import elastic, naming

JOB = """
metadata: {name: el}
spec:
  runPolicy: {backoffLimit: 20}
  roles:
  - name: worker
    replicas: 3
    restartPolicy: ExitCode
    elastic: {minReplicas: 2, maxReplicas: 5, belowMinGraceSeconds: 30}
    template:
      spec:
        containers: [{name: main, image: busybox}]
"""


def started(manifest: str = JOB, ready: tuple[str, ...] = ()) -> FakeCluster:
    cluster = FakeCluster(manifest)
    cluster.reconcile()
    cluster.run(*ready)
    cluster.reconcile()
    return cluster


def configmap(cluster: FakeCluster) -> dict:
    return cluster.configmaps[naming.membership_name("el")]["data"]


def test_elastic_replicas_must_lie_within_the_bounds():
    spec = {**raw_spec(JOB), "elasticReplicas": 7}
    _, errors = validate_spec(spec)
    assert [(e.path, e.message) for e in errors] == [
        ("spec.elasticReplicas", "7 is outside elastic bounds [2, 5]")
    ]


def test_only_one_role_may_be_elastic():
    spec = raw_spec(JOB)
    spec["roles"].append({"name": "other", "elastic": {"minReplicas": 1, "maxReplicas": 2}})
    _, errors = validate_spec(spec)
    assert [e.path for e in errors] == ["spec.roles[1].elastic"]


@pytest.mark.parametrize(
    ("roles", "path"),
    [
        ([{"name": "w", "elastic": {"minReplicas": 3, "maxReplicas": 2}}], "minReplicas"),
        ([{"name": "w", "elastic": {"minReplicas": 0, "maxReplicas": 2}}], "minReplicas"),
    ],
)
def test_elastic_bounds_are_checked(roles, path):
    _, errors = validate_spec({"roles": roles})
    assert any(e.path == f"spec.roles[0].elastic.{path}" for e in errors), errors


def test_elastic_replicas_need_an_elastic_role():
    _, errors = validate_spec({"roles": [{"name": "w"}], "elasticReplicas": 2})
    assert [e.path for e in errors] == ["spec.elasticReplicas"]


def test_running_with_minimum_ready_while_surplus_pods_stay_pending():
    cluster = started(ready=("el-worker-0", "el-worker-1"))
    assert cluster.status["phase"] == "Running"
    assert cluster.status["membership"]["members"] == ["el-worker-0", "el-worker-1"]
    assert cluster.pods["el-worker-2"]["status"]["phase"] == "Pending"


def test_pending_with_fewer_than_minimum_ready_and_no_grace_clock_before_it_ran():
    cluster = started(ready=("el-worker-0",))
    assert cluster.status["phase"] == "Pending"  # below minReplicas: not yet training
    assert "belowMinSince" not in cluster.status["elastic"]
    cluster.advance(3600)
    cluster.reconcile()
    assert cluster.status["phase"] != "Failed"


def test_membership_generation_moves_with_every_change_and_configmap_agrees():
    cluster = FakeCluster(JOB)
    cluster.reconcile()
    assert cluster.status["membership"] == {"generation": 0, "members": [], "hosts": []}
    assert configmap(cluster)["hosts"] == ""
    seen = []
    for name in ("el-worker-0", "el-worker-1", "el-worker-2"):
        cluster.run(name)
        cluster.reconcile()
        membership = cluster.status["membership"]
        seen.append(membership["generation"])
        assert configmap(cluster)["generation"] == str(membership["generation"])
        assert configmap(cluster)["hosts"].split() == membership["hosts"]
        assert cluster.pods[name]["metadata"]["labels"][naming.JOINED_LABEL] == str(
            membership["generation"]
        )
    assert seen == [1, 2, 3]
    assert cluster.status["membership"]["hosts"][0] == "el-worker-0.el-worker.team-a.svc"
    cluster.reconcile()  # nothing changed: no new generation, no writes
    assert cluster.status["membership"]["generation"] == 3
    assert cluster.last.patches == []


@pytest.mark.parametrize(
    "lose",
    [
        pytest.param(lambda c: c.delete("el-worker-1"), id="deleted"),
        pytest.param(lambda c: c.finish("el-worker-1", 137), id="exit-137"),
        pytest.param(lambda c: c.evict("el-worker-1"), id="evicted"),
    ],
)
def test_lost_instance_is_recreated_under_its_name_while_the_job_stays_running(lose):
    cluster = started(ready=("el-worker-0", "el-worker-1", "el-worker-2"))
    generation = cluster.status["membership"]["generation"]
    lose(cluster)
    cluster.reconcile()
    cluster.finish_deletions()
    cluster.reconcile()
    assert cluster.created.count("el-worker-1") == 2
    assert cluster.status["phase"] == "Running"
    assert cluster.status["membership"]["members"] == ["el-worker-0", "el-worker-2"]
    assert cluster.status["membership"]["generation"] == generation + 1
    cluster.run("el-worker-1")
    cluster.reconcile()
    assert cluster.status["membership"]["generation"] == generation + 2
    assert configmap(cluster)["generation"] == str(generation + 2)
    assert cluster.pods["el-worker-1"]["metadata"]["labels"][naming.JOINED_LABEL] == str(
        generation + 2
    )


def test_below_minimum_fails_after_the_grace_period():
    cluster = started(ready=("el-worker-0", "el-worker-1"))
    cluster.evict("el-worker-0")
    cluster.reconcile()
    cluster.finish_deletions()
    cluster.reconcile()
    assert cluster.status["phase"] == "Restarting"
    assert cluster.condition("Restarting")["reason"] == "BelowMinReplicas"
    assert cluster.last.requeue_after == pytest.approx(30)
    cluster.advance(29)
    cluster.reconcile()
    assert cluster.status["phase"] == "Restarting"
    cluster.advance(1)
    cluster.reconcile()
    assert cluster.status["phase"] == "Failed"
    failed = cluster.condition("Failed")
    assert failed["reason"] == "BelowMinReplicas"
    assert "1 ready pods, fewer than minReplicas 2 for more than 30s" in failed["message"]


def test_back_at_minimum_within_grace_clears_the_clock():
    cluster = started(ready=("el-worker-0", "el-worker-1"))
    cluster.evict("el-worker-0")
    cluster.reconcile()
    cluster.finish_deletions()
    cluster.reconcile()
    cluster.advance(20)
    cluster.run("el-worker-0")
    cluster.reconcile()
    assert cluster.status["phase"] == "Running"
    assert "belowMinSince" not in cluster.status["elastic"]
    cluster.advance(60)
    cluster.reconcile()
    assert cluster.status["phase"] == "Running"


def test_scale_down_removes_highest_indices_first_and_scale_up_adds_them():
    cluster = started(ready=("el-worker-0", "el-worker-1", "el-worker-2"))
    cluster.set_spec(elasticReplicas=5)
    cluster.reconcile()
    assert sorted(cluster.live()) == [f"el-worker-{i}" for i in range(5)]
    assert cluster.status["elastic"]["replicas"] == 3  # counted on the next pass
    cluster.run()
    cluster.reconcile()
    assert cluster.status["elastic"]["replicas"] == 5
    cluster.set_spec(elasticReplicas=2)
    cluster.reconcile()
    assert sorted(n for k, n in cluster.last.deletes) == [
        "el-worker-2",
        "el-worker-3",
        "el-worker-4",
    ]
    cluster.finish_deletions()
    cluster.reconcile()
    assert cluster.status["membership"]["members"] == ["el-worker-0", "el-worker-1"]
    assert cluster.status["phase"] == "Running"
    assert cluster.status["totalPods"] == 2


def test_scale_status_has_the_selector_of_the_role():
    cluster = started()
    assert cluster.status["elastic"]["selector"] == "troupe.dev/job-name=el,troupe.dev/role=worker"
    assert cluster.status["elastic"]["replicas"] == 3  # pods that exist, Pending included


def test_elastic_role_succeeds_once_minimum_succeeded():
    cluster = started(ready=("el-worker-0", "el-worker-1"))
    cluster.finish("el-worker-0", 0)
    cluster.finish("el-worker-1", 0)
    cluster.reconcile()
    assert cluster.status["phase"] == "Succeeded"
    assert ("Pod", "el-worker-2") in cluster.last.deletes  # the surplus pod never ran


def test_every_container_mounts_the_membership_configmap():
    cluster = started()
    pod = cluster.pods["el-worker-0"]
    assert {
        "name": "troupe-membership",
        "configMap": {"name": "el-membership", "defaultMode": 0o755},
    } in pod["spec"]["volumes"]
    container = pod["spec"]["containers"][0]
    assert {"name": elastic.VOLUME, "mountPath": elastic.MOUNT_PATH, "readOnly": True} in container[
        "volumeMounts"
    ]
    assert {"name": elastic.DIR_ENV, "value": elastic.MOUNT_PATH} in container["env"]


def test_discovery_script_prints_the_current_members(tmp_path):
    cluster = started(ready=("el-worker-0", "el-worker-2"))
    script = tmp_path / "discover_hosts.sh"

    def discover() -> list[str]:
        for key, value in configmap(cluster).items():
            (tmp_path / key).write_text(value)
        env = {"TROUPE_MEMBERSHIP_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
        out = subprocess.run(["sh", script], env=env, capture_output=True, text=True, check=True)
        return out.stdout.split()

    assert discover() == [
        "el-worker-0.el-worker.team-a.svc:1",
        "el-worker-2.el-worker.team-a.svc:1",
    ]
    cluster.run("el-worker-1")
    cluster.reconcile()
    assert discover() == [f"el-worker-{i}.el-worker.team-a.svc:1" for i in range(3)]


def test_crd_scale_subresource_points_at_fields_that_exist():
    version = crd.crd()["spec"]["versions"][0]
    scale = version["subresources"]["scale"]
    assert scale["specReplicasPath"] == ".spec.elasticReplicas"
    schema = version["schema"]["openAPIV3Schema"]["properties"]
    assert "elasticReplicas" in schema["spec"]["properties"]
    assert {"membership", "elastic"} <= set(schema["status"]["properties"])

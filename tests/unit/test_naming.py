"""naming.py: names and hosts every peer can compute before any pod exists."""

from __future__ import annotations

from builders import spec_from_yaml

from troupe.core import naming


def test_pod_service_and_host_names():
    assert naming.pod_name("mnist", "worker", 3) == "mnist-worker-3"
    assert naming.service_name("mnist", "worker") == "mnist-worker"
    assert naming.host("mnist", "worker", 3, "ml") == "mnist-worker-3.mnist-worker.ml.svc"


def test_role_hosts_list_every_index_of_every_role():
    spec = spec_from_yaml("spec: {roles: [{name: ps}, {name: worker, replicas: 2}]}")
    assert naming.role_hosts("j", "ns", spec) == {
        "ps": ["j-ps-0.j-ps.ns.svc"],
        "worker": ["j-worker-0.j-worker.ns.svc", "j-worker-1.j-worker.ns.svc"],
    }


def test_hosts_env_name_is_a_valid_variable_name():
    assert naming.hosts_env_name("param-server") == "TROUPE_PARAM_SERVER_HOSTS"


def test_pod_name_longer_than_a_dns_label_is_rejected():
    spec = spec_from_yaml("spec: {roles: [{name: worker, replicas: 10}]}")
    assert naming.name_errors("j" * 53, spec) == []  # j*53-worker-9 is 62 characters
    errors = naming.name_errors("j" * 55, spec)
    assert [e.path for e in errors] == ["spec.roles[0].name"]
    assert "longer than 63" in errors[0].message

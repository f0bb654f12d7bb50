"""crd.py: the committed CRD is the one the models generate, and the API server accepts it."""

from __future__ import annotations

from pathlib import Path

import yaml

from troupe.api import crd
from troupe.api.spec import TrainingJobSpec

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "crds" / "troupe.dev_trainingjobs.yaml"


def _schema() -> dict:
    return crd.crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def _walk(node: dict, path: str = ""):
    """Every schema node with its path, e.g. `spec.roles[].dependsOn`."""
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from _walk(child, f"{path}.{name}" if path else name)
    if "items" in node:
        yield from _walk(node["items"], f"{path}[]")


def test_committed_crd_matches_the_models():
    assert COMMITTED.read_text() == crd.render(), (
        "crds/ is stale: run `python -m troupe.api.crd > crds/troupe.dev_trainingjobs.yaml`"
    )


def test_schema_is_structural():
    for path, node in _walk(_schema()):
        assert "type" in node or node.get("x-kubernetes-preserve-unknown-fields"), path
        for forbidden in ("$ref", "anyOf", "oneOf", "allOf", "$defs", "title"):
            assert forbidden not in node, f"{path} has {forbidden}"
        # a default in the spec would rewrite users' manifests: GitOps tools report drift
        assert "default" not in node or path == "status", f"{path} has a default"
        if node.get("type") == "object" and "properties" in node:
            assert "additionalProperties" not in node, path


def test_every_field_has_a_description_for_kubectl_explain():
    missing = [
        path
        for path, node in _walk(_schema())
        if path and not path.endswith("[]") and path != "metadata" and not node.get("description")
    ]
    assert missing == []


def test_schema_has_every_model_field():
    roles = _schema()["properties"]["spec"]["properties"]["roles"]["items"]["properties"]
    spec_fields = _schema()["properties"]["spec"]["properties"]
    assert set(spec_fields) == {f.alias for f in TrainingJobSpec.model_fields.values()}
    role_model = TrainingJobSpec.model_fields["roles"].annotation.__args__[0]
    assert set(roles) == {f.alias for f in role_model.model_fields.values()}


def test_roles_are_a_list_map_keyed_by_name():
    roles = _schema()["properties"]["spec"]["properties"]["roles"]
    assert roles["x-kubernetes-list-type"] == "map"
    assert roles["x-kubernetes-list-map-keys"] == ["name"]
    assert "name" in roles["items"]["required"]


def test_pod_template_is_free_form():
    template = _schema()["properties"]["spec"]["properties"]["roles"]["items"]["properties"][
        "template"
    ]
    assert template == {
        "type": "object",
        "description": template["description"],
        "x-kubernetes-preserve-unknown-fields": True,
    }


def test_only_a_null_that_means_something_is_nullable():
    nullable = [path for path, node in _walk(_schema()) if node.get("nullable")]
    assert nullable == ["spec.runPolicy.backoffLimit"]


def test_replicas_cannot_be_negative():
    role = _schema()["properties"]["spec"]["properties"]["roles"]["items"]
    assert role["properties"]["replicas"]["minimum"] == 0


def test_cel_rules_cover_references_between_roles_and_elastic_bounds():
    rules = {
        path: [r["rule"] for r in node.get("x-kubernetes-validations", [])]
        for path, node in _walk(_schema())
    }
    assert any("dependsOn" in r and "exists" in r for r in rules["spec"])
    assert any("d.role != self.name" in r for r in rules["spec.roles[]"])
    assert rules["spec.roles[].elastic"] == ["self.minReplicas <= self.maxReplicas"]
    for path, node in _walk(_schema()):
        for rule in node.get("x-kubernetes-validations", []):
            assert rule.get("message") or rule.get("messageExpression"), path


def test_lists_in_cel_rules_are_bounded():
    spec = _schema()["properties"]["spec"]
    assert spec["properties"]["roles"]["maxItems"] == crd.MAX_ROLES
    role = spec["properties"]["roles"]["items"]["properties"]
    assert role["dependsOn"]["maxItems"] == crd.MAX_DEPENDENCIES


def test_status_is_a_permissive_subresource():
    version = crd.crd()["spec"]["versions"][0]
    assert version["subresources"]["status"] == {}
    status = _schema()["properties"]["status"]
    assert status["type"] == "object"
    assert status["x-kubernetes-preserve-unknown-fields"] is True


def test_printer_columns_read_fields_status_provides():
    columns = {
        c["name"]: c["jsonPath"]
        for c in crd.crd()["spec"]["versions"][0]["additionalPrinterColumns"]
    }
    assert columns["Framework"] == ".spec.framework"
    assert columns["Phase"] == ".status.phase"
    assert columns["Ready"] == ".status.readyPods"
    assert columns["Restarts"] == ".status.restarts"
    assert columns["Age"] == ".metadata.creationTimestamp"
    status = _schema()["properties"]["status"]["properties"]
    for path in columns.values():
        if path.startswith(".status."):
            fields = status
            for part in path.removeprefix(".status.").split("."):
                assert part in fields, path
                fields = fields[part].get("properties") or {}


def test_names_short_name_and_category():
    names = crd.crd()["spec"]["names"]
    assert names["kind"] == "TrainingJob"
    assert names["plural"] == "trainingjobs"
    assert names["shortNames"] == ["tj"]
    assert names["categories"] == ["troupe"]
    assert crd.crd()["spec"]["scope"] == "Namespaced"


def test_generated_yaml_has_no_anchors():
    loaded = yaml.safe_load(crd.render())
    assert loaded == crd.crd()
    assert "&id" not in crd.render()


def test_chart_ships_the_same_crds():
    chart_crds = REPO / "charts" / "troupe" / "crds"
    source = sorted(p.name for p in (REPO / "crds").glob("*.yaml"))
    assert sorted(p.name for p in chart_crds.glob("*.yaml")) == source, (
        "run hack/sync-chart-crds.sh"
    )
    for name in source:
        assert (chart_crds / name).read_text() == (REPO / "crds" / name).read_text(), (
            f"charts/troupe/crds/{name} is stale: run hack/sync-chart-crds.sh"
        )


def test_kubectl_explain_states_the_backoff_limit_default():
    # the CRD carries no defaults (see above), so the description must say it
    run_policy = _schema()["properties"]["spec"]["properties"]["runPolicy"]["properties"]
    description = run_policy["backoffLimit"]["description"]
    assert "Default 6" in description and "null: unlimited" in description

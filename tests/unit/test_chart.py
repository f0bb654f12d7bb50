"""The Helm chart lints, renders for the main value combinations and asks for least privilege."""

from __future__ import annotations

import base64
import glob
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "troupe"
NAMESPACE = "troupe-system"


def _helm() -> str:
    """helm from build-binaries.sh's cache (make binaries), else from PATH."""
    cached = sorted(glob.glob(os.path.expanduser("~/.cache/troupe/*/bin/helm")))
    found = cached[-1] if cached else shutil.which("helm")
    if not found:
        pytest.skip("helm not found: run `make binaries`")
    return found


def render(*values: str) -> list[dict]:
    args = [_helm(), "template", "troupe", str(CHART), "--namespace", NAMESPACE]
    for value in values:
        args += ["--set", value]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def only(docs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def kinds(docs: list[dict]) -> list[str]:
    return sorted(d["kind"] for d in docs)


def container(docs: list[dict]) -> dict:
    return only(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


# Exactly the access the operator uses in a watched namespace (see the chart's _helpers.tpl).
NAMESPACED_RULES = {
    ("troupe.dev", "trainingjobs"): {"get", "list", "watch", "delete"},
    ("troupe.dev", "trainingjobs/status"): {"get", "patch", "update"},
    ("", "pods"): {"get", "list", "watch", "create", "delete", "patch"},
    ("", "pods/log"): {"get"},  # archived beside a job's results
    ("", "services"): {"get", "list", "watch", "create", "delete"},
    ("", "configmaps"): {"get", "list", "watch", "create", "delete", "patch"},
    ("apps", "deployments"): {"get", "create", "delete"},
    ("", "secrets"): {"get", "create", "delete"},
    ("", "events"): {"create", "patch"},
    ("scheduling.volcano.sh", "podgroups"): {"create", "patch"},
    ("scheduling.x-k8s.io", "podgroups"): {"create", "patch"},
    ("kueue.x-k8s.io", "workloads"): {"get", "list", "watch", "create", "delete"},
    ("kueue.x-k8s.io", "workloads/status"): {"get", "patch"},
}
CRD_READ = {
    ("apiextensions.k8s.io", "customresourcedefinitions"): {"get", "list", "watch"},
    ("troupe.dev", "trainingqueues"): {"get", "list", "watch"},
    ("scheduling.k8s.io", "priorityclasses"): {"get", "list", "watch"},
    ("kueue.x-k8s.io", "resourceflavors"): {"get", "list", "watch"},
}


def granted(role: dict) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        assert "resourceNames" not in rule and "nonResourceURLs" not in rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                out.setdefault((group, resource), set()).update(rule["verbs"])
    return out


def assert_no_wildcards(docs: list[dict]) -> None:
    for doc in docs:
        for rule in doc.get("rules", []) if doc["kind"] in ("Role", "ClusterRole") else []:
            for key in ("apiGroups", "resources", "verbs"):
                assert "*" not in rule[key], f"{doc['metadata']['name']}: {rule}"


def test_chart_lints():
    for values in (
        [],
        ["watchNamespaces={a,b}", "certManager.enabled=true"],
        [*STUDIO, "studio.postgresql.enabled=true"],
    ):
        args = [_helm(), "lint", "--strict", str(CHART)]
        for value in values:
            args += ["--set", value]
        out = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr


def test_defaults_watch_every_namespace_with_one_cluster_role():
    docs = render()
    assert kinds(docs) == sorted(
        [
            "ClusterRole",
            "ClusterRole",
            "ClusterRoleBinding",
            "ClusterRoleBinding",
            "Deployment",
            "Secret",
            "Service",
            "Service",
            "ServiceAccount",
            "ValidatingWebhookConfiguration",
        ]
    )
    assert_no_wildcards(docs)
    assert granted(only(docs, "ClusterRole", "troupe")) == NAMESPACED_RULES
    assert granted(only(docs, "ClusterRole", "troupe-crd-reader")) == CRD_READ
    binding = only(docs, "ClusterRoleBinding", "troupe")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "troupe", "namespace": NAMESPACE}
    ]
    assert "--all-namespaces" in container(docs)["args"]


def test_secrets_can_never_be_listed_or_watched():
    for docs in (render(), render("watchNamespaces={a}")):
        for doc in docs:
            if doc["kind"] in ("Role", "ClusterRole"):
                verbs = granted(doc).get(("", "secrets"), set())
                assert not verbs & {"list", "watch", "update", "patch"}, doc["metadata"]["name"]


def test_namespace_list_gets_roles_not_cluster_roles():
    docs = render("watchNamespaces={team-a,team-b}")
    assert_no_wildcards(docs)
    roles = [d for d in docs if d["kind"] == "Role"]
    assert sorted(r["metadata"]["namespace"] for r in roles) == ["team-a", "team-b"]
    for role in roles:
        assert granted(role) == NAMESPACED_RULES
    bindings = [d for d in docs if d["kind"] == "RoleBinding"]
    assert sorted(b["metadata"]["namespace"] for b in bindings) == ["team-a", "team-b"]
    for binding in bindings:
        assert binding["roleRef"]["kind"] == "Role"
        assert binding["subjects"][0]["namespace"] == NAMESPACE
    # The one cluster-wide grant left is reading CRDs, which are cluster-scoped.
    cluster_roles = [d for d in docs if d["kind"] == "ClusterRole"]
    assert [granted(r) for r in cluster_roles] == [CRD_READ]
    args = container(docs)["args"]
    assert "--all-namespaces" not in args
    assert [a for a in args if a.startswith("--namespace")] == [
        "--namespace=team-a",
        "--namespace=team-b",
    ]
    selector = only(docs, "ValidatingWebhookConfiguration")["webhooks"][0]["namespaceSelector"]
    assert selector["matchExpressions"][0]["values"] == ["team-a", "team-b"]


def test_operator_pod_is_hardened_and_probed():
    docs = render()
    deployment = only(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["serviceAccountName"] == "troupe"
    main = container(docs)
    assert main["securityContext"]["readOnlyRootFilesystem"] is True
    assert main["securityContext"]["allowPrivilegeEscalation"] is False
    assert main["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert main["resources"]["requests"] and main["resources"]["limits"]
    assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "healthz"}
    ports = {p["name"]: p["containerPort"] for p in main["ports"]}
    assert ports == {"healthz": 8080, "metrics": 9090, "webhook": 9443}
    assert "--liveness=http://0.0.0.0:8080/healthz" in main["args"]
    assert "--metrics-port=9090" in main["args"]


def test_metrics_service_and_optional_service_monitor():
    docs = render()
    assert only(docs, "Service", "troupe-metrics")["spec"]["ports"][0]["port"] == 9090
    assert not [d for d in docs if d["kind"] == "ServiceMonitor"]
    monitor = only(render("metrics.serviceMonitor.enabled=true"), "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    off = render("metrics.enabled=false")
    assert not [d for d in off if d["metadata"]["name"] == "troupe-metrics"]
    assert "--metrics-port=0" in container(off)["args"]


def test_webhook_tls_from_helm_matches_the_service():
    x509 = pytest.importorskip("cryptography.x509")
    docs = render()
    secret = only(docs, "Secret", "troupe-webhook-tls")
    hook = only(docs, "ValidatingWebhookConfiguration")["webhooks"][0]
    assert hook["failurePolicy"] == "Fail"
    assert hook["sideEffects"] == "None"
    assert hook["clientConfig"]["caBundle"] == secret["data"]["ca.crt"]
    assert hook["clientConfig"]["service"] == {
        "name": "troupe-webhook",
        "namespace": NAMESPACE,
        "path": "/validate-trainingjob",
        "port": 443,
    }
    assert hook["rules"][0]["resources"] == ["trainingjobs"]
    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    ca = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["ca.crt"]))
    assert cert.issuer == ca.subject
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert f"troupe-webhook.{NAMESPACE}.svc" in names.get_values_for_type(x509.DNSName)
    main = container(docs)
    assert "--webhook-cert=/tls/tls.crt" in main["args"]
    assert {"name": "webhook-tls", "mountPath": "/tls", "readOnly": True} in main["volumeMounts"]


def test_webhook_can_be_turned_off():
    docs = render("webhook.enabled=false")
    assert not [
        d for d in docs if d["kind"] in ("ValidatingWebhookConfiguration", "Secret", "Certificate")
    ]
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Service"] == ["troupe-metrics"]
    main = container(docs)
    assert not [a for a in main["args"] if a.startswith("--webhook")]
    assert [m["name"] for m in main["volumeMounts"]] == ["tmp"]


def test_cert_manager_issues_the_webhook_certificate():
    docs = render("certManager.enabled=true")
    assert not [d for d in docs if d["kind"] == "Secret"]
    certificate = only(docs, "Certificate")
    assert certificate["spec"]["secretName"] == "troupe-webhook-tls"
    assert f"troupe-webhook.{NAMESPACE}.svc" in certificate["spec"]["dnsNames"]
    assert certificate["spec"]["issuerRef"] == {"name": "troupe-selfsigned", "kind": "Issuer"}
    assert only(docs, "Issuer")["spec"] == {"selfSigned": {}}
    vwc = only(docs, "ValidatingWebhookConfiguration")
    assert vwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"] == (
        f"{NAMESPACE}/troupe-webhook"
    )
    assert "caBundle" not in vwc["webhooks"][0]["clientConfig"]
    own = render(
        "certManager.enabled=true",
        "certManager.issuerRef.name=corp-ca",
        "certManager.issuerRef.kind=ClusterIssuer",
    )
    assert not [d for d in own if d["kind"] == "Issuer"]
    assert only(own, "Certificate")["spec"]["issuerRef"] == {
        "name": "corp-ca",
        "kind": "ClusterIssuer",
    }


def test_values_schema_rejects_mistakes():
    for bad in (
        "webhook.failurePolicy=Sometimes",
        "watchNamespaces[0]=Not_A_Namespace",
        "typo=1",
        "events=verbose",
        "progressSeconds=-1",
    ):
        args = [_helm(), "template", "troupe", str(CHART), "--set", bad]
        out = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0, bad
        assert "values don't meet the specifications of the schema" in out.stderr, out.stderr


def test_operator_settings_reach_its_own_argument_parser():
    """The chart's arguments are ones the operator accepts, with the values given."""
    from troupe.__main__ import parse_args

    defaults = parse_args(container(render())["args"])
    assert (defaults.api_concurrency, defaults.progress_seconds, defaults.events) == (32, 30, "all")
    quiet = parse_args(container(render("progressSeconds=0", "events=warnings"))["args"])
    assert (quiet.progress_seconds, quiet.events) == (math.inf, "warnings")


def test_grafana_dashboard_charts_every_operator_metric():
    dashboard = json.loads((CHART / "dashboards" / "troupe.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for metric in (
        "troupe_jobs_created_total",
        "troupe_jobs_succeeded_total",
        "troupe_jobs_failed_total",
        "troupe_jobs_restarted_total",
        "troupe_jobs{",
        "troupe_job_time_to_running_seconds_bucket",
        "troupe_reconcile_duration_seconds_bucket",
        "troupe_api_errors_total",
        "troupe_watch_lag_seconds_bucket",
        "troupe_pass_queue_seconds_bucket",
        "troupe_api_queue_seconds_bucket",
    ):
        assert metric in exprs, metric
    configmap = only(render("grafanaDashboard.enabled=true"), "ConfigMap")
    assert json.loads(configmap["data"]["troupe.json"]) == dashboard


STUDIO = (
    "studio.enabled=true",
    "studio.store.endpoint=http://s3.store:7070",
    "studio.store.secretName=store-credentials",
)
STUDIO_EXTERNAL_DB = (*STUDIO, "studio.databaseUrl=postgresql+psycopg://studio:pw@db:5432/studio")
# What Studio's own identity may do (templates/studio-rbac.yaml): review tokens and access,
# impersonate callers, list namespaces, and read the runs it keeps history of.
STUDIO_RULES = {
    ("authentication.k8s.io", "tokenreviews"): {"create"},
    ("authorization.k8s.io", "subjectaccessreviews"): {"create"},
    ("", "users"): {"impersonate"},
    ("", "groups"): {"impersonate"},
    ("", "serviceaccounts"): {"impersonate"},
    ("authentication.k8s.io", "uids"): {"impersonate"},
    ("", "namespaces"): {"list"},
    ("troupe.dev", "trainingjobs"): {"get", "list", "watch"},
    ("", "pods"): {"get", "list", "watch"},
    ("", "events"): {"get", "list", "watch"},
    ("", "pods/log"): {"get"},
}


# What a project member gets where an admin binds the chart's user ClusterRole.
STUDIO_USER_RULES = {
    ("troupe.dev", "trainingjobs"): {"get", "list", "watch", "create", "update", "patch", "delete"},
    ("", "secrets"): {"get", "create", "patch"},
    ("", "pods"): {"get", "list", "watch"},
    ("", "pods/log"): {"get", "list", "watch"},
    ("", "events"): {"get", "list", "watch"},
}


def studio_container(docs: list[dict]) -> dict:
    return only(docs, "Deployment", "troupe-studio")["spec"]["template"]["spec"]["containers"][0]


def test_studio_is_not_installed_unless_enabled():
    assert not [d for d in render() if "studio" in d["metadata"]["name"]]


def test_studio_may_review_and_impersonate_and_only_read_runs():
    docs = render(*STUDIO_EXTERNAL_DB)
    assert_no_wildcards(docs)
    assert granted(only(docs, "ClusterRole", "troupe-studio")) == STUDIO_RULES
    assert granted(only(docs, "ClusterRole", "troupe-studio-user")) == STUDIO_USER_RULES
    assert not [d for d in docs if d.get("roleRef", {}).get("name") == "troupe-studio-user"]
    binding = only(docs, "ClusterRoleBinding", "troupe-studio")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "troupe-studio", "namespace": NAMESPACE}
    ]
    pod = only(docs, "Deployment", "troupe-studio")["spec"]["template"]
    assert pod["spec"]["serviceAccountName"] == "troupe-studio"
    operator_selector = only(docs, "Deployment", "troupe")["spec"]["selector"]["matchLabels"]
    assert not operator_selector.items() <= pod["metadata"]["labels"].items()
    assert only(docs, "ServiceAccount", "troupe-studio")
    assert only(docs, "Service", "troupe-studio")["spec"]["ports"][0]["targetPort"] == "http"


def test_studio_pod_is_hardened_and_keeps_secrets_out_of_its_spec():
    docs = render(*STUDIO_EXTERNAL_DB)
    main = studio_container(docs)
    assert main["securityContext"]["readOnlyRootFilesystem"] is True
    assert main["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert main["readinessProbe"]["httpGet"]["path"] == "/api/v1/health"
    env = {e["name"]: e for e in main["env"]}
    assert env["TROUPE_STUDIO_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "troupe-studio-database",
        "key": "url",
    }
    assert env["TROUPE_STORE_SECRET_KEY"]["valueFrom"]["secretKeyRef"]["name"] == (
        "store-credentials"
    )
    assert "pw@" not in json.dumps(only(docs, "Deployment", "troupe-studio"))
    secret = only(docs, "Secret", "troupe-studio-database")
    assert secret["stringData"]["url"].startswith("postgresql+psycopg://studio:pw@db")


def test_studio_settings_reach_its_own_argument_parser(tmp_path):
    from troupe_studio.settings import parse

    main = studio_container(render(*STUDIO_EXTERNAL_DB, "studio.maxUploadBytes=5000000000"))
    env = {"TROUPE_STUDIO_STORE_ENV": str(tmp_path / "none")}
    settings, listen = parse(main["args"], env)
    assert (settings.auth, settings.store_endpoint, settings.bucket) == (
        "token",
        "http://s3.store:7070",
        "troupe-studio",
    )
    assert (settings.max_upload_bytes, listen["port"], listen["host"]) == (
        5_000_000_000,
        8700,
        "0.0.0.0",
    )


def test_studio_with_its_own_postgresql():
    docs = render(*STUDIO, "studio.postgresql.enabled=true")
    db = only(docs, "StatefulSet", "troupe-studio-postgresql")
    claim = db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
    assert claim == "8Gi"
    password = only(docs, "Secret", "troupe-studio-postgresql")["stringData"]["password"]
    assert len(password) == 32
    env = {e["name"]: e for e in studio_container(docs)["env"]}
    assert env["TROUPE_STUDIO_DATABASE_URL"]["value"] == (
        "postgresql+psycopg://studio:$(POSTGRES_PASSWORD)@troupe-studio-postgresql:5432/studio"
    )
    assert list(env).index("POSTGRES_PASSWORD") < list(env).index("TROUPE_STUDIO_DATABASE_URL")
    assert not [d for d in render(*STUDIO_EXTERNAL_DB) if d["kind"] == "StatefulSet"]


def test_studio_with_sqlite_on_its_data_volume():
    docs = render(*STUDIO, "studio.sqlite.enabled=true")
    env = {e["name"]: e for e in studio_container(docs)["env"]}
    assert env["TROUPE_STUDIO_DATABASE_URL"] == {
        "name": "TROUPE_STUDIO_DATABASE_URL",
        "value": "sqlite:////data/studio.db",
    }
    mounts = {m["mountPath"] for m in studio_container(docs)["volumeMounts"]}
    assert "/data" in mounts and "POSTGRES_PASSWORD" not in env
    assert not [d for d in docs if d["kind"] == "StatefulSet"]


def test_studio_extra_env_comes_after_the_charts_own():
    docs = render(*STUDIO_EXTERNAL_DB, "studio.extraEnv[0].name=TROUPE_STUDIO_STORE_ENV",
                  "studio.extraEnv[0].value=/etc/store.env")  # fmt: skip
    env = studio_container(docs)["env"]
    assert env[-1] == {"name": "TROUPE_STUDIO_STORE_ENV", "value": "/etc/store.env"}
    assert "TROUPE_STUDIO_DATABASE_URL" in [e["name"] for e in env[:-1]]


@pytest.mark.parametrize(
    "values, message",
    [
        (STUDIO, "set studio.databaseUrl, studio.databaseSecret.name"),
        (("studio.enabled=true", "studio.databaseUrl=postgresql://x"), "studio.store.endpoint"),
        (STUDIO_EXTERNAL_DB[:2] + STUDIO_EXTERNAL_DB[3:], "studio.store.secretName"),
        ((*STUDIO_EXTERNAL_DB, "studio.auth=open"), "studio.auth"),
        ((*STUDIO, "studio.databaseUrl=mysql://db"), "studio.databaseUrl"),
        ((*STUDIO_EXTERNAL_DB, "studio.typo=1"), "typo"),
    ],
)
def test_studio_values_that_cannot_work_are_refused_by_name(values, message):
    args = [_helm(), "template", "troupe", str(CHART)]
    for value in values:
        args += ["--set", value]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and message in out.stderr, out.stderr

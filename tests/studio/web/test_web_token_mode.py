"""The pages in token mode, against the real API server of the local cluster: the service checks
each token with a TokenReview and each project with a SubjectAccessReview (as in
tests/studio/test_access.py). Two ServiceAccounts sign in with tokens from the TokenRequest
API: the owner, bound in the project's namespace, and a stranger, bound in a namespace of its
own only. The stranger's project switcher does not offer the owner's project, its pages say
it is not theirs and show nothing of it, and the API refuses every route of it (403). A token
the API server does not accept is said to be refused. Without the cluster it is skipped."""

from __future__ import annotations

import uuid
from dataclasses import replace

import httpx
import pytest
from onnx_models import tiny_classifier
from pages import button, field, field_error, screenshot, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from servers import Service

from troupe_studio.app import create_app

# what a project member needs of the cluster for the pages below (the chart's user role has more)
MEMBER = [
    {
        "apiGroups": ["troupe.dev"],
        "resources": ["trainingjobs"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    }
]


@pytest.fixture
def cluster():
    from kubernetes import client, config

    from support.cluster import running_cluster

    kubeconfig = running_cluster()
    api = config.new_client_from_config(config_file=kubeconfig)
    return kubeconfig, client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)


def member_of(core, rbac, namespace: str, who: str) -> str:
    """A ServiceAccount bound in `namespace` to what a project member needs; its token."""
    from kubernetes import client

    core.create_namespaced_service_account(namespace, {"metadata": {"name": who}})
    rbac.create_namespaced_role(namespace, {"metadata": {"name": "studio-member"}, "rules": MEMBER})
    rbac.create_namespaced_role_binding(
        namespace,
        {
            "metadata": {"name": f"studio-member-{who}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                        "name": "studio-member"},
            "subjects": [{"kind": "ServiceAccount", "name": who, "namespace": namespace}],
        },
    )  # fmt: skip
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)
    )
    return core.create_namespaced_service_account_token(who, namespace, request).status.token


@pytest.fixture
def users(cluster):
    """The owner's project and the stranger's own namespace, each with its one member."""
    _, core, rbac = cluster
    suffix = uuid.uuid4().hex[:6]
    made: list[str] = []  # deleted even when making the rest failed
    try:
        out = {}
        for who in ("owner", "stranger"):
            ns = f"t-web-{who}-{suffix}"
            core.create_namespace({"metadata": {"name": ns, "labels": {"troupe.dev/test": "true"}}})
            made.append(ns)
            out[who] = {"ns": ns, "token": member_of(core, rbac, ns, who)}
        yield out
    finally:
        for ns in made:
            core.delete_namespace(ns, propagation_policy="Background")


@pytest.fixture
def studio(cluster, settings):
    """Overrides conftest's: the same service, in token mode, its own identity the
    kubeconfig's (TokenReview, SubjectAccessReview, impersonation)."""
    kubeconfig, _, _ = cluster
    token_mode = replace(settings, auth="token", kubeconfig=kubeconfig, auth_cache_s=1.0)
    svc = Service(create_app(token_mode)).start()
    yield svc
    svc.stop()


def sign_in(page, studio, token: str) -> None:
    page.get(studio.url + "/")
    wait(page, "the sign-in page", lambda: page.find_elements(By.CSS_SELECTOR, ".signin"))
    field(page, "Kubernetes token").send_keys(token)
    button(page, "Sign in").click()
    wait(page, "a project's page", lambda: "/p/" in page.current_url)


def switcher(page) -> list[str]:
    select = page.find_element(By.CSS_SELECTOR, ".switcher select")
    return [o.get_attribute("value") for o in Select(select).options if o.get_attribute("value")]


def test_a_user_without_rights_in_a_namespace_sees_nothing_of_it(page, studio, users):
    owner, stranger = users["owner"], users["stranger"]
    project = owner["ns"]
    as_owner = httpx.Client(
        base_url=f"{studio.url}/api/v1/projects/{project}",
        headers={"Authorization": f"Bearer {owner['token']}"},
        timeout=60,
    )
    as_owner.post(
        "/datasets/secret-rows/versions", params={"filename": "rows.csv"}, content=b"a\n1\n"
    ).raise_for_status()
    as_owner.post(
        "/models/secret-net/versions", params={"filename": "net.onnx"}, content=tiny_classifier()
    ).raise_for_status()

    sign_in(page, studio, stranger["token"])
    wait(page, "the stranger's own project", lambda: switcher(page) == [stranger["ns"]])
    assert page.current_url.endswith(f"/p/{stranger['ns']}/datasets")
    assert (
        f"system:serviceaccount:{stranger['ns']}:stranger"
        in page.find_element(By.CSS_SELECTOR, ".user").text
    )

    for path in ("datasets", "datasets/secret-rows", "models/secret-net/versions/1/graph"):
        page.get(f"{studio.url}/p/{project}/{path}")
        alert = wait(
            page,
            f"the refusal on {path}",
            lambda: page.find_elements(By.CSS_SELECTOR, "main [role=alert]"),
        )[0]
        assert "is not one of yours" in alert.text and project in alert.text
        main = page.find_element(By.TAG_NAME, "main").text
        assert "secret" not in main and not page.find_elements(By.CSS_SELECTOR, "table")
        assert switcher(page) == [stranger["ns"]]  # the project is not offered, even here
    screenshot(page, "token-mode-not-yours")

    as_stranger = {"Authorization": f"Bearer {stranger['token']}"}
    api = f"{studio.url}/api/v1/projects/{project}"
    for route in (
        "/datasets",
        "/datasets/secret-rows",
        "/datasets/secret-rows/versions/1/file",
        "/models/secret-net/versions/1/onnx-graph",
        "/tasks",
        "/runs/secret-r1",
    ):
        got = httpx.get(api + route, headers=as_stranger, timeout=60)
        assert got.status_code == 403, (route, got.text)
        assert "may not get trainingjobs.troupe.dev" in got.json()["detail"]  # not a 404
    listed = httpx.get(f"{studio.url}/api/v1/projects", headers=as_stranger, timeout=60)
    assert listed.json() == [{"name": stranger["ns"]}]

    page.find_element(By.CSS_SELECTOR, ".user button").click()  # sign out; the owner sees it
    sign_in(page, studio, owner["token"])
    page.get(f"{studio.url}/p/{project}/datasets")
    wait(page, "the owner's dataset", lambda: page.find_elements(By.LINK_TEXT, "secret-rows"))
    assert switcher(page) == [project]


def test_a_refused_token_is_said_to_be_refused(page, studio):
    assert httpx.get(studio.url + "/api/v1/whoami").status_code == 401
    page.get(studio.url + "/")
    wait(page, "the sign-in page", lambda: page.find_elements(By.CSS_SELECTOR, ".signin"))
    screenshot(page, "sign-in")
    field(page, "Kubernetes token").send_keys("not-a-token")
    button(page, "Sign in").click()
    message = wait(page, "the refusal", lambda: field_error(page, field(page, "Kubernetes token")))
    assert "401" in message

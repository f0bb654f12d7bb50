"""Who calls, and on which project: the `caller` dependency and the whoami/projects routes.

A project route depends on `caller(request, project)`: the Bearer token is reviewed (401 when
missing or refused), the project's namespace is asked whether the caller may do the request's
verb on TrainingJobs (403 naming namespace and verb), and the route gets a `Caller` whose
`api_client` impersonates the user. A project's permissions are the caller's TrainingJob
permissions in its namespace: reading needs get, uploading create, changing update, removing
delete.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from kubernetes.client import ApiClient
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from ..access import Access, ClusterUnavailable, Forbidden, Identity, Unauthenticated
from ..names import slug

VERBS = {
    "GET": "get",
    "HEAD": "get",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}
_made = threading.Lock()


@dataclass(frozen=True)
class Caller:
    identity: Identity
    api_client: ApiClient  # impersonates `identity` (token mode) or is the kubeconfig's own


class WhoAmI(BaseModel):
    username: str
    groups: list[str]
    mode: str


class Project(BaseModel):
    name: str


def access_of(conn: HTTPConnection) -> Access:
    """The app's Access, made from its settings on first use (tests may set their own)."""
    state = conn.app.state
    with _made:
        if getattr(state, "access", None) is None:
            api = _service_api(state)
            state.access = Access(api, mode=state.settings.auth, ttl=state.settings.auth_cache_s)
    return state.access


def _service_api(state) -> ApiClient:
    """The app's own client (`state.service_client()`, kube.service_client); none is 503, and
    asked again on the next request."""
    api = state.service_client()
    if api is None:
        message = "no Kubernetes configuration: set KUBECONFIG, or start the local cluster"
        raise _refuse(status.HTTP_503_SERVICE_UNAVAILABLE, message)
    return api


def bearer(conn: HTTPConnection) -> str | None:
    """The token of `Authorization: Bearer …`; a WebSocket may send it as ?access_token=
    instead, since browsers cannot set headers on one."""
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if conn.scope.get("type") == "websocket":
        return conn.query_params.get("access_token") or None
    return None


def _refuse(code: int, message: str) -> HTTPException:
    """On a WebSocket too: the refusal is sent as the handshake's HTTP answer (the ASGI
    denial response), so a client sees the same status and detail as over plain HTTP."""
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return HTTPException(code, message, headers=headers)


def identify(conn: HTTPConnection) -> Identity:
    """The caller's identity (401 without an accepted token in token mode)."""
    try:
        return access_of(conn).authenticate(bearer(conn))
    except Unauthenticated as exc:
        raise _refuse(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    except ClusterUnavailable as exc:
        raise _refuse(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None


def caller(request: HTTPConnection, project: str) -> Caller:
    """The authenticated, authorized caller of a route on `project` (a namespace)."""
    namespace = slug(project, "project", "path")  # Invalid: the app's 422 naming the field
    identity = identify(request)
    verb = VERBS.get(request.scope.get("method", "GET"), "get")  # a WebSocket only reads
    rules = access_of(request)
    try:
        rules.authorize(identity, namespace, verb, "trainingjobs")
    except Forbidden as exc:
        raise _refuse(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except ClusterUnavailable as exc:
        raise _refuse(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return Caller(identity, rules.impersonated(identity))


Identified = Annotated[Identity, Depends(identify)]
Called = Annotated[Caller, Depends(caller)]  # for project routes: `who: Called`
router = APIRouter(tags=["access"])


@router.get("/whoami", response_model=WhoAmI, responses={401: {}, 503: {}})
def whoami(request: HTTPConnection, identity: Identified):
    return WhoAmI(
        username=identity.username, groups=list(identity.groups), mode=access_of(request).mode
    )


@router.get("/projects", response_model=list[Project], responses={401: {}, 503: {}})
def projects(request: HTTPConnection, identity: Identified):
    try:
        return [Project(name=n) for n in access_of(request).projects(identity)]
    except ClusterUnavailable as exc:
        raise HTTPException(503, str(exc)) from None

"""Who is calling and what Kubernetes lets them do: every cluster call of the access rules.

Kubernetes decides, not the service: a Bearer token is checked with a TokenReview, a request
on a project (a namespace) with a SubjectAccessReview, and what the service then does on the
cluster it does through `impersonated(identity)`, a client that sends Impersonate-* headers, so
the API server applies the caller's RBAC again even where the service itself is wrong.

In local mode (a developer's `troupe-studio` next to their kubeconfig) there is no token: the
caller is whoever the kubeconfig's credentials are (asked with a SelfSubjectReview), and cluster
calls use those credentials directly.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kubernetes import client, config
from urllib3 import HTTPHeaderDict
from urllib3.exceptions import HTTPError as TransportError

GROUP = "troupe.dev"
PROJECT_VERB, PROJECT_RESOURCE = "list", "trainingjobs"  # what makes a namespace "yours"
REVIEWS_AT_ONCE = 8


@dataclass(frozen=True)
class Identity:
    username: str
    groups: tuple[str, ...] = ()
    uid: str = ""


class Unauthenticated(Exception):
    """No token, or one the API server does not accept."""


class Forbidden(Exception):
    """RBAC says no; the message names who, the verb, the resource and the namespace."""

    def __init__(self, identity: Identity, namespace: str, verb: str, resource: str, group: str):
        what = f"{resource}.{group}" if group else resource
        super().__init__(
            f"{identity.username} may not {verb} {what} in namespace {namespace!r}"
            " (ask for a RoleBinding there)"
        )
        self.namespace, self.verb = namespace, verb


class ClusterUnavailable(Exception):
    """The API server could not be asked (down, or answered with a server error)."""


class TTLCache:
    """A small thread-safe map whose entries expire `ttl` seconds after they were put."""

    def __init__(self, ttl: float, size: int = 1024, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.size, self.clock = ttl, size, clock
        self._items: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], object]):
        now = self.clock()
        with self._lock:
            hit = self._items.get(key)
            if hit and hit[0] > now:
                self._items.move_to_end(key)
                return hit[1]
        value = make()  # outside the lock: a review is a round trip
        with self._lock:
            self._items[key] = (now + self.ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def token_key(token: str) -> str:
    """What the cache keeps instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def impersonation_headers(identity: Identity) -> list[tuple[str, str]]:
    """The Impersonate-* headers for `identity`, one Impersonate-Group line per group."""
    out = [("Impersonate-User", identity.username)]
    out += [("Impersonate-Group", g) for g in identity.groups]
    if identity.uid:
        out.append(("Impersonate-Uid", identity.uid))
    return out


def kubeconfig_user(path: str | None = None) -> str:
    """The current context's user name in the kubeconfig, or "local" where there is none."""
    try:
        _, current = config.list_kube_config_contexts(config_file=path)
    except (config.ConfigException, OSError, TypeError):
        return "local"
    return (current or {}).get("context", {}).get("user") or "local"


class _Impersonating:
    """Wraps a client's urllib3 pool so that every request carries the Impersonate-* headers
    (the generated client keeps headers in a dict: it cannot send a header twice)."""

    def __init__(self, pool, headers: list[tuple[str, str]]):
        self._pool, self._headers = pool, headers

    def request(self, method, url, *args, headers=None, **kw):
        merged = HTTPHeaderDict(headers or {})
        for name in {n for n, _ in self._headers}:
            merged.discard(name)
        for name, value in self._headers:
            merged.add(name, value)
        return self._pool.request(method, url, *args, headers=merged, **kw)

    def __getattr__(self, name):
        return getattr(self._pool, name)


def _asked(call, what: str):
    """Run the service's own API call `what`; an API server that is down, fails, or refuses
    the service itself (a missing ClusterRole) is ClusterUnavailable, saying which."""
    try:
        return call()
    except client.ApiException as exc:
        if exc.status in (401, 403):
            raise ClusterUnavailable(
                f"the service's credentials may not {what} ({exc.status} {exc.reason}):"
                " see its ClusterRole"
            ) from exc
        if exc.status and exc.status < 500:
            raise
        raise ClusterUnavailable(f"Kubernetes API: {exc.status} {exc.reason}") from exc
    except (OSError, TransportError) as exc:  # refused, reset, timed out, retries spent
        raise ClusterUnavailable(f"Kubernetes API unreachable: {exc}") from exc


class Access:
    """The access rules of one service: its own client, its mode ("token" or "local") and
    short-lived caches of the reviews, so a busy page does not review every request."""

    def __init__(
        self,
        api: client.ApiClient,
        mode: str = "token",
        ttl: float = 10.0,
        kubeconfig: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if mode not in ("token", "local"):
            raise ValueError(f"auth mode must be 'token' or 'local', not {mode!r}")
        self.api, self.mode, self.kubeconfig = api, mode, kubeconfig
        self._tokens = TTLCache(ttl, clock=clock)
        self._reviews = TTLCache(ttl, size=4096, clock=clock)
        self._clients = TTLCache(300.0, size=64, clock=clock)  # reuses connections per user
        self._local: Identity | None = None

    def authenticate(self, token: str | None) -> Identity:
        """The identity a token stands for (TokenReview); local mode ignores tokens."""
        if self.mode == "local":
            return self.local_identity()
        if not token:
            raise Unauthenticated("a Bearer token is required (Authorization: Bearer <token>)")
        found = self._tokens.get(token_key(token), lambda: self._review_token(token))
        if found is None:
            raise Unauthenticated("the token was not accepted by the Kubernetes API server")
        return found

    def _review_token(self, token: str) -> Identity | None:
        review = client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token))
        auth = client.AuthenticationV1Api(self.api)
        status = _asked(lambda: auth.create_token_review(review), "create tokenreviews").status
        if not status or not status.authenticated or not status.user:
            return None
        user = status.user
        return Identity(user.username, tuple(user.groups or ()), user.uid or "")

    def local_identity(self) -> Identity:
        """Whoever the service's own credentials are; the kubeconfig's user name (or "local")
        where the API server cannot say (SelfSubjectReview is GA from Kubernetes 1.28)."""
        if self._local is None:
            auth = client.AuthenticationV1Api(self.api)
            review = client.V1SelfSubjectReview()
            try:
                asked = _asked(
                    lambda: auth.create_self_subject_review(review), "create selfsubjectreviews"
                )
                user = asked.status.user_info
                self._local = Identity(user.username, tuple(user.groups or ()), user.uid or "")
            except client.ApiException:  # 404: an API server older than the API
                self._local = Identity(kubeconfig_user(self.kubeconfig))
        return self._local

    def allowed(
        self, identity: Identity, namespace: str, verb: str, resource: str, group: str = GROUP
    ) -> bool:
        """Whether RBAC (or any authorizer) lets `identity` do `verb` on `resource`."""
        key = (identity, namespace, verb, resource, group)
        return self._reviews.get(key, lambda: self._review_access(*key))

    def authorize(
        self, identity: Identity, namespace: str, verb: str, resource: str, group: str = GROUP
    ) -> None:
        """Raise Forbidden unless `identity` may do `verb` on `resource` in `namespace`."""
        if not self.allowed(identity, namespace, verb, resource, group):
            raise Forbidden(identity, namespace, verb, resource, group)

    def _review_access(
        self, identity: Identity, namespace: str, verb: str, resource: str, group: str
    ) -> bool:
        attrs = client.V1ResourceAttributes(
            namespace=namespace, verb=verb, resource=resource, group=group
        )
        authz = client.AuthorizationV1Api(self.api)
        if self.mode == "local":  # the caller is the service's own credentials
            spec = client.V1SelfSubjectAccessReviewSpec(resource_attributes=attrs)
            body = client.V1SelfSubjectAccessReview(spec=spec)
            status = _asked(
                lambda: authz.create_self_subject_access_review(body),
                "create selfsubjectaccessreviews",
            ).status
        else:
            spec = client.V1SubjectAccessReviewSpec(
                user=identity.username,
                groups=list(identity.groups) or None,
                uid=identity.uid or None,
                resource_attributes=attrs,
            )
            body = client.V1SubjectAccessReview(spec=spec)
            status = _asked(
                lambda: authz.create_subject_access_review(body), "create subjectaccessreviews"
            ).status
        return bool(status and status.allowed and not status.denied)

    def projects(self, identity: Identity) -> list[str]:
        """The namespaces `identity` may use: those where it may list TrainingJobs."""
        core = client.CoreV1Api(self.api)
        names = sorted(
            n.metadata.name for n in _asked(core.list_namespace, "list namespaces").items
        )
        with ThreadPoolExecutor(REVIEWS_AT_ONCE) as pool:  # one review per namespace
            mine = pool.map(
                lambda n: self.allowed(identity, n, PROJECT_VERB, PROJECT_RESOURCE), names
            )
            return [n for n, yes in zip(names, list(mine), strict=True) if yes]

    def impersonated(self, identity: Identity) -> client.ApiClient:
        """A client whose every request the API server treats as `identity`'s own."""
        if self.mode == "local":
            return self.api
        return self._clients.get(identity, lambda: self._impersonating(identity))

    def _impersonating(self, identity: Identity) -> client.ApiClient:
        api = client.ApiClient(self.api.configuration)
        rest = api.rest_client
        rest.pool_manager = _Impersonating(rest.pool_manager, impersonation_headers(identity))
        return api

"""The one place that talks to the Kubernetes API: it carries out a Plan.

Calls run in a thread pool (the kubernetes client is synchronous) so that one job's pods
are created concurrently and one slow job never holds up the others. Every call is
idempotent: creating what exists or deleting what is gone counts as done.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

import urllib3
from kubernetes import client

from troupe.core.naming import GROUP, PLURAL, VERSION
from troupe.runtime import metrics, priority
from troupe.runtime.priority import PriorityExecutor

log = logging.getLogger(__name__)

# Objects a pod mounts, or a gang scheduler needs, must exist before the pod is created.
# Headless Services need not: their DNS records are only looked up once a container runs,
# long after the same pass has created them, so they go out with the pods (one round
# trip less before a job's first pod exists).
_FIRST_KINDS = ("ConfigMap", "Secret", "PodGroup")
# Custom kinds the operator deletes by name: kind -> apiVersion (others are core/v1)
_CUSTOM = {"TrainingJob": f"{GROUP}/{VERSION}", "Workload": "kueue.x-k8s.io/v1beta1"}
_ORIGIN = "troupe-operator"
_JSON = "application/json"
_MERGE = "application/merge-patch+json"  # custom objects
_STRATEGIC = "application/strategic-merge-patch+json"  # core objects


class Refusal(NamedTuple):
    kind: str
    name: str
    message: str


# API calls in flight at once: `--api-concurrency`'s default (design.md: why 32)
DEFAULT_CONCURRENCY = 32


def status_threads(concurrency: int) -> int:
    """Threads kept for job status writes and Events, apart from the `concurrency` ones."""
    return max(2, concurrency // 4)


class Adapter:
    def __init__(self, api_client: client.ApiClient, concurrency: int = DEFAULT_CONCURRENCY):
        self._api = api_client
        self._pool = PriorityExecutor(concurrency, "troupe-api")
        # A job's status and Events must not queue behind a thousand other jobs' pod
        # creations: when a burst of jobs arrives, "Running" would be written minutes late.
        self._status_pool = PriorityExecutor(status_threads(concurrency), "troupe-status")

    def _send(
        self, method: str, path: str, body: Any, query: dict | None, content_type: str
    ) -> bytes:
        """One request through the client's connection pool, with its auth and TLS.

        Not through the generated API methods: they turn every body into their pydantic
        models and back (validate_call, sanitising), which cost the operator more CPU than
        the HTTP request itself (bench profile: a tenth of all its CPU).
        """
        headers = dict(self._api.default_headers, Accept=_JSON)
        if body is not None:
            headers["Content-Type"] = content_type
        self._api.update_params_for_auth(headers, None, ["BearerToken"], path, method, body)
        url = self._api.configuration.host + path + (f"?{urlencode(query)}" if query else "")
        response = self._api.rest_client.request(method, url, headers=headers, body=body)
        data = response.read()
        if not 200 <= response.status <= 299:
            raise client.ApiException(
                status=response.status, reason=response.reason, body=data.decode(errors="replace")
            )
        return data

    async def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict | None = None,
        content_type: str = _JSON,
        parse: bool = True,
        lane: str = "api",
    ):
        """Run one API call in its lane's threads; the response is read as plain JSON (or
        not at all).

        `lane`: "api" calls queue by the priority of the pass under way (priority.py);
        "status" and "event" share the status threads, a job's status ahead of Events (it
        is what tools read).
        """
        queued = time.monotonic()
        waited = metrics.API_QUEUE_SECONDS.labels("api" if lane == "api" else "status")

        def call():
            waited.observe(time.monotonic() - queued)
            try:
                data = self._send(method, path, body, query, content_type)
            except urllib3.exceptions.ProtocolError:
                # The server closed a kept-alive connection as the request went out (urllib3
                # resends only idempotent verbs). Once more on a fresh one: a create that did
                # arrive answers 409, which counts as done; at worst an Event is doubled.
                data = self._send(method, path, body, query, content_type)
            return json.loads(data) if data and parse else None

        if lane == "api":
            future = self._pool.submit(call, priority=priority.current.get())
        else:
            future = self._status_pool.submit(call, priority=0 if lane == "status" else 1)
        return await asyncio.wrap_future(future)

    # --- carrying out a plan -------------------------------------------------------------

    async def create_all(self, namespace: str, manifests: list[dict]) -> list[Refusal]:
        """Create objects, prerequisites first; return what the API server refused and why
        (a quota, a policy, an invalid template): the job's Events should say so."""
        first = [m for m in manifests if m["kind"] in _FIRST_KINDS]
        rest = [m for m in manifests if m["kind"] not in _FIRST_KINDS]
        refused = []
        for wave in (first, rest):
            results = await asyncio.gather(*(self._create(namespace, m) for m in wave))
            refused += [r for r in results if r]
        return refused

    async def delete_all(self, namespace: str, targets: list[tuple[str, str]]) -> None:
        await asyncio.gather(*(self._delete(namespace, kind, name) for kind, name in targets))

    async def patch_status(self, namespace: str, name: str, old: dict, new: dict) -> dict | None:
        """Write the job's status if it differs from what is stored; return the new object."""
        patch = status_patch(old, new)
        if not patch:
            return None
        try:
            return await self._call(
                "PATCH",
                _path(f"{GROUP}/{VERSION}", PLURAL, namespace, name, "status"),
                {"status": patch},
                content_type=_MERGE,
                lane="status",
            )
        except client.ApiException as exc:
            if exc.status == 404:
                return None
            metrics.API_ERRORS.labels("patch", "trainingjobs").inc()
            raise

    async def patch_custom_status_all(
        self, namespace: str, patches: list[tuple[str, str, str, dict]]
    ) -> bool:
        """Merge-patch custom objects' status subresources (a Kueue Workload's conditions).
        A patch carrying a stale resourceVersion is refused (409): False, plan again."""
        results = await asyncio.gather(*(self._patch_custom_status(namespace, *p) for p in patches))
        return all(results)

    async def _patch_custom_status(
        self, namespace: str, api_version: str, kind: str, name: str, patch: dict
    ) -> bool:
        try:
            await self._call(
                "PATCH",
                _path(api_version, _plural(kind), namespace, name, "status"),
                patch,
                content_type=_MERGE,
                parse=False,
            )
        except client.ApiException as exc:
            if exc.status in (404, 409):
                return exc.status == 404
            metrics.API_ERRORS.labels("patch", kind.lower()).inc()
            raise
        return True

    async def delete_job(self, namespace: str, name: str) -> None:
        await self._delete(namespace, "TrainingJob", name)

    async def post_event(self, job: dict, type_: str, reason: str, message: str) -> None:
        """Record an Event on the job (best effort: losing one must not fail a reconcile)."""
        meta = job["metadata"]
        body = event_body(meta, type_, reason, message)
        try:
            await self._call(
                "POST", _path("v1", "events", meta["namespace"]), body, parse=False, lane="event"
            )
        except client.ApiException as exc:
            log.warning("could not post event %s on %s: %s", reason, meta["name"], exc.reason)

    async def dry_run_pods(self, namespace: str, pods: dict[int, dict]) -> dict[int, str]:
        """Server-side dry-run; what the API server said about each pod it rejected."""

        async def one(pod: dict) -> str | None:
            try:
                path = _path("v1", "pods", namespace)
                await self._call("POST", path, pod, query={"dryRun": "All"}, parse=False)
            except client.ApiException as exc:
                if exc.status in (400, 422):
                    return _api_message(exc)
                # the dry-run is an extra check: when it cannot run, the job is not blocked
                log.warning("dry-run of %s skipped: %s", pod["metadata"]["name"], exc.reason)
            return None

        results = await asyncio.gather(*(one(p) for p in pods.values()))
        return {i: msg for i, msg in zip(pods, results, strict=True) if msg}

    async def update_all(self, namespace: str, manifests: list[dict]) -> None:
        """Merge each manifest onto its object; one that is gone yet counts as done."""
        await asyncio.gather(*(self._update(namespace, m) for m in manifests))

    async def _update(self, namespace: str, manifest: dict) -> None:
        name, plural = manifest["metadata"]["name"], _plural(manifest["kind"])
        path = _path(manifest["apiVersion"], plural, namespace, name)
        try:
            await self._call("PATCH", path, {"spec": manifest["spec"]}, content_type=_MERGE)
        except client.ApiException as exc:
            if exc.status == 404:
                return
            metrics.API_ERRORS.labels("update", manifest["kind"].lower()).inc()
            raise

    async def patch_all(self, namespace: str, patches: list[tuple[str, str, dict]]) -> None:
        """Merge-patch core objects (membership ConfigMap, join labels); gone counts as done."""
        await asyncio.gather(*(self._patch(namespace, *p) for p in patches))

    async def _patch(self, namespace: str, kind: str, name: str, patch: dict) -> None:
        try:
            path = _path("v1", _plural(kind), namespace, name)
            await self._call("PATCH", path, patch, content_type=_STRATEGIC, parse=False)
        except client.ApiException as exc:
            if exc.status == 404:
                return
            metrics.API_ERRORS.labels("patch", kind.lower()).inc()
            raise

    # --- log archives (kube/logarchive.py) --------------------------------------------

    async def read_secret(self, namespace: str, name: str) -> dict[str, str]:
        """A Secret's data, decoded."""
        import base64

        secret = await self._call("GET", _path("v1", "secrets", namespace, name), lane="status")
        return {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}

    async def pod_log(self, namespace: str, pod: str, container: str, limit: int) -> bytes:
        """A container's log as the kubelet keeps it, at most `limit` bytes."""
        path = _path("v1", "pods", namespace, pod) + "/log"
        query = {"container": container, "limitBytes": str(limit)}

        def call() -> bytes:
            return self._send("GET", path, None, query, _JSON)

        return await asyncio.wrap_future(self._status_pool.submit(call, priority=1))

    async def annotate_pod(self, namespace: str, pod: str, annotations: dict[str, str]) -> None:
        await self._patch(namespace, "Pod", pod, {"metadata": {"annotations": annotations}})

    # --- single objects ------------------------------------------------------------------

    async def _create(self, namespace: str, manifest: dict) -> Refusal | None:
        kind = manifest["kind"]
        try:
            path = _path(manifest.get("apiVersion", "v1"), _plural(kind), namespace)
            await self._call("POST", path, manifest, parse=False)  # its watch event follows
        except client.ApiException as exc:
            if exc.status == 409:  # already there: a previous run or a stale cache
                return None
            metrics.API_ERRORS.labels("create", kind.lower()).inc()
            if exc.status in (400, 403, 422):  # the server said no; asking again may not help
                return Refusal(kind, manifest["metadata"]["name"], _api_message(exc))
            raise
        return None

    async def _delete(self, namespace: str, kind: str, name: str) -> None:
        path = _path(_CUSTOM.get(kind, "v1"), _plural(kind), namespace, name)
        try:
            await self._call("DELETE", path, query={"propagationPolicy": "Background"}, parse=False)
        except client.ApiException as exc:
            if exc.status == 404:
                return
            metrics.API_ERRORS.labels("delete", kind.lower()).inc()
            raise


def served(api_client: client.ApiClient, group_version: str, plural: str) -> bool:
    """Whether the API server serves `plural` in `group_version` (discovery, readable by
    every authenticated client); False when the group is not served at all."""
    group, version = group_version.split("/")
    try:
        found = client.CustomObjectsApi(api_client).get_api_resources(group, version)
    except client.ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return any(r.name == plural for r in found.resources or [])


def _plural(kind: str) -> str:
    """The resource name of every kind the operator writes (Pod -> pods, ConfigMap ->
    configmaps, PodGroup -> podgroups); none of them has an irregular plural."""
    return kind.lower() + "s"


def _path(api_version: str, plural: str, namespace: str, name: str = "", sub: str = "") -> str:
    base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    path = f"{base}/namespaces/{namespace}/{plural}"
    if name:
        path += "/" + quote(name, safe="")
    return path + ("/" + sub if sub else "")


def event_body(meta: dict, type_: str, reason: str, message: str) -> dict:
    """A core/v1 Event about the TrainingJob whose metadata is `meta`."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "metadata": {"generateName": f"{meta['name']}.", "namespace": meta["namespace"]},
        "involvedObject": {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "TrainingJob",
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
        },
        "type": type_,
        "reason": reason,
        "message": message[:1024],
        "source": {"component": _ORIGIN},
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "reportingComponent": _ORIGIN,
        "reportingInstance": _ORIGIN,
    }


def status_patch(old: dict, new: dict) -> dict[str, Any]:
    """A JSON merge patch from the stored status to the desired one ({} when equal)."""
    patch: dict[str, Any] = {k: v for k, v in new.items() if old.get(k) != v}
    patch.update({k: None for k in old if k not in new})
    return patch


def _api_message(exc: client.ApiException) -> str:
    try:
        return json.loads(exc.body).get("message", exc.reason)
    except (TypeError, ValueError):
        return str(exc.reason)

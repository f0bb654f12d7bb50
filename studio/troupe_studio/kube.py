"""The one module that talks to the Kubernetes API server (the `kubernetes` client).

Every call is synchronous and is run in a thread (the routers use run_in_threadpool, the
watcher its own threads). Routes act with the caller's client (`http.auth.caller`: the
user's identity, impersonated); the watcher with the service's own. An API server that
cannot be reached is ClusterDown (503); a refusal keeps its status and message (Refused).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from urllib3.exceptions import HTTPError

GROUP, VERSION, PLURAL = "troupe.dev", "v1alpha1", "trainingjobs"
MANAGED = "app.kubernetes.io/managed-by=troupe-studio"


LOCAL_CLUSTER_KUBECONFIG = Path.home() / ".cache/troupe/kubeconfig"


class ClusterDown(Exception):
    """The API server could not be reached (or no kubeconfig): a 503."""


class Refused(Exception):
    """The API server said no: its status (403, 404, 409, 422 ...) and message."""

    def __init__(self, status: int, message: str, causes: list[dict] | None = None):
        super().__init__(message)
        self.status, self.message, self.causes = status, message, causes or []


def service_client(kubeconfig: str | None = None) -> client.ApiClient:
    """The service's own client: from `kubeconfig` when given, else from the first of
    $KUBECONFIG, ~/.kube/config, the pod's ServiceAccount, the local cluster's kubeconfig."""
    candidates = [os.environ.get("KUBECONFIG"), os.path.expanduser("~/.kube/config")]
    try:
        if kubeconfig:  # given: that one or none
            return config.new_client_from_config(config_file=kubeconfig)
        for path in filter(None, candidates):
            if os.path.exists(path.split(os.pathsep)[0]):
                return config.new_client_from_config(config_file=path)
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)
            return client.ApiClient(cfg)
        if LOCAL_CLUSTER_KUBECONFIG.exists():
            return config.new_client_from_config(config_file=str(LOCAL_CLUSTER_KUBECONFIG))
    except (config.ConfigException, OSError) as exc:
        raise ClusterDown(f"no Kubernetes configuration: {exc}") from exc
    raise ClusterDown(
        "no Kubernetes configuration: set KUBECONFIG, or start the local cluster (make cluster)"
    )


def _call(api: client.ApiClient | None, fn, *args, **kwargs):
    if api is None:
        raise ClusterDown("no Kubernetes configuration (kubeconfig or in-cluster)")
    try:
        return fn(*args, **kwargs)
    except ApiException as exc:
        if exc.status in (0, None, 502, 503, 504):
            raise ClusterDown(f"Kubernetes API server: {exc.status} {exc.reason}") from exc
        raise Refused(exc.status, _message(exc), _causes(exc)) from exc
    except (HTTPError, OSError) as exc:
        host = api.configuration.host
        raise ClusterDown(f"Kubernetes API server unreachable at {host}: {exc}") from exc


def _message(exc: ApiException) -> str:
    try:
        return json.loads(exc.body).get("message") or str(exc.reason)
    except (TypeError, ValueError, AttributeError):
        return str(exc.reason)


def _causes(exc: ApiException) -> list[dict]:
    try:
        return list((json.loads(exc.body).get("details") or {}).get("causes") or [])
    except (TypeError, ValueError, AttributeError):
        return []


def ensure_secret(api, namespace: str, name: str, data: dict[str, str]) -> None:
    """The Secret `name` holding `data`, created or brought up to date."""
    core = client.CoreV1Api(api)
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    body = {
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "troupe-studio"}},
        "data": encoded,
    }
    try:
        _call(api, core.create_namespaced_secret, namespace, body)
    except Refused as exc:
        if exc.status != 409:
            raise
        current = _call(api, core.read_namespaced_secret, name, namespace)
        if (current.data or {}) != encoded:
            _call(api, core.patch_namespaced_secret, name, namespace, {"data": encoded})


def create_job(api, manifest: dict, dry_run: bool = False) -> dict:
    custom = client.CustomObjectsApi(api)
    ns = manifest["metadata"]["namespace"]
    extra = {"dry_run": "All"} if dry_run else {}
    return _call(
        api, custom.create_namespaced_custom_object, GROUP, VERSION, ns, PLURAL, manifest, **extra
    )


def validate_job(api, manifest: dict) -> list[dict[str, str]]:
    """The API server's verdict on a job without creating it: [] or [{field, message}]."""
    try:
        create_job(api, manifest, dry_run=True)
    except Refused as exc:
        webhook = "admission webhook" in exc.message
        if exc.status not in (400, 409, 422) and not webhook:
            raise  # e.g. 403 from RBAC: the caller may not create jobs here
        if exc.status == 409:  # the name is taken: that is the run's business, not the task's
            return []
        if exc.causes:
            return [
                {"field": c.get("field", ""), "message": c.get("message", exc.message)}
                for c in exc.causes
            ]
        return [{"field": "", "message": exc.message}]
    return []


def read_job(api, namespace: str, name: str) -> dict | None:
    custom = client.CustomObjectsApi(api)
    try:
        return _call(
            api, custom.get_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, name
        )
    except Refused as exc:
        if exc.status == 404:
            return None
        raise


def suspend_job(api, namespace: str, name: str) -> bool:
    """Stop a run: spec.runPolicy.suspend, so the operator removes its pods (which upload
    their outputs as they go) and the job stays with its status. False if it is gone."""
    custom = client.CustomObjectsApi(api)
    try:
        _call(
            api,
            custom.patch_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            {"spec": {"runPolicy": {"suspend": True}}},
        )
    except Refused as exc:
        if exc.status == 404:
            return False
        raise
    return True


def delete_job(api, namespace: str, name: str) -> bool:
    """Delete the job (its pods go with it, in the background). False if it was gone."""
    custom = client.CustomObjectsApi(api)
    try:
        _call(
            api,
            custom.delete_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            propagation_policy="Background",
        )
    except Refused as exc:
        if exc.status == 404:
            return False
        raise
    return True


def job_pods(api, namespace: str, selector: str) -> list[dict]:
    core = client.CoreV1Api(api)
    pods = _call(api, core.list_namespaced_pod, namespace, label_selector=selector)
    return [api.sanitize_for_serialization(p) for p in pods.items]


def job_events(api, namespace: str, names: set[str]) -> list[dict]:
    core = client.CoreV1Api(api)
    events = _call(api, core.list_namespaced_event, namespace)
    out = [api.sanitize_for_serialization(e) for e in events.items]
    return [e for e in out if (e.get("involvedObject") or {}).get("name") in names]


def watch_objects(api, what: str, resource_version: str | None, timeout_s: int) -> Iterator:
    """(type, object as a dict) from a watch of studio's jobs, their pods, or all events.

    A list first when `resource_version` is None: its items come as ("LISTED", obj) and the
    last item is ("SYNCED", {"resourceVersion": ...}) to watch on from.
    """
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    if what == "jobs":
        fn, args, kw = (
            custom.list_cluster_custom_object,
            (GROUP, VERSION, PLURAL),
            {"label_selector": MANAGED},
        )
    elif what == "pods":
        fn, args, kw = core.list_pod_for_all_namespaces, (), {"label_selector": MANAGED}
    else:
        fn, args, kw = core.list_event_for_all_namespaces, (), {}
    if resource_version is None:
        listed = _call(api, fn, *args, **kw)
        if isinstance(listed, dict):
            items, rv = listed.get("items", []), listed["metadata"]["resourceVersion"]
        else:
            items = [api.sanitize_for_serialization(i) for i in listed.items]
            rv = listed.metadata.resource_version
        for item in items:
            yield "LISTED", item
        yield "SYNCED", {"resourceVersion": rv}
        return
    w = watch.Watch()
    stream = w.stream(fn, *args, resource_version=resource_version, timeout_seconds=timeout_s, **kw)
    try:
        for event in _guarded(api, stream):
            obj = event["object"]
            if not isinstance(obj, dict):
                obj = api.sanitize_for_serialization(obj)
            yield event["type"], obj
    finally:
        w.stop()


def _guarded(api, stream):
    while True:
        try:
            item = _call(api, next, stream)
        except StopIteration:
            return
        yield item


def follow_log(
    api, namespace: str, pod: str, container: str, since_seconds: int | None = None
) -> Iterator[list[str]]:
    """The container's log lines as they come, in batches (the lines of one chunk the API
    server sent: one line when the log is quiet, many when it is busy), each line with the
    kubelet's RFC 3339 timestamp in front ("2026-01-02T03:04:05.123456789Z text"); ends when
    the container does."""
    core = client.CoreV1Api(api)
    kw: dict[str, Any] = {"container": container, "follow": True, "timestamps": True}
    if since_seconds:
        kw["since_seconds"] = since_seconds
    response = _call(
        api, core.read_namespaced_pod_log, pod, namespace, _preload_content=False, **kw
    )
    rest = b""
    try:
        chunks = response.read_chunked() if response.chunked else response.stream(1024)
        for chunk in chunks:
            rest += chunk
            *lines, rest = rest.split(b"\n")
            if lines:
                yield [line.decode("utf-8", "replace") for line in lines]
        if rest:
            yield [rest.decode("utf-8", "replace")]
    except (HTTPError, OSError) as exc:
        raise ClusterDown(f"log stream of {namespace}/{pod} cut: {exc}") from exc
    finally:
        response.release_conn()


def read_pod(api, namespace: str, name: str) -> dict | None:
    core = client.CoreV1Api(api)
    try:
        return api.sanitize_for_serialization(_call(api, core.read_namespaced_pod, name, namespace))
    except Refused as exc:
        if exc.status == 404:
            return None
        raise


def read_log(api, namespace: str, pod: str, container: str) -> str:
    core = client.CoreV1Api(api)
    return _call(api, core.read_namespaced_pod_log, pod, namespace, container=container)

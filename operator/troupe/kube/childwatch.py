"""List+watch of Troupe's pods and Services, selected by label on the API server.

kopf filters labels on the client: it would receive, parse and route every pod in the
cluster (minutes at startup with thousands of foreign pods). Here the API server sends only
pods labelled with a job; each stream runs in a thread that reads raw JSON lines, and hands
parsed events to the event loop in batches, where they update the ChildCache.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from kubernetes import client

from troupe.core import naming
from troupe.core.children import Change, ChildCache
from troupe.runtime import metrics
from troupe.runtime.osthread import name_os_thread

log = logging.getLogger(__name__)
SELECTOR = naming.JOB_LABEL
PAGE = 500
WATCH_SECONDS = 300
RETRY_SECONDS = 2.0


class _Gone(Exception):
    """The watch's resourceVersion is too old: list again."""


class ChildWatch:
    def __init__(
        self,
        api_client: client.ApiClient,
        namespaces: list[str] | None,
        cache: ChildCache,
        on_change: Callable[[Change], None],
    ):
        self._core = client.CoreV1Api(api_client)
        self._namespaces = namespaces or [None]
        self.cache = cache
        self._on_change = on_change
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending = 0
        self._synced = asyncio.Event()

    async def start(self) -> None:
        """Start one thread per (kind, namespace); return once every first list is in."""
        self._loop = asyncio.get_running_loop()
        streams = [(k, ns) for k in ("Pod", "Service") for ns in self._namespaces]
        self._pending = len(streams)
        for kind, namespace in streams:
            threading.Thread(
                target=self._run, args=(kind, namespace), name=f"watch-{kind}", daemon=True
            ).start()
        await self._synced.wait()

    def stop(self) -> None:
        self._stop.set()

    # --- on the event loop ---------------------------------------------------------------

    def _listed(self, kind: str, namespace: str | None, items: list[dict], first: bool) -> None:
        for change in self.cache.replace(kind, namespace, items):
            self._on_change(change)
        if first:
            self._pending -= 1
            if self._pending == 0:
                self._synced.set()

    def _events(self, kind: str, events: list[tuple[str, dict]]) -> None:
        lag = metrics.WATCH_LAG.labels(kind)
        now = time.time()
        for event_type, obj in events:
            # a deletion's last write is older than the deletion: it says nothing of the lag
            if event_type != "DELETED" and not obj["metadata"].get("deletionTimestamp"):
                written = last_write(obj)
                if written is not None:
                    lag.observe(max(0.0, now - written))
            change = self.cache.apply(kind, event_type, obj)
            if change:
                self._on_change(change)

    # --- in the stream's thread ----------------------------------------------------------

    def _run(self, kind: str, namespace: str | None) -> None:
        name_os_thread()
        first = True
        while not self._stop.is_set():
            try:
                items, version = self._list(kind, namespace)
                self._loop.call_soon_threadsafe(self._listed, kind, namespace, items, first)
                first = False
                while not self._stop.is_set():
                    version = self._watch(kind, namespace, version)
            except _Gone:
                log.info("%s watch expired; listing again", kind)
            except Exception as exc:  # a broken connection, an API server restart
                log.warning("%s watch failed (%s); retrying in %.0fs", kind, exc, RETRY_SECONDS)
                self._stop.wait(RETRY_SECONDS)

    def _call(self, kind: str, namespace: str | None, **kwargs):
        plural = "pod" if kind == "Pod" else "service"
        if namespace is None:
            fn = getattr(self._core, f"list_{plural}_for_all_namespaces")
            return fn(label_selector=SELECTOR, _preload_content=False, **kwargs)
        fn = getattr(self._core, f"list_namespaced_{plural}")
        return fn(namespace, label_selector=SELECTOR, _preload_content=False, **kwargs)

    def _list(self, kind: str, namespace: str | None) -> tuple[list[dict], str]:
        items, token = [], None
        while True:
            page = json.loads(self._call(kind, namespace, limit=PAGE, _continue=token).data)
            items.extend(page.get("items") or [])
            token = page["metadata"].get("continue")
            if not token:
                return items, page["metadata"]["resourceVersion"]

    def _watch(self, kind: str, namespace: str | None, version: str) -> str:
        """One watch request until the server ends it; returns the last version seen."""
        response = self._call(
            kind,
            namespace,
            watch=True,
            resource_version=version,
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
            _request_timeout=(10, WATCH_SECONDS + 30),
        )
        try:
            for chunk in _lines(response):
                events = []
                for line in chunk:
                    event = json.loads(line)
                    obj = event.get("object") or {}
                    if event.get("type") == "ERROR":
                        if obj.get("code") == 410:
                            raise _Gone
                        raise RuntimeError(obj.get("message", "watch error"))
                    version = (obj.get("metadata") or {}).get("resourceVersion") or version
                    if event.get("type") != "BOOKMARK":
                        events.append((event["type"], obj))
                if events:
                    self._loop.call_soon_threadsafe(self._events, kind, events)
                if self._stop.is_set():
                    break
        finally:
            response.release_conn()
        return version


def _lines(response) -> Iterator[list[bytes]]:
    """Complete JSON lines as the network delivers them, a list per read."""
    rest = b""
    for data in response.stream(64 * 1024, decode_content=True):
        parts = (rest + data).split(b"\n")
        rest = parts.pop()
        lines = [p for p in parts if p.strip()]
        if lines:
            yield lines


def last_write(obj: dict) -> float | None:
    """When the object was last written (epoch seconds, whole): the newest time in its
    managedFields or its status conditions. A pod's binding goes around the field manager
    (managedFields keep the create's time) but sets PodScheduled's transition time; with
    managedFields alone every binding counted the pod's wait for the scheduler as lag."""
    times = [e.get("time") for e in (obj.get("metadata") or {}).get("managedFields") or []]
    times += [
        c.get("lastTransitionTime") for c in (obj.get("status") or {}).get("conditions") or []
    ]
    latest = max((t for t in times if t), default=None)  # RFC 3339 in UTC sorts as text
    if latest is None:
        return None
    try:
        return datetime.fromisoformat(latest.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None

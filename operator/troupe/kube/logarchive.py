"""Archive a finished pod's container logs into the store, beside its results.

Only the API server can read another container's log, so this is the operator's job, not
the upload sidecar's. The outcome goes onto the pod as an annotation: the pod watch brings
it back to the planner, which records it in the job's status and lets the job finish.
"""

from __future__ import annotations

import asyncio
import logging

from kubernetes import client

from troupe.core import naming
from troupe.core.reconcile.results import LogArchive
from troupe.kube.adapter import Adapter
from troupe.runtime import store

log = logging.getLogger(__name__)
LOG_LIMIT = 64 << 20  # per container: the kubelet's own rotation keeps less by default
TIMEOUT = 180.0


class LogArchiver:
    """One archive per pod at a time; a request for a pod already under way is dropped."""

    def __init__(self, adapter: Adapter):
        self.adapter = adapter
        self.endpoint = ""  # instead of the Secret's (an operator outside the cluster)
        self.running: dict[tuple[str, str], asyncio.Task] = {}

    def submit(self, namespace: str, archives: list[LogArchive]) -> None:
        for archive in archives:
            key = (namespace, archive.pod)
            if key not in self.running:
                task = asyncio.create_task(self._run(namespace, archive))
                self.running[key] = task
                task.add_done_callback(lambda _, key=key: self.running.pop(key, None))

    async def _run(self, namespace: str, archive: LogArchive) -> None:
        try:
            outcome = await asyncio.wait_for(self.archive(namespace, archive), TIMEOUT)
        except Exception as exc:  # recorded on the pod, so the job finishes and says why
            log.warning("archiving logs of %s/%s failed: %s", namespace, archive.pod, exc)
            outcome = f"error: {_reason(exc, archive)}"[:500]
        try:
            await self.adapter.annotate_pod(
                namespace, archive.pod, {naming.LOGS_ANNOTATION: outcome}
            )
        except Exception:
            log.exception("cannot annotate %s/%s", namespace, archive.pod)

    async def archive(self, namespace: str, archive: LogArchive) -> str:
        """Every container's log to <uri><container>.log; the URI, once all are there."""
        secret = await self.adapter.read_secret(namespace, archive.secret)
        creds = store.Credentials(
            endpoint=self.endpoint or secret.get("endpoint", ""),
            access_key=secret.get("accessKey", ""),
            secret_key=secret.get("secretKey", ""),
            region=secret.get("region") or "us-east-1",
        )
        logs = {}
        for container in archive.containers:
            try:
                logs[container] = await self.adapter.pod_log(
                    namespace, archive.pod, container, LOG_LIMIT
                )
            except client.ApiException as exc:
                if exc.status != 400:  # 400: the container never started; no log to keep
                    raise
        await asyncio.to_thread(_write, creds, archive.uri, logs)
        return archive.uri


def _write(creds: store.Credentials, uri: str, logs: dict[str, bytes]) -> None:
    s3 = store.client(creds)
    bucket, prefix = store.split_uri(uri)
    for container, data in logs.items():
        store.write_bytes(s3, bucket, f"{prefix}{container}.log", data, "text/plain")


def _reason(exc: Exception, archive: LogArchive) -> str:
    if isinstance(exc, client.ApiException) and exc.status == 404:
        return f"secret {archive.secret} or pod {archive.pod} not found"
    if isinstance(exc, TimeoutError):
        return f"not done in {TIMEOUT:.0f}s"
    return store.describe(exc, archive.uri)

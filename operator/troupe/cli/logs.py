"""`troupe logs`: every container's log of a job, prefixed with its pod."""

from __future__ import annotations

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from troupe.cli.kubeconfig import clients, namespace


def cmd_logs(args) -> int:
    """Every container's log, each line prefixed `[pod]` (`[pod/container]` in pods with more
    than one container). Without -f: pod by pod, in name order. With -f: lines as they come.
    A pod whose log cannot be read (not scheduled yet, say) is reported on stderr and the
    exit status is 1; the others are still shown."""
    core, _, client = clients(args)
    ns = namespace(args)
    selector = f"troupe.dev/job-name={args.name}" + (
        f",troupe.dev/role={args.role}" if args.role else ""
    )
    pods = sorted(
        core.list_namespaced_pod(ns, label_selector=selector).items,
        key=lambda p: p.metadata.name,
    )
    if not pods:
        what = f"role {args.role} of {args.name}" if args.role else args.name
        print(f"no pods for {what} in namespace {ns}", file=sys.stderr)
        return 1
    # One stream per container: the API server refuses a container-less read of a pod
    # with several containers.
    sources = [
        (
            pod.metadata.name,
            c.name,
            pod.metadata.name if len(pod.spec.containers) == 1 else f"{pod.metadata.name}/{c.name}",
        )
        for pod in pods
        for c in pod.spec.containers
    ]
    out = threading.Lock()  # whole lines only, never two streams' halves on one line
    failures: list[str] = []

    def emit(prefix: str, lines) -> None:
        with out:
            for text in lines:
                sys.stdout.write(f"[{prefix}] {text}\n")
            sys.stdout.flush()

    def failed(prefix: str, exc: Exception) -> None:
        reason = exc
        if isinstance(exc, client.ApiException):
            try:
                reason = json.loads(exc.body)["message"]
            except (TypeError, ValueError, KeyError):
                reason = exc.body or exc.reason
        with out:
            failures.append(prefix)
            print(f"[{prefix}] error: {reason}", file=sys.stderr, flush=True)

    def read(pod: str, container: str, follow: bool):
        # Raw bytes: the client would otherwise try to parse a log that happens to be JSON.
        return core.read_namespaced_pod_log(
            pod, ns, container=container, follow=follow, _preload_content=False
        )

    if not args.follow:

        def fetch(source):
            pod, container, prefix = source
            try:
                resp = read(pod, container, False)
                return resp.data.decode(errors="replace").splitlines()
            except Exception as exc:  # noqa: BLE001 - reported per pod, the rest still shown
                return exc

        with ThreadPoolExecutor(max_workers=min(8, len(sources))) as pool:
            for (_, _, prefix), result in zip(sources, pool.map(fetch, sources), strict=True):
                if isinstance(result, Exception):
                    failed(prefix, result)
                else:
                    emit(prefix, result)
        return 1 if failures else 0

    def follow(source) -> None:
        pod, container, prefix = source
        try:
            resp = read(pod, container, True)
            for raw in resp:  # urllib3 yields whole lines however the chunks were cut
                emit(prefix, [raw.decode(errors="replace").removesuffix("\n")])
            resp.release_conn()
        except Exception as exc:  # noqa: BLE001 - reported per pod, the rest still followed
            failed(prefix, exc)

    threads = [threading.Thread(target=follow, args=(s,), daemon=True) for s in sources]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                # in short waits: Ctrl-C is handled here even when the signal lands on
                # a follower's thread, which cannot wake a join without a timeout
                t.join(timeout=0.5)
    except KeyboardInterrupt:
        # keep the followers off stdout while the interpreter exits; one stuck writing
        # to a reader that went away holds stdout's own lock: leave without flushing
        if not out.acquire(timeout=2):
            os._exit(130)
        sys.stdout.flush()
        return 130
    return 1 if failures else 0

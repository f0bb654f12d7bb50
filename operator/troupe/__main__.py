"""`python -m troupe` / `troupe-operator`: run the controller against any kubeconfig."""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os

import kopf
from kubernetes import client, config

from troupe.core import artifacts, kueue
from troupe.core.children import ChildCache
from troupe.kube import handlers
from troupe.kube.adapter import DEFAULT_CONCURRENCY, Adapter, served, status_threads
from troupe.kube.childwatch import ChildWatch
from troupe.kube.workers import JobWorkers
from troupe.runtime import allocator, metrics


def _seconds_or_never(text: str) -> float:
    """Seconds; 0 means never (math.inf)."""
    seconds = float(text)
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"{text}: seconds may not be negative")
    return seconds or math.inf


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="troupe-operator", description=__doc__)
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        help="watch only this namespace (repeatable)",
    )
    scope.add_argument(
        "-A", "--all-namespaces", action="store_true", help="watch every namespace (the default)"
    )
    parser.add_argument(
        "--resync-seconds",
        type=float,
        default=float(os.environ.get("TROUPE_RESYNC_SECONDS", "30")),
        help="re-evaluate every job at least this often",
    )
    parser.add_argument("--metrics-port", type=int, default=9090, help="0 disables metrics")
    parser.add_argument(
        "--liveness",
        default="http://0.0.0.0:8080/healthz",
        help="kopf liveness endpoint ('' disables)",
    )
    parser.add_argument(
        "--api-concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help="API calls in flight at once, across all jobs; fewer leaves the API server idle "
        "between a job's requests, more queues them in a busy API server, where they slow its "
        "other clients (the kubelets starting the pods)",
    )
    parser.add_argument(
        "--progress-seconds",
        type=_seconds_or_never,
        default=30.0,
        help="a job's pod counts and role breakdown, when nothing else in its status changed, "
        "are written once they have been still this long (or moving for twice as long); "
        "0: only with the job's next phase or condition change",
    )
    parser.add_argument(
        "--events",
        choices=("all", "warnings"),
        default="all",
        help="which Events to post: warnings leaves out the Normal ones (a job ran, "
        "succeeded, its pods were created or deleted), which repeat the job's conditions",
    )
    hook = parser.add_argument_group("validating webhook (off unless --webhook-port)")
    hook.add_argument("--webhook-port", type=int)
    hook.add_argument("--webhook-addr", default="0.0.0.0")
    hook.add_argument("--webhook-host", help="host name the API server uses to reach us")
    hook.add_argument("--webhook-cert", help="server certificate (PEM)")
    hook.add_argument("--webhook-key", help="server private key (PEM)")
    hook.add_argument("--webhook-ca", help="CA bundle the API server verifies us with")
    hook.add_argument(
        "--webhook-managed",
        metavar="NAME",
        help="let the operator keep a ValidatingWebhookConfiguration NAME "
        "(local runs; the Helm chart ships its own)",
    )
    parser.add_argument(
        "--kueue",
        choices=("auto", "on", "off"),
        default=os.environ.get("TROUPE_KUEUE", "auto"),
        help="queue jobs labelled kueue.x-k8s.io/queue-name through Kueue Workloads; auto: "
        "when the API server serves Kueue's Workload CRD at startup",
    )
    parser.add_argument(
        "--artifacts-image",
        default=os.environ.get("TROUPE_ARTIFACTS_IMAGE", artifacts.IMAGE),
        help="image of the containers that fetch a job's inputs and upload its results "
        "(`troupe artifacts`): the operator's own",
    )
    parser.add_argument(
        "--artifacts-endpoint",
        default=os.environ.get("TROUPE_ARTIFACTS_ENDPOINT", ""),
        help="the store as the operator reaches it, where that is not the endpoint in a job's "
        "Secret (an operator run outside the cluster): logs are archived there",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def _load_kube_config(concurrency: int, namespaces: list[str] | None) -> client.ApiClient:
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()
    settings = client.Configuration.get_default_copy()
    # one kept-alive connection per API thread and per watch stream (a pod and a Service
    # stream per namespace): a pool short of them re-handshakes TLS on every extra call
    streams = 2 * max(1, len(namespaces or []))
    settings.connection_pool_maxsize = concurrency + status_threads(concurrency) + streams
    api = client.ApiClient(settings)
    api.user_agent = "troupe-operator"
    return api


def _webhook_options(args: argparse.Namespace) -> dict | None:
    if not args.webhook_port:
        return None
    return {
        "addr": args.webhook_addr,
        "port": args.webhook_port,
        "host": args.webhook_host,
        "certfile": args.webhook_cert,
        "pkeyfile": args.webhook_key,
        "cafile": args.webhook_ca,
        "managed": args.webhook_managed,
    }


def _with_kueue(choice: str, api: client.ApiClient) -> bool:
    if choice != "auto":
        return choice == "on"
    found = served(api, kueue.API_VERSION, "workloads")
    logging.getLogger(__name__).info(
        "Kueue's Workload CRD %s: Kueue support %s",
        "found" if found else "not found",
        "on" if found else "off (labelled jobs wait as KueueUnavailable)",
    )
    return found


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    allocator.limit_arenas()  # before any thread starts (allocator.py)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # kopf logs every handled event at INFO: a line per pod transition
        logging.getLogger("kopf.objects").setLevel(logging.WARNING)
    api = _load_kube_config(args.api_concurrency, args.namespace)
    if args.metrics_port:
        metrics.serve(args.metrics_port)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    cache = ChildCache()
    artifacts.IMAGE = args.artifacts_image
    workers = JobWorkers(
        Adapter(api, args.api_concurrency),
        cache,
        period=args.resync_seconds,
        progress_quiet=args.progress_seconds,
        normal_events=args.events == "all",
        max_passes=8 * args.api_concurrency,  # enough passes to keep every API slot busy
    )
    workers.archiver.endpoint = args.artifacts_endpoint
    handlers.install(
        workers,
        ChildWatch(api, args.namespace, cache, workers.child_changed),
        webhook=_webhook_options(args),
        namespaced=bool(args.namespace),
        with_kueue=_with_kueue(args.kueue, api),
    )
    allocator.keep_trimming()
    kopf.run(
        loop=loop,
        standalone=True,
        clusterwide=not args.namespace,
        namespaces=args.namespace,
        liveness_endpoint=args.liveness or None,
    )


if __name__ == "__main__":
    main()

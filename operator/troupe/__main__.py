"""`python -m troupe` / `troupe-operator`: run the controller against any kubeconfig."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

import kopf
from kubernetes import client, config

from troupe import handlers, metrics
from troupe.adapter import Adapter
from troupe.workers import JobWorkers


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
        default=32,
        help="parallel API calls when creating a job's pods",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def _load_kube_config() -> client.ApiClient:
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()
    api = client.ApiClient()
    api.user_agent = "troupe-operator"
    return api


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    api = _load_kube_config()
    if args.metrics_port:
        metrics.serve(args.metrics_port)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handlers.install(JobWorkers(Adapter(api, args.api_concurrency), period=args.resync_seconds))
    kopf.run(
        loop=loop,
        standalone=True,
        clusterwide=not args.namespace,
        namespaces=args.namespace,
        liveness_endpoint=args.liveness or None,
    )


if __name__ == "__main__":
    main()

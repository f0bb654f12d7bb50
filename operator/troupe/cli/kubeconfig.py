"""Which cluster and namespace a `troupe` command talks to, chosen as kubectl chooses them."""

from __future__ import annotations

import argparse


def clients(args: argparse.Namespace):
    """CoreV1Api, CustomObjectsApi and the client module, for the chosen context."""
    from kubernetes import client, config  # imported late: `troupe dag -f` needs no cluster

    config.load_kube_config(config_file=args.kubeconfig, context=args.context)
    api = client.ApiClient()
    api.user_agent = "troupe-cli"
    return client.CoreV1Api(api), client.CustomObjectsApi(api), client


def namespace(args: argparse.Namespace) -> str:
    """-n if given, else the namespace of the chosen context (--context, else the current)."""
    if args.namespace:
        return args.namespace
    from kubernetes import config

    contexts, current = config.list_kube_config_contexts(config_file=args.kubeconfig)
    return context_namespace(contexts, current, args.context)


def context_namespace(contexts: list[dict], current: dict, chosen: str | None) -> str:
    """The namespace of context `chosen` (None: the current one), "default" if it has none."""
    context = current
    if chosen:
        context = next((c for c in contexts if c["name"] == chosen), None)
        if context is None:
            raise SystemExit(f"troupe: no context named {chosen!r} in the kubeconfig")
    return (context.get("context") or {}).get("namespace") or "default"

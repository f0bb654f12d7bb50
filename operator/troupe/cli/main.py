"""`troupe`: a small kubectl companion for TrainingJobs.

get, describe, dag, logs, submit (validated locally first, with the webhook's rules), delete.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import yaml

from troupe.core.admission import review_job
from troupe.core.naming import GROUP, PLURAL, VERSION


def _clients(args):
    from kubernetes import client, config  # imported late: `troupe dag -f` needs no cluster

    config.load_kube_config(context=args.context)
    api = client.ApiClient()
    api.user_agent = "troupe-cli"
    return client.CoreV1Api(api), client.CustomObjectsApi(api), client


def _namespace(args) -> str:
    if args.namespace:
        return args.namespace
    from kubernetes import config

    contexts, active = config.list_kube_config_contexts()
    if args.context:
        active = next((c for c in contexts if c["name"] == args.context), active)
    return active["context"].get("namespace", "default")


def _age(stamp: str | None) -> str:
    if not stamp:
        return "-"
    seconds = int(
        (datetime.now(UTC) - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "   ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def cmd_get(args) -> int:
    _, custom, _ = _clients(args)
    if args.all_namespaces:
        items = custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)["items"]
    else:
        items = custom.list_namespaced_custom_object(GROUP, VERSION, _namespace(args), PLURAL)[
            "items"
        ]
    rows = [["NAMESPACE", "NAME", "FRAMEWORK", "PHASE", "READY", "RESTARTS", "AGE"]]
    for job in items:
        status = job.get("status") or {}
        rows.append(
            [
                job["metadata"]["namespace"],
                job["metadata"]["name"],
                job["spec"].get("framework", ""),
                status.get("phase", ""),
                f"{status.get('readyPods', 0)}/{status.get('totalPods', 0)}",
                str(status.get("restarts", 0)),
                _age(job["metadata"].get("creationTimestamp")),
            ]
        )
    if not args.all_namespaces:
        rows = [r[1:] for r in rows]
    print(_table(rows) if len(rows) > 1 else "No TrainingJobs found.")
    return 0


def cmd_describe(args) -> int:
    core, custom, _ = _clients(args)
    ns = _namespace(args)
    job = custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, args.name)
    status = job.get("status") or {}
    print(f"Name:       {args.name}\nNamespace:  {ns}\nFramework:  {job['spec'].get('framework')}")
    print(f"Phase:      {status.get('phase', '')}\nRestarts:   {status.get('restarts', 0)}")
    if status.get("message"):
        print(f"Message:    {status['message']}")
    print("\nRoles:")
    rows = [["ROLE", "REPLICAS", "PENDING", "RUNNING", "READY", "SUCCEEDED", "FAILED", "PHASE"]]
    for role in status.get("roles", []):
        rows.append(
            [role["name"]]
            + [
                str(role.get(k, 0))
                for k in ("replicas", "pending", "running", "ready", "succeeded", "failed")
            ]
            + [role.get("phase", "")]
        )
    print(_indent(_table(rows)))
    print("\nPods:")
    pods = core.list_namespaced_pod(ns, label_selector=f"troupe.dev/job-name={args.name}").items
    rows = [["POD", "PHASE", "RESTARTS", "EXIT", "REASON", "NODE"]]
    for pod in sorted(pods, key=lambda p: p.metadata.name):
        restarts, code, reason = 0, "", pod.status.reason or ""
        for cs in pod.status.container_statuses or []:
            restarts += cs.restart_count or 0
            term = (cs.state and cs.state.terminated) or (
                cs.last_state and cs.last_state.terminated
            )
            if term:
                code, reason = str(term.exit_code), term.reason or reason
        rows.append(
            [
                pod.metadata.name,
                pod.status.phase,
                str(restarts),
                code,
                reason,
                pod.spec.node_name or "",
            ]
        )
    print(_indent(_table(rows)))
    print("\nConditions:")
    rows = [["TYPE", "STATUS", "REASON", "MESSAGE"]]
    rows += [
        [c["type"], c["status"], c.get("reason", ""), c.get("message", "")]
        for c in status.get("conditions", [])
    ]
    print(_indent(_table(rows)))
    events = core.list_namespaced_event(ns, field_selector=f"involvedObject.name={args.name}").items
    events.sort(key=lambda e: e.last_timestamp or e.event_time or e.metadata.creation_timestamp)
    print("\nEvents:")
    rows = [["TYPE", "REASON", "MESSAGE"]] + [[e.type, e.reason, e.message] for e in events[-15:]]
    print(_indent(_table(rows)))
    return 0


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def dag_lines(spec: dict) -> list[str]:
    """The role dependency graph as an indented tree (a role under what it waits for)."""
    roles = {r["name"]: r for r in spec.get("roles", [])}
    children: dict[str, list[tuple[str, str]]] = {name: [] for name in roles}
    for name, role in roles.items():
        for dep in role.get("dependsOn", []):
            if dep["role"] in children:
                children[dep["role"]].append((name, dep.get("condition", "Ready")))
    lines: list[str] = []

    def walk(name: str, depth: int, via: str | None, path: tuple[str, ...]) -> None:
        role = roles[name]
        label = f"{name} x{role.get('replicas', 1)}"
        if via:
            label += f"  (after {path[-1]} {via})"
        lines.append("    " * depth + ("└── " if depth else "") + label)
        if name in path:
            lines[-1] += "  <- cycle"
            return
        for child, condition in sorted(children[name]):
            walk(child, depth + 1, condition, (*path, name))

    for name in roles:
        if not roles[name].get("dependsOn"):
            walk(name, 0, None, ())
    if not lines and roles:
        lines.append("every role waits for another: the graph has a cycle")
    return lines


def cmd_dag(args) -> int:
    if args.file:
        spec = _load(args.file)["spec"]
    else:
        _, custom, _ = _clients(args)
        spec = custom.get_namespaced_custom_object(
            GROUP, VERSION, _namespace(args), PLURAL, args.name
        )["spec"]
    print("\n".join(dag_lines(spec)))
    return 0


def cmd_logs(args) -> int:
    """Every container's log, each line prefixed `[pod]` (`[pod/container]` in pods with more
    than one container). Without -f: pod by pod, in name order. With -f: lines as they come.
    A pod whose log cannot be read (not scheduled yet, say) is reported on stderr and the
    exit status is 1; the others are still shown."""
    core, _, client = _clients(args)
    ns = _namespace(args)
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


def _load(path: str) -> dict:
    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    return yaml.safe_load(text)


def cmd_submit(args) -> int:
    manifest = _load(args.file)
    errors = review_job(manifest)
    if errors:
        print(f"{args.file}: the job would be rejected:", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    _, custom, client = _clients(args)
    ns = manifest.get("metadata", {}).get("namespace") or _namespace(args)
    name = manifest["metadata"]["name"]
    try:
        custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, manifest)
        print(f"trainingjob.troupe.dev/{name} created")
    except client.ApiException as exc:
        if exc.status != 409:
            print(f"rejected by the API server: {exc.body}", file=sys.stderr)
            return 1
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, ns, PLURAL, name, {"spec": manifest["spec"]}
        )
        print(f"trainingjob.troupe.dev/{name} configured")
    return 0


def cmd_delete(args) -> int:
    _, custom, _ = _clients(args)
    custom.delete_namespaced_custom_object(GROUP, VERSION, _namespace(args), PLURAL, args.name)
    print(f"trainingjob.troupe.dev/{args.name} deleted")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="troupe", description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--namespace")
    parser.add_argument("--context")
    sub = parser.add_subparsers(dest="command", required=True)
    get = sub.add_parser("get", help="list jobs")
    get.add_argument("-A", "--all-namespaces", action="store_true")
    get.set_defaults(fn=cmd_get)
    for name, fn, text in (
        ("describe", cmd_describe, "roles, pods, conditions, events"),
        ("delete", cmd_delete, "delete a job"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("name")
        p.set_defaults(fn=fn)
    dag = sub.add_parser("dag", help="the role dependency graph")
    dag.add_argument("name", nargs="?")
    dag.add_argument("-f", "--file", help="read the job from a file instead of the cluster")
    dag.set_defaults(fn=cmd_dag)
    logs = sub.add_parser("logs", help="logs of the job's pods")
    logs.add_argument("name")
    logs.add_argument("--role")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(fn=cmd_logs)
    submit = sub.add_parser("submit", help="validate locally, then create or update")
    submit.add_argument("file")
    submit.set_defaults(fn=cmd_submit)
    args = parser.parse_args(argv)
    if args.command == "dag" and not (args.name or args.file):
        parser.error("dag needs a job name or -f FILE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())

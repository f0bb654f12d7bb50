"""`troupe`: a small kubectl companion for TrainingJobs.

get, describe, dag, logs, submit (validated locally first, with the webhook's rules), delete.
"""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import yaml

from troupe.admission import review_job
from troupe.naming import GROUP, PLURAL, VERSION


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

    _, active = config.list_kube_config_contexts()
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
    core, _, _ = _clients(args)
    ns = _namespace(args)
    selector = f"troupe.dev/job-name={args.name}" + (
        f",troupe.dev/role={args.role}" if args.role else ""
    )
    pods = sorted(
        p.metadata.name for p in core.list_namespaced_pod(ns, label_selector=selector).items
    )
    if not pods:
        print(f"no pods for {args.name}", file=sys.stderr)
        return 1

    def stream(pod: str) -> None:
        if args.follow:
            resp = core.read_namespaced_pod_log(pod, ns, follow=True, _preload_content=False)
            for line in resp.stream():
                for text in line.decode(errors="replace").splitlines():
                    print(f"[{pod}] {text}", flush=True)
        else:
            for text in core.read_namespaced_pod_log(pod, ns).splitlines():
                print(f"[{pod}] {text}")

    threads = [threading.Thread(target=stream, args=(p,), daemon=True) for p in pods]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


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

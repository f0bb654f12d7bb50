"""`troupe get` and `troupe describe`: jobs, their roles, pods, conditions and events."""

from __future__ import annotations

from datetime import UTC, datetime

from troupe.cli.kubeconfig import clients, namespace
from troupe.core.naming import GROUP, PLURAL, VERSION


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
    _, custom, _ = clients(args)
    if args.all_namespaces:
        items = custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)["items"]
    else:
        items = custom.list_namespaced_custom_object(GROUP, VERSION, namespace(args), PLURAL)[
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
    core, custom, _ = clients(args)
    ns = namespace(args)
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
    if artifacts := status.get("artifacts"):
        print(f"\nArtifacts:  {artifacts.get('summary', '')}")
        print(_indent(artifact_table(artifacts)))
    events = core.list_namespaced_event(ns, field_selector=f"involvedObject.name={args.name}").items
    events.sort(key=lambda e: e.last_timestamp or e.event_time or e.metadata.creation_timestamp)
    print("\nEvents:")
    rows = [["TYPE", "REASON", "MESSAGE"]] + [[e.type, e.reason, e.message] for e in events[-15:]]
    print(_indent(_table(rows)))
    return 0


def artifact_table(artifacts: dict) -> str:
    """Inputs as fetched, then each pod's results and logs, one row each."""
    rows = [["", "NAME", "URI", "STATE", "SIZE", "SHA256 / LOGS"]]
    for i in artifacts.get("inputs") or []:
        size = f"{i.get('bytes', 0)} B in {i.get('objects', 0)}"
        rows.append(["in", i["name"], i["uri"], "Fetched", size, i.get("sha256", "")[:16]])
    for o in artifacts.get("outputs") or []:
        state = o.get("state", "Pending")
        size = f"{o.get('bytes', 0)} B in {o.get('files', 0)}" if state == "Uploaded" else ""
        rows.append(["out", o["pod"], o["uri"], state, size, o.get("message") or o.get("logs", "")])
    return _table(rows)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())

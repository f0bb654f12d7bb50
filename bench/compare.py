"""The side-by-side table of `make bench --peers`: every system's figures in one row and
Troupe's ratio to each peer (below 1: Troupe is faster or cheaper). Pure: a result in,
rows and text out."""

from __future__ import annotations

import math
from collections.abc import Callable

LATENCIES = (  # label, the phase's key, the percentiles shown
    ("submit -> all pods created", "all_pods_created", ("p50", "p95", "p99")),
    ("last pod started -> job running", "pods_ready_to_job_running", ("p50", "p99")),
    ("last pod finished -> job succeeded", "pods_finished_to_job_succeeded", ("p50", "p99")),
)


def _get(*keys: str) -> Callable[[dict], float | None]:
    def read(phase: dict) -> float | None:
        value = phase
        for key in keys:
            value = (value or {}).get(key) if isinstance(value, dict) else None
        return value

    return read


SCALARS = (  # label, how a phase gives it
    ("writes per job (all verbs)", _get("writes_per_job")),
    ("writes per job without Events", _get("writes_per_job_without_events")),
    ("controller CPU s during the phase", _get("operator", "cpu_seconds_in_phase")),
    ("controller CPU s since its start", _get("operator", "cpu_seconds")),
    ("controller peak RSS MiB", _get("operator", "peak_rss_mib")),
    ("kube-controller-manager CPU s", _get("cpu_seconds", "kube-controller")),
    ("kube-apiserver CPU s", _get("cpu_seconds", "kube-apiserver")),
    ("failed requests", _get("failed_requests")),
    ("wall s (submit to last job done)", _get("wall_seconds")),
)


def _positive(value: float | None) -> bool:
    """A ratio means something between two positive figures only (a peer may say Running
    before its last pod started: a negative delay)."""
    return value is not None and value > 0


def side_by_side(systems: dict[str, dict]) -> list[dict]:
    """Rows of {label, values: {system: figure}, ratios: {peer: troupe / peer}} for the
    systems' phases (`troupe` first, then the peers), skipping rows no system has."""
    peers = [name for name in systems if name != "troupe"]
    readers = [(f"{label} {q}", _get(key, q)) for label, key, qs in LATENCIES for q in qs] + list(
        SCALARS
    )
    rows = []
    for label, read in readers:
        values = {name: read(phase) for name, phase in systems.items()}
        if all(v is None for v in values.values()):
            continue
        ours = values.get("troupe")
        ratios = {
            peer: ours / values[peer] if _positive(ours) and _positive(values[peer]) else None
            for peer in peers
        }
        rows.append({"label": label, "values": values, "ratios": ratios})
    return rows


def _cell(value: float | None, width: int, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{'-':>{width}}"
    return f"{value:{width - len(suffix)}.2f}{suffix}"


def format_table(rows: list[dict]) -> str:
    if not rows:
        return ""
    systems = list(rows[0]["values"])
    peers = list(rows[0]["ratios"])
    header = f"{'':38}" + "".join(f"{s:>11}" for s in systems)
    header += "".join(f"{'T/' + p:>11}" for p in peers)
    lines = [header]
    for row in rows:
        line = f"{row['label']:38}" + "".join(_cell(row["values"][s], 11) for s in systems)
        line += "".join(_cell(row["ratios"][p], 11, "x") for p in peers)
        lines.append(line)
    return "\n".join(lines)

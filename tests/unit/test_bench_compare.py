"""bench/compare.py: every system's figures side by side, with Troupe's ratio to each peer."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import compare  # noqa: E402


def _phase(created_p99: float, running_p50: float, writes: float, cpu: float) -> dict:
    return {
        "all_pods_created": {"p50": created_p99 / 2, "p95": created_p99, "p99": created_p99},
        "pods_ready_to_job_running": {"p50": running_p50, "p99": running_p50},
        "writes_per_job": writes,
        "operator": {"cpu_seconds_in_phase": cpu, "peak_rss_mib": 100.0},
        "failed_requests": 0,
    }


def _row(rows: list[dict], label: str) -> dict:
    return next(r for r in rows if r["label"] == label)


def test_ratios_are_troupe_over_each_peer():
    rows = compare.side_by_side(
        {
            "troupe": _phase(2.0, 0.5, 20, 10),
            "kubeflow": _phase(8.0, 1.0, 40, 5),
            "jobset": _phase(1.0, 0.25, 10, 20),
        }
    )
    p99 = _row(rows, "submit -> all pods created p99")
    assert p99["values"] == {"troupe": 2.0, "kubeflow": 8.0, "jobset": 1.0}
    assert p99["ratios"] == {"kubeflow": 0.25, "jobset": 2.0}
    assert _row(rows, "writes per job (all verbs)")["ratios"] == {"kubeflow": 0.5, "jobset": 2.0}


def test_a_negative_delay_has_no_ratio():
    # Kubeflow says Running once its master runs, possibly before its last worker started
    rows = compare.side_by_side(
        {"troupe": _phase(2.0, 0.5, 20, 10), "kubeflow": _phase(8.0, -0.3, 40, 5)}
    )
    row = _row(rows, "last pod started -> job running p50")
    assert row["values"]["kubeflow"] == -0.3
    assert row["ratios"] == {"kubeflow": None}


def test_rows_no_system_has_are_left_out_and_missing_figures_show_as_dashes():
    rows = compare.side_by_side({"troupe": _phase(2.0, 0.5, 20, 10), "jobset": {}})
    labels = [r["label"] for r in rows]
    assert "last pod finished -> job succeeded p50" not in labels
    assert _row(rows, "failed requests")["values"] == {"troupe": 0, "jobset": None}
    text = compare.format_table(rows)
    header, *lines = text.splitlines()
    assert header.split() == ["troupe", "jobset", "T/jobset"]
    created = next(line for line in lines if line.startswith("submit -> all pods created p99"))
    assert created.split()[-2:] == ["-", "-"]

"""Metric lines as training jobs print them, and those the parser must refuse."""

from __future__ import annotations

import io
import math

import pytest

from troupe_studio.domain.metrics import Metric, MetricLineError, parse_line, parse_lines
from troupe_studio.sdk import log_metric

GOOD = [
    (
        'TROUPE_METRIC {"step": 10, "loss": 0.31, "accuracy": 0.9}',
        Metric(10, {"loss": 0.31, "accuracy": 0.9}),
    ),
    (
        '[default0]:TROUPE_METRIC {"step": 3, "loss": 1}',
        Metric(3, {"loss": 1.0}, prefix="[default0]:"),
    ),
    (
        '2026-12-03 19:00:01 INFO TROUPE_METRIC {"step": 0, "epoch": 1, "time": 12.5, "lr": 1e-3}',
        Metric(0, {"lr": 0.001}, epoch=1, time=12.5, prefix="2026-12-03 19:00:01 INFO"),
    ),
    ('TROUPE_METRIC {"step": 7, "val/loss": -2.5}  ', Metric(7, {"val/loss": -2.5})),
]


@pytest.mark.parametrize("line, metric", GOOD, ids=[str(i) for i in range(len(GOOD))])
def test_metric_lines(line, metric):
    assert parse_line(line) == metric


@pytest.mark.parametrize(
    "line", ["epoch 3 loss 0.2", "MY_TROUPE_METRIC {}", 'TROUPE_METRICS {"step": 1}', ""]
)
def test_lines_without_the_marker_are_not_metrics(line):
    assert parse_line(line) is None


BAD = [
    ('TROUPE_METRIC {"step": 1, "loss": NaN}', "NaN is not a finite number"),
    ('TROUPE_METRIC {"step": 1, "loss": Infinity}', "Infinity is not a finite number"),
    ('TROUPE_METRIC {"step": 1, "loss": 1e999}', "'loss' is inf, not a finite number"),
    ('TROUPE_METRIC {"step": 1, "loss": "0.3"}', "'loss' must be a number, not str"),
    ('TROUPE_METRIC {"step": 1, "ok": true}', "'ok' must be a number, not bool"),
    ('TROUPE_METRIC {"step": 1, "loss": [1]}', "'loss' must be a number, not list"),
    ('TROUPE_METRIC {"step": 1.5, "loss": 1}', '"step" must be an integer >= 0'),
    ('TROUPE_METRIC {"loss": 1}', '"step" must be an integer >= 0, not None'),
    ('TROUPE_METRIC {"step": -1, "loss": 1}', '"step" must be an integer >= 0'),
    ('TROUPE_METRIC {"step": 1}', "no metric values"),
    ('TROUPE_METRIC {"step": 1, "epoch": "one", "loss": 1}', "'epoch' must be a number"),
    ("TROUPE_METRIC [1, 2]", "must be followed by a JSON object"),
    ('TROUPE_METRIC {"step": 1, "loss": 0.3', "not a JSON object"),
    ('TROUPE_METRIC {"step": 1, "bad name": 1}', "metric name 'bad name'"),
]


@pytest.mark.parametrize("line, reason", BAD, ids=[b[1][:30] for b in BAD])
def test_bad_metric_lines_say_why(line, reason):
    with pytest.raises(MetricLineError) as exc:
        parse_line(line)
    assert reason in str(exc.value)


def test_parse_lines_keeps_going_and_numbers_bad_lines():
    text = "\n".join(["starting", GOOD[0][0], BAD[0][0], GOOD[1][0]])
    parsed = parse_lines(text)
    assert [m.step for m in parsed.metrics] == [10, 3]
    assert [e.line for e in parsed.errors] == [3]


class FakeScalar:
    """Stands in for a numpy/torch scalar: a number through __float__ only."""

    def __float__(self):
        return 0.25


@pytest.mark.parametrize(
    "kwargs, values",
    [
        ({"step": 1, "loss": 0.5}, {"loss": 0.5}),
        ({"step": 2, "epoch": 1, "acc": 1}, {"acc": 1.0}),
        ({"step": 3, "loss": FakeScalar()}, {"loss": 0.25}),
    ],
)
def test_sdk_prints_lines_the_parser_reads(kwargs, values):
    out = io.StringIO()
    line = log_metric(file=out, **kwargs)
    assert out.getvalue() == line + "\n"
    metric = parse_line(line)
    assert metric.step == kwargs["step"] and metric.values == values


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"step": 1, "loss": math.nan}, "loss is nan"),
        ({"step": 1, "loss": math.inf}, "loss is inf"),
        ({"step": 1, "loss": "0.3"}, "loss must be a number"),
        ({"step": 1, "loss": None}, "loss must be a number"),
        ({"step": -1, "loss": 1}, "step must be an integer >= 0"),
        ({"step": True, "loss": 1}, "step must be an integer >= 0"),
        ({"step": 1}, "at least one value"),
    ],
)
def test_sdk_refuses_bad_values(kwargs, reason):
    with pytest.raises(ValueError, match=reason):
        log_metric(file=io.StringIO(), **kwargs)


def test_sdk_needs_only_the_standard_library():
    import ast
    import sys
    from pathlib import Path

    import troupe_studio.sdk as sdk

    tree = ast.parse(Path(sdk.__file__).read_text())
    modules = {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    modules |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules

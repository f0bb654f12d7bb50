"""Schemathesis against the live service's own OpenAPI schema: every operation, generated
inputs (valid and not), every response checked against the schema and for server errors."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from test_artifacts import LAYER, MLP

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
]
EXAMPLES = 25


def fuzz(url, op, mode, counts, failures):
    label = f"{mode.value} {op.method.upper()} {op.path}"

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case):
        counts[label] = counts.get(label, 0) + 1
        response = case.call(base_url=url)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collected, reported together below
            failures.append(f"{label}: {str(exc)[:300]}")

    try:
        run()
    except Unsatisfiable:  # nothing to break in an operation without parameters
        assert mode is GenerationMode.NEGATIVE


SEED = {
    "datasets": ("d.csv", b"a,b\n1,2\n"),
    "algorithms": ("main.py", b"print(1)\n"),
    "layers": ("l.py", LAYER),
    "models": ("m.json", json.dumps(MLP).encode()),
}


def test_fuzz_every_operation(service, database_url):
    for kind, (filename, body) in SEED.items():  # something for gets and downloads to find
        for name in ("0", "a", "00"):
            r = service.http.post(
                f"/{kind}/{name}/versions", params={"filename": filename}, content=body
            )
            assert r.status_code == 201, r.text
    schema = schemathesis.openapi.from_url(service.url + "/api/v1/openapi.json")
    counts: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        for mode in GenerationMode:
            fuzz(service.url, result.ok(), mode, counts, failures)
    total = sum(counts.values())
    operations = {k.split(" ", 1)[1] for k in counts}
    print(f"\nfuzz: {len(operations)} operations, {total} cases, {len(failures)} failures")
    assert len(operations) == 52
    assert not failures, "\n".join(sorted(set(failures))[:20])

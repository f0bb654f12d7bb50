"""Schemathesis against the live service's own OpenAPI schema: every operation, generated
inputs (valid and not), every response checked against the schema and for server errors."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25


def fuzz(url, op, counts, failures):
    label = f"{op.method.upper()} {op.path}"

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=op.as_strategy())
    def run(case):
        counts[label] = counts.get(label, 0) + 1
        response = case.call(base_url=url)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collected, reported together below
            failures.append(f"{label}: {str(exc)[:300]}")

    run()


SEED = {
    "datasets": ("d.csv", b"a,b\n1,2\n"),
    "algorithms": ("main.py", b"print(1)\n"),
    "layers": ("l.py", b"class L:\n    pass\n"),
    "models": ("m.json", b'{"format": "troupe.graph/v1", "nodes": []}'),
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
        fuzz(service.url, result.ok(), counts, failures)
    total = sum(counts.values())
    print(f"\nfuzz: {len(counts)} operations, {total} cases, {len(failures)} failures")
    assert len(counts) >= 13
    assert not failures, "\n".join(sorted(set(failures))[:20])

"""reconcile/validate.py: every reason a job cannot run, and the Failed status it gets."""

from __future__ import annotations

from builders import NOW, job_body

from troupe.api.errors import FieldError, UnknownFramework
from troupe.core.framework import get_framework
from troupe.core.planner import JobView
from troupe.core.reconcile.validate import invalid, prepare, resolve, was_invalid

JOB = """
metadata: {name: j}
spec:
  framework: FRAMEWORK
  roles: [{name: worker, template: {spec: {containers: [{name: main, image: busybox}]}}}]
"""


def view(framework: str = "generic", status: dict | None = None) -> JobView:
    return JobView.from_body(job_body(JOB.replace("FRAMEWORK", framework), status))


def unknown(name: str):
    raise UnknownFramework(name, [])


def test_an_unknown_framework_is_a_field_error():
    plugin, errors = resolve(view("nope"), unknown)
    assert plugin is None
    assert [e.path for e in errors] == ["spec.framework"]


def test_a_valid_job_resolves_its_plugin_with_no_errors():
    plugin, errors = resolve(view(), get_framework)
    assert (plugin.name, errors) == ("generic", [])


def test_prepare_works_a_generation_out_once():
    job = view()
    first = prepare(job, get_framework)
    assert prepare(job, unknown) is first  # the memo answers; the lookup is not asked again


def test_an_invalid_job_fails_naming_every_field():
    errors = [FieldError("spec.roles[0].name", "bad"), FieldError("spec.framework", "worse")]
    result = invalid(view(), errors, NOW)
    assert result.status["phase"] == "Failed"
    assert result.status["message"] == (
        "invalid spec: spec.roles[0].name: bad; spec.framework: worse"
    )
    assert [(e.type, e.reason) for e in result.events] == [("Warning", "InvalidSpec")]


def test_an_invalid_job_keeps_its_first_completion_time():
    stored = {"phase": "Failed", "completionTime": "2024-01-01T00:00:00Z"}
    result = invalid(view(status=stored), [FieldError("spec", "bad")], NOW)
    assert result.status["completionTime"] == "2024-01-01T00:00:00Z"
    assert result.events == []  # already Failed: no second Event


def test_only_an_invalid_spec_failure_is_judged_again():
    assert was_invalid({"conditions": [{"type": "Failed", "reason": "InvalidSpec"}]})
    assert not was_invalid({"conditions": [{"type": "Failed", "reason": "RoleFailed"}]})

"""Build unit-test inputs the way users write them: YAML manifests and API-shaped pods."""

from __future__ import annotations

import textwrap

import yaml
from troupe.spec import TrainingJobSpec, parse_spec


def spec_from_yaml(text: str) -> TrainingJobSpec:
    """Parse the `spec:` of a TrainingJob manifest written in YAML."""
    return parse_spec(yaml.safe_load(textwrap.dedent(text))["spec"])


def raw_spec(text: str) -> dict:
    return yaml.safe_load(textwrap.dedent(text))["spec"]

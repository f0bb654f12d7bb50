"""A TrainingJob manifest read from a file, or from stdin for "-"."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def load_manifest(path: str) -> dict:
    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    return yaml.safe_load(text)

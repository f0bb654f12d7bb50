"""The files the web app is typed and built against match the service's code today.

`studio/web/openapi.json` (the schema of create_app) and `src/api/builtin-layers.json` (the
catalog of domain.layers) are committed so the app builds without Python; a route or a layer
changed without `make web` fails here. The generated TypeScript is checked against the
committed schema by the app's own unit tests (tests/schema.test.ts).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_committed_schema_and_layer_catalog_are_current():
    script = ROOT / "studio/web/scripts/export_api.py"
    out = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr

"""Writes what the web app is typed and built against, taken from the service's own code.

`openapi.json`: the schema of `create_app()` (no server, store or database is reached: the
app is only constructed). `src/api/builtin-layers.json`: the built-in layer catalog of
`domain.layers`, which the service checks graphs against but does not serve as a route.
Run by `make web`; `--check` fails when the committed files differ from what the code gives.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from troupe_studio.app import create_app
from troupe_studio.domain.layers import BUILTIN
from troupe_studio.settings import Settings

HERE = Path(__file__).resolve().parent.parent


def outputs() -> dict[Path, str]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp), database_url="sqlite://"))
        schema = app.openapi()
    layers = [t.to_json() for t in BUILTIN.values()]
    return {
        HERE / "openapi.json": json.dumps(schema, indent=1, sort_keys=True) + "\n",
        HERE / "src/api/builtin-layers.json": json.dumps(layers, indent=1) + "\n",
    }


def main(argv: list[str]) -> int:
    stale = []
    for path, text in outputs().items():
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(HERE))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale (run `make web`): {', '.join(map(str, stale))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env bash
# Regenerate crds/ from the models and copy it into the Helm chart, so the chart ships exactly
# the CRDs `kubectl apply -f crds/` installs (tests/unit/test_crd.py fails on any difference).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m troupe.api.crd > crds/troupe.dev_trainingjobs.yaml.tmp
mv crds/troupe.dev_trainingjobs.yaml.tmp crds/troupe.dev_trainingjobs.yaml
mkdir -p charts/troupe/crds
rm -f charts/troupe/crds/*.yaml
cp crds/*.yaml charts/troupe/crds/

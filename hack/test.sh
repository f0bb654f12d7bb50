#!/usr/bin/env bash
# make test's tests, in two pytest processes at once: tests/integration (the cluster, the real
# node, one operator for all namespaces) and everything else (unit, contract, Studio's service
# and browser tests). The integration tests mostly wait on the cluster (load ~1 on 2 cores), so
# the rest runs in that time: ~13 min instead of ~22. Each half sets up what it needs itself
# (the CRDs: support.operator.install_crds), whatever the other has done; make test has loaded
# the images into the real node before, since tests of both halves run pods there.
# Usage: hack/test.sh [pytest args...]   (VENV and TROUPE_EXAMPLES from the environment)
set -uo pipefail
cd "$(dirname "$0")/.."
pytest="${VENV:-.venv}/bin/pytest"
others_log=$(mktemp)
trap 'rm -f "$others_log"' EXIT
# The first process keeps pytest's cache; the second must not write it at the same time.
"$pytest" tests --ignore=tests/integration -q -p no:cacheprovider --durations=15 "$@" \
  >"$others_log" 2>&1 &
others=$!
"$pytest" tests/integration -q --durations=25 "$@"
integration=$?
wait "$others"
others_rc=$?
echo
echo "=== tests outside tests/integration (run beside them) ==="
cat "$others_log"
echo "make test: tests/integration exit $integration, the rest exit $others_rc"
# pytest's 5 (no test collected) is a failure here too: both halves always hold tests.
[ "$integration" -eq 0 ] && [ "$others_rc" -eq 0 ]

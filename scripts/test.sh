#!/usr/bin/env bash
# The test command (README): every package of every workspace module, with the
# race detector. Fails if a package that has code reports "no test files", so a
# package cannot quietly go untested. Generated code (pkg/gen) is exempt.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
go test -race -count=1 -timeout 20m "$@" work 2>&1 | tee "$out" || status=$?
untested=$(grep -E '^\?[[:space:]]+[^[:space:]]+[[:space:]]+\[no test files\]' "$out" | awk '{print $2}' | grep -v '/pkg/gen/' || true)
if [ -n "$untested" ]; then
  echo "FAIL: packages with code but no tests:"
  echo "$untested" | sed 's/^/    /'
  status=1
fi
passed=$(grep -cE '^ok[[:space:]]' "$out" || true)
failed=$(grep -cE '^(FAIL|---)[[:space:]]' "$out" | head -1 || true)
echo "packages: ${passed} passed, $(grep -cE '^FAIL[[:space:]]' "$out" || true) failed"
exit $status

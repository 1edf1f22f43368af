#!/usr/bin/env bash
# Static checks CI runs before the tests: buf format, lint, breaking against the
# released contract, generated-code drift, gofmt and go vet.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$ROOT"
echo "== buf format"; buf format -d --exit-code proto
echo "== buf lint"; buf lint
echo "== buf breaking (against api/v1.binpb)"
test -f api/v1.binpb || { echo "api/v1.binpb is missing: the released contract must be committed"; exit 1; }
buf breaking proto --against api/v1.binpb
echo "== generated code drift"
buf generate
if ! git diff --exit-code --stat -- pkg/gen || [ -n "$(git status --porcelain -- pkg/gen)" ]; then
  echo "pkg/gen differs from what proto/ generates: run scripts/gen.sh and commit the result"
  git status --porcelain -- pkg/gen
  exit 1
fi
echo "== gofmt"
unformatted=$(git ls-files '*.go' | grep -v '^pkg/gen/' | xargs gofmt -l)
[ -z "$unformatted" ] || { echo "gofmt would change:"; echo "$unformatted"; exit 1; }
echo "== go vet"; go vet work
echo "== each module builds alone (GOWORK=off, through its replace lines)"
for m in pkg deploy services/*/; do
  (cd "$m" && GOWORK=off go build ./...) || { echo "$m does not build outside the workspace: check its go.mod require/replace lines"; exit 1; }
done
echo "checks passed"

#!/usr/bin/env bash
# Builds the suite's container images locally, FROM scratch, from static Go
# binaries (nothing is pulled: there may be no registry to pull from):
#
#   corporate-parenting/{caseload,placement,careleaver,metrics}:TAG
#   corporate-parenting/nats:TAG   nats-server, from the nats-server Go module
#                                  (NATS_IMAGE=corporate-parenting/nats:TAG to use it)
#
# Usage: scripts/images.sh [service ...]   (default: all four and nats)
# Environment: CP_IMAGE_PREFIX (corporate-parenting), CP_IMAGE_TAG (dev),
# CP_IMAGE_MAX_MB (40: a larger image fails the build).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${CP_IMAGE_PREFIX:-corporate-parenting}
tag=${CP_IMAGE_TAG:-dev}
max_mb=${CP_IMAGE_MAX_MB:-40}
all=(caseload placement careleaver metrics nats)
images=("$@")
[ ${#images[@]} -gt 0 ] || images=("${all[@]}")

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
export CGO_ENABLED=0 GOOS=linux
# The version stamped into the images: the commit, "-dirty" with local changes.
rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- 2>/dev/null || rev="$rev-dirty"

for img in "${images[@]}"; do
  dir="$ctx/$img"
  mkdir -p "$dir/data"
  case "$img" in
    caseload | placement | careleaver | metrics)
      echo "== go build $img (static)"
      go build -trimpath -ldflags='-s -w' -o "$dir/$img" "./services/$img/cmd/$img"
      bin="$dir/$img"
      ;;
    nats)
      echo "== go build nats-server (static, from the module in go.work)"
      go build -trimpath -ldflags='-s -w' -o "$dir/nats-server" github.com/nats-io/nats-server/v2
      bin="$dir/nats-server"
      ;;
    *) echo "unknown image $img (want one of: ${all[*]})" >&2; exit 2 ;;
  esac
  # FROM scratch has no libc: the binary must be built without cgo and not
  # be dynamically linked.
  go version -m "$bin" | grep -q 'CGO_ENABLED=0' || { echo "$bin was built with cgo" >&2; exit 1; }
  if command -v file >/dev/null 2>&1; then
    info=$(file -b "$bin")
    case "$info" in
      *"statically linked"*) ;;
      *) echo "$bin is not a static binary: $info" >&2; exit 1 ;;
    esac
  fi
  echo "== docker build $prefix/$img:$tag"
  docker build -q -f "deploy/docker/$img.Dockerfile" \
    --label "org.opencontainers.image.revision=$rev" \
    --label "org.opencontainers.image.source=corporate-parenting/suite" \
    -t "$prefix/$img:$tag" "$dir" >/dev/null 2>"$ctx/build.err" || { cat "$ctx/build.err" >&2; exit 1; }
done

echo "== images"
status=0
for img in "${images[@]}"; do
  bytes=$(docker image inspect -f '{{.Size}}' "$prefix/$img:$tag")
  mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1000000 }')
  printf '%-40s %6s MB\n' "$prefix/$img:$tag" "$mb"
  if [ "$bytes" -gt $((max_mb * 1000000)) ]; then
    echo "  larger than ${max_mb} MB" >&2
    status=1
  fi
done
exit $status

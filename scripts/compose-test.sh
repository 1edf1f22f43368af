#!/usr/bin/env bash
# The compose test: builds the images (scripts/images.sh, with the NATS image
# from the nats-server module, since no image can be pulled), then runs
# docker-compose.yml for real (deploy/compose_test.go, build tag compose): a
# NATS node stopped while writes go on, every event counted once, data kept
# across new containers. It needs a Docker engine and docker-compose 1.29; if
# the engine does not answer it starts dockerd, and fails if it still cannot.
# It never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== docker engine"
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || { echo "FAIL: docker does not answer and there is no dockerd to start"; exit 1; }
  echo "docker does not answer: starting dockerd"
  log=$(mktemp /tmp/dockerd.XXXXXX.log)
  nohup dockerd >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "FAIL: dockerd did not start within 60 s; its log:"
    tail -50 "$log"
    exit 1
  fi
fi
docker version --format 'engine {{.Server.Version}}'
command -v docker-compose >/dev/null 2>&1 || { echo "FAIL: docker-compose (1.29, compose v1) is not installed"; exit 1; }
docker-compose version --short

echo "== images"
bash scripts/images.sh

export NATS_IMAGE=${NATS_IMAGE:-corporate-parenting/nats:dev}
export CP_COMPOSE_PROJECT=${CP_COMPOSE_PROJECT:-cpcompose$$}
# The test takes the project down itself; this is for a test binary killed
# by its timeout or an interrupt, when its cleanup does not run.
cleanup() {
  docker-compose -f docker-compose.yml -p "$CP_COMPOSE_PROJECT" down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== compose test (project $CP_COMPOSE_PROJECT, NATS image $NATS_IMAGE)"
start=$(date +%s)
go test -tags compose -count=1 -timeout 25m -run '^TestCompose$' -v ./deploy/
echo "compose test passed in $(($(date +%s) - start)) s"

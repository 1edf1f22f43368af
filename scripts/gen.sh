#!/usr/bin/env bash
# Regenerates pkg/gen from proto/ with local plugins only.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$ROOT"
buf format -w proto
buf lint
buf generate

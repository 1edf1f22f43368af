#!/usr/bin/env bash
# Writes the released contract image that `buf breaking` checks against
# (api/v1.binpb). Run it only for a deliberate release or a deliberate breaking
# change, and say so in the commit message; see README "Changing the API".
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$ROOT"
mkdir -p api
buf build proto -o api/v1.binpb
echo "wrote api/v1.binpb"

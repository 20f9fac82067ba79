#!/usr/bin/env bash
# Take a tinykube compose project down: the kubelets first (so nothing recreates pods), then the
# pod containers they started (not compose services, and still attached to the pods' network),
# then the rest. Usage: deploy/down.sh [project] [extra `docker compose down` flags, e.g. --volumes]
set -euo pipefail
cd "$(dirname "$0")/.."
project=${1:-tinykube}
shift || true
compose=(docker compose -p "$project")
mapfile -t nodes < <("${compose[@]}" config --services 2>/dev/null | grep '^node-' || true)
if ((${#nodes[@]})); then
  "${compose[@]}" stop "${nodes[@]}" >/dev/null 2>&1 || true
fi
docker ps -aq --filter label=io.tinykube.node | xargs -r docker rm -f >/dev/null
"${compose[@]}" down --remove-orphans "$@"

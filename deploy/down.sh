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
# only this project's nodes' pods (a node's name is its service's): other tinykube runtimes
# on the machine (the tests' own kubelets) keep theirs
for node in "${nodes[@]}"; do
  docker ps -aq --filter "label=io.tinykube.node=$node" | xargs -r docker rm -f >/dev/null
done
# Everything else before etcd and the api-server, so the scheduler and controller-manager can
# release their leader leases and the next `up` does not wait for them to expire.
mapfile -t others < <("${compose[@]}" config --services 2>/dev/null | grep -vx -e apiserver -e etcd || true)
if ((${#others[@]})); then
  "${compose[@]}" stop "${others[@]}" >/dev/null 2>&1 || true
fi
"${compose[@]}" down --remove-orphans "$@"
# kube-proxy's chains and route live in the machine's network namespace, not in a container:
# remove them too (as `kube-proxy --cleanup`), so no stale KUBE-* rules outlive the cluster.
if docker image inspect tinykube:latest >/dev/null 2>&1; then
  docker run --rm --network host --cap-add NET_ADMIN --cap-add NET_RAW tinykube:latest \
    python -m kube_proxy --cleanup >/dev/null 2>&1 || true
fi

#!/usr/bin/env bash
# Restore a tinykube cluster's etcd from a snapshot taken by deploy/backup.sh.
#
#   deploy/restore.sh [-p project] SNAPSHOT        (make restore SNAPSHOT=backups/etcd-<...>.db)
#
# 1. Stops every service of the project (dependents first: kubelets, then the control plane,
#    etcd last). Pod containers keep running: the kubelets reconcile them with the restored
#    state when they are back (pods of the snapshot run, pods it does not know are stopped).
# 2. For each etcd member (one, or three with the HA file): moves its data dir aside to
#    <data-dir>.before-restore (replacing an older one) and restores the snapshot into a fresh
#    data dir with `etcdctl snapshot restore` from the member's own image, with the member's own
#    name and cluster flags, as read from the compose configuration.
# 3. Starts etcd alone and raises its revision past the one the old data had reached, then
#    compacts there (apiserver/storage/maintenance.py bump-revision): every resourceVersion a
#    client saw is then in the compacted past, so watches get 410 Gone and informers relist
#    instead of waiting for a revision that would name other data.
# 4. Starts the whole cluster again and waits until every service is healthy.
#
# The compose files are the ones the project's containers were created from (so an HA cluster
# is restored as one), else $COMPOSE_FILE, else docker-compose.yml.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# Revisions added above the old data's, for writes its on-disk file had not caught up with.
readonly MARGIN=1000
# Without old data to read the revision from (a lost volume), bump this far past the snapshot.
readonly BLIND_BUMP=${TINYKUBE_RESTORE_BUMP:-100000}

project=tinykube
while getopts "p:" opt; do
  case $opt in
    p) project=$OPTARG ;;
    *) echo "usage: $0 [-p project] SNAPSHOT" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -ne 1 || ! -f $1 ]]; then
  echo "usage: $0 [-p project] SNAPSHOT   (a file written by deploy/backup.sh)" >&2
  exit 2
fi
snapshot=$(realpath "$1")

log() { printf '==> %s\n' "$*" >&2; }
# quiet CMD...: run CMD, show its output only if it fails; its last line goes to stdout.
quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    printf '%s\n' "$out" >&2
    log "failed: $*"
    return 1
  fi
  tail -n1 <<<"$out"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
started=$(now_ms)

if [[ -z ${COMPOSE_FILE:-} ]]; then
  files=$(docker ps -a --filter "label=com.docker.compose.project=$project" \
    --format '{{.Label "com.docker.compose.project.config_files"}}' | head -n1)
  if [[ -n $files ]]; then
    export COMPOSE_FILE=${files//,/:}
  fi
fi
compose=(docker compose --project-name "$project")

# members: one line per etcd service: service volume data-dir name initial-cluster peer-urls
# token image.
config=$("${compose[@]}" config --format json)
members() {
  "$PYTHON" -c '
import json, sys
cfg = json.load(sys.stdin)
for name, svc in sorted(cfg["services"].items()):
    cmd = svc.get("command") or []
    if not cmd or cmd[0] != "etcd":
        continue
    flags = dict(a[2:].split("=", 1) for a in cmd[1:] if a.startswith("--") and "=" in a)
    mount = next(v for v in svc["volumes"] if v["target"] == "/var/lib/etcd")
    print(name, cfg["volumes"][mount["source"]]["name"], flags["data-dir"], flags["name"],
          flags["initial-cluster"], flags["initial-advertise-peer-urls"],
          flags.get("initial-cluster-token", "etcd-cluster"), svc["image"])
' <<<"$config"
}
# api_server: the first api-server service (apiserver; apiserver-1 with the HA file, where
# `apiserver` is the load balancer), then its --etcd-* flags, one per line.
api_server() {
  "$PYTHON" -c '
import json, sys
services = json.load(sys.stdin)["services"]
name = next(n for n, s in sorted(services.items()) if (s.get("command") or [])[:3] == ["python", "-m", "apiserver"])
print(name)
print("\n".join(a for a in services[name]["command"] if a.startswith("--etcd-")))
' <<<"$config"
}
mapfile -t member_lines < <(members)
if ((${#member_lines[@]} == 0)); then
  echo "no etcd service in the compose configuration of project '$project'" >&2
  exit 1
fi
read -r _ _ _ _ _ _ _ etcd_image <<<"${member_lines[0]}"

# etcdctl_in VOLUME CMD...: a throwaway container of the etcd image with the member's volume.
etcdctl_in() {
  local volume=$1
  shift
  docker run --rm -v "$volume:/var/lib/etcd" -v "$snapshot:/restore/snapshot.db:ro" \
    --entrypoint sh "$etcd_image" -ec "$*"
}
revision_of() { "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["revision"])'; }

snapshot_revision=$(docker run --rm -v "$snapshot:/restore/snapshot.db:ro" --entrypoint etcdctl \
  "$etcd_image" snapshot status /restore/snapshot.db --write-out=json | revision_of)
log "snapshot $1: revision $snapshot_revision"

log "stopping project $project"
quiet "${compose[@]}" stop >/dev/null

old_revision=0
services=()
for line in "${member_lines[@]}"; do
  read -r service volume data name cluster peers token _ <<<"$line"
  services+=("$service")
  # The revision the old data reached (its bbolt file; empty volume: none).
  rev=$(etcdctl_in "$volume" "if [ -f $data/member/snap/db ]; then
      etcdctl snapshot status $data/member/snap/db --write-out=json; else echo '{\"revision\": 0}'; fi" |
    revision_of)
  ((rev > old_revision)) && old_revision=$rev
  log "restoring member $name (volume $volume; its old data was at revision $rev)"
  quiet etcdctl_in "$volume" "rm -rf $data.before-restore
    if [ -d $data ]; then mv $data $data.before-restore; fi
    etcdctl snapshot restore /restore/snapshot.db --data-dir $data --name $name \
      --initial-cluster $cluster --initial-advertise-peer-urls $peers \
      --initial-cluster-token $token" >/dev/null
done

if ((old_revision > 0)); then
  target=$((old_revision > snapshot_revision ? old_revision + MARGIN : snapshot_revision + MARGIN))
else
  target=$((snapshot_revision + BLIND_BUMP))
  log "no old data to read the last revision from: bumping by $BLIND_BUMP"
fi

log "starting etcd (${services[*]})"
quiet "${compose[@]}" up --detach --no-recreate --no-deps --wait "${services[@]}" >/dev/null
log "raising the revision to $target and compacting there (about 5,000 revisions a second)"
mapfile -t api < <(api_server)
reached=$(quiet "${compose[@]}" run --rm --no-deps --entrypoint python "${api[0]}" \
  -m apiserver.storage.maintenance bump-revision "${api[@]:1}" --to "$target")
log "etcd is at revision $reached"

log "starting the cluster"
quiet "${compose[@]}" up --detach --no-recreate --wait >/dev/null
log "restored $1 into project $project in $((($(now_ms) - started) / 1000)) s"

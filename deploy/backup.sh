#!/usr/bin/env bash
# Take a consistent snapshot of a running tinykube cluster's etcd, without stopping anything:
# `etcdctl snapshot save` inside an etcd member streams the database at one revision (etcd's
# Maintenance.Snapshot RPC), while the cluster keeps serving.
#
#   deploy/backup.sh [-p project] [-o dir]     (make backup)
#
# Writes <dir>/etcd-<UTC timestamp>.db (dir: backups/) and prints its revision and key count.
# Restore with deploy/restore.sh (make restore SNAPSHOT=<file>).
set -euo pipefail
cd "$(dirname "$0")/.."

project=tinykube
out_dir=backups
while getopts "p:o:" opt; do
  case $opt in
    p) project=$OPTARG ;;
    o) out_dir=$OPTARG ;;
    *) echo "usage: $0 [-p project] [-o dir]" >&2; exit 2 ;;
  esac
done

log() { printf '==> %s\n' "$*" >&2; }

# The first running etcd member of the project (any member's snapshot is the cluster's).
member=$(docker ps --filter "label=com.docker.compose.project=$project" \
  --format '{{.Label "com.docker.compose.service"}} {{.ID}}' | awk '$1 ~ /^etcd(-[0-9]+)?$/ {print $2}' |
  head -n1)
if [[ -z $member ]]; then
  echo "no running etcd in compose project '$project' (is the cluster up?)" >&2
  exit 1
fi

# etcdctl's connection flags (endpoint, TLS client certificate) as the member's own healthcheck
# uses them.
mapfile -t flags < <(docker inspect --format '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' \
  "$member" | grep -E '^--(endpoints|cacert|cert|key)=' || true)
((${#flags[@]})) || flags=(--endpoints=http://127.0.0.1:2379)

mkdir -p "$out_dir"
file=$out_dir/etcd-$(date -u +%Y%m%dT%H%M%SZ).db
inside=/tmp/tinykube-backup-$$.db
started=$(date +%s%N)
log "snapshot of etcd in project $project"
if ! out=$(docker exec "$member" etcdctl "${flags[@]}" snapshot save "$inside" 2>&1); then
  printf '%s\n' "$out" >&2
  exit 1
fi
trap 'docker exec "$member" rm -f "$inside" >/dev/null 2>&1 || true' EXIT
docker cp --quiet "$member:$inside" "$file.part"
# Checks the file (its hash) and says what is in it.
status=$(docker exec "$member" etcdctl snapshot status "$inside" --write-out=table)
# etcd holds the cluster's Secrets: the file is for its owner only.
chmod 600 "$file.part"
mv "$file.part" "$file"
log "wrote $file in $(( ($(date +%s%N) - started) / 1000000 )) ms"
printf '%s\n' "$status" >&2
echo "$file"

#!/usr/bin/env bash
# Builds tinykube's images on this machine, with no container registry:
#
#   tinykube-base:bookworm  Debian bookworm from mmdebstrap: Python, etcd, iptables
#   tinykube:latest         every component, installed from wheels built here
#   tinykube-pause:latest   a static pause binary, FROM scratch
#   tinykube-echo:latest    an HTTP echo server for tests and examples
#   busybox:latest          Debian's busybox-static, FROM scratch
#
# Each image carries a label with the hash of everything it is built from; an
# image whose label matches is left alone, so a second run takes seconds.
# FORCE=1 rebuilds everything. PYTHON picks the interpreter that builds the
# wheels (it must be 3.11, as in the image). TINYKUBE_DEBIAN_MIRROR and
# TINYKUBE_DEBIAN_SECURITY_MIRROR choose where Debian packages come from.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly LABEL=tinykube.content-hash
readonly BUILD_DIR=build
readonly PYTHON=${PYTHON:-python3}
readonly FORCE=${FORCE:-}
readonly MIRROR=${TINYKUBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
readonly SECURITY_MIRROR=${TINYKUBE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
readonly BASE_PACKAGES=(
  python3 python3-venv ca-certificates netbase   # the components' runtime
  etcd-server etcd-client                        # the etcd service runs this same image
  iptables iproute2 conntrack                    # kube-proxy (iptables-nft, as on the host)
  curl procps                                    # healthchecks and debugging
  busybox-static                                 # copied into busybox:latest
)
# The legacy builder needs nothing from a registry, even for FROM scratch.
export DOCKER_BUILDKIT=0

log() { printf '==> %s\n' "$*" >&2; }

# hash_of FILE...: a short hash of the files' names and contents, plus $HASH_EXTRA.
hash_of() {
  { printf '%s\n' "${HASH_EXTRA:-}"; sha256sum -- "$@"; } | sha256sum | cut -c1-16
}

image_id() { docker image inspect -f '{{.Id}}' "$1"; }

# built_from IMAGE: the content hash IMAGE was built from; empty if it is not ours.
built_from() {
  docker image inspect -f "{{ with .Config.Labels }}{{ index . \"$LABEL\" }}{{ end }}" "$1"
}

# up_to_date IMAGE HASH: whether IMAGE exists and was built from inputs with HASH.
up_to_date() {
  local current
  current=$(built_from "$1" 2>/dev/null) || return 1
  if [[ -z $FORCE && $current == "$2" ]]; then
    log "$1 is up to date"
    return 0
  fi
  return 1
}

build_base() {
  local image=tinykube-base:bookworm hash tarball=$BUILD_DIR/base.tar
  hash=$(printf '%s\n' bookworm merged-usr-hook "$MIRROR" "$SECURITY_MIRROR" "${BASE_PACKAGES[@]}" | sha256sum | cut -c1-16)
  up_to_date "$image" "$hash" && return
  log "building $image with mmdebstrap (about a minute)"
  mkdir -p "$BUILD_DIR"
  # Written to a file first so that a failed bootstrap never becomes an image.
  # The merged-usr hook lays out /usr itself instead of installing usrmerge,
  # which would pull in perl (about 50 MB).
  mmdebstrap --variant=minbase \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --include="$(IFS=,; echo "${BASE_PACKAGES[*]}")" \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    bookworm "$tarball" \
    "deb $MIRROR bookworm main" \
    "deb $MIRROR bookworm-updates main" \
    "deb $SECURITY_MIRROR bookworm-security main" >"$BUILD_DIR/base.log" 2>&1 || {
    cat "$BUILD_DIR/base.log" >&2
    return 1
  }
  docker import \
    --change "LABEL $LABEL=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    "$tarball" "$image" >/dev/null
  rm -f "$tarball"
}

# The directories of the Python packages that pyproject.toml puts in the wheel.
package_dirs() {
  "$PYTHON" - <<'EOF'
import pathlib, tomllib
find = tomllib.loads(pathlib.Path("pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
for pattern in find["include"]:
    name = pattern.rstrip("*")
    if pathlib.Path(name).is_dir():
        print(name)
EOF
}

# The versions installed here pin the image's, so the image runs the libraries
# that the component tests ran with.
write_constraints() {
  mkdir -p "$BUILD_DIR"
  "$PYTHON" -m pip freeze --exclude-editable --disable-pip-version-check |
    grep -E '^[A-Za-z0-9._-]+==[^ ]+$' >"$BUILD_DIR/constraints.txt" || true
}

# Wheels for tinykube (build/wheels) and all its dependencies (build/wheels/deps),
# so the image build needs no network. The dependencies are rebuilt only when
# pyproject.toml or the pinned versions change; the image caches them in a layer.
build_wheels() {
  local wheels=$BUILD_DIR/wheels deps_hash
  local -a pip_wheel=("$PYTHON" -m pip wheel --quiet --disable-pip-version-check)
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
    log "$PYTHON is not Python 3.11; the image's Python is 3.11, set PYTHON=python3.11"
    return 1
  }
  deps_hash=$(hash_of pyproject.toml "$BUILD_DIR/constraints.txt")
  if [[ -n $FORCE || ! -d $wheels/deps || $(cat "$wheels/deps.hash" 2>/dev/null) != "$deps_hash" ]]; then
    log "building dependency wheels into $wheels/deps"
    rm -rf "$wheels"
    "${pip_wheel[@]}" --wheel-dir "$wheels/deps" --constraint "$BUILD_DIR/constraints.txt" . || {
      log "the installed versions do not satisfy pyproject.toml; taking the newest instead"
      "${pip_wheel[@]}" --wheel-dir "$wheels/deps" .
    }
    rm -f "$wheels"/deps/tinykube-*.whl
    echo "$deps_hash" >"$wheels/deps.hash"
  fi
  log "building the tinykube wheel"
  # setuptools never prunes build/lib, so a deleted module would linger in the wheel.
  rm -rf "$wheels"/tinykube-*.whl "$BUILD_DIR/lib" "$BUILD_DIR"/bdist.*
  "${pip_wheel[@]}" --no-deps --wheel-dir "$wheels" .
}

# docker_build IMAGE HASH CONTEXT [ARGS...]: a quiet build that shows its log only on failure.
docker_build() {
  local image=$1 hash=$2 context=$3 out old
  shift 3
  log "building $image"
  old=$(image_id "$image" 2>/dev/null) || true
  out=$(docker build --label "$LABEL=$hash" -t "$image" "$@" "$context" 2>&1) || {
    printf '%s\n' "$out" >&2
    return 1
  }
  remove_replaced "$image" "$old"
}

# remove_replaced IMAGE OLD_ID: drop the image that a rebuild of IMAGE untagged.
# (The legacy builder's intermediate images stay: they are its build cache.)
remove_replaced() {
  if [[ -n $2 && $2 != "$(image_id "$1")" ]]; then
    docker image rm "$2" >/dev/null 2>&1 || true
  fi
}

build_tinykube() {
  local image=tinykube:latest hash
  local -a sources
  mapfile -t sources < <(package_dirs | xargs -I{} find {} -type f ! -path '*/__pycache__/*' ! -name '*.pyc' | LC_ALL=C sort)
  write_constraints
  hash=$(HASH_EXTRA=$(image_id tinykube-base:bookworm) hash_of pyproject.toml "$BUILD_DIR/constraints.txt" \
    deploy/tinykube/Dockerfile "${sources[@]}")
  up_to_date "$image" "$hash" && return
  build_wheels
  docker_build "$image" "$hash" "$BUILD_DIR/wheels" -f deploy/tinykube/Dockerfile
}

build_pause() {
  local image=tinykube-pause:latest hash
  hash=$(HASH_EXTRA=$(gcc --version | head -n1) hash_of deploy/pause/pause.c deploy/pause/Dockerfile)
  up_to_date "$image" "$hash" && return
  mkdir -p "$BUILD_DIR/pause"
  gcc -Os -static -Wall -Wextra -o "$BUILD_DIR/pause/pause" deploy/pause/pause.c
  strip "$BUILD_DIR/pause/pause"
  docker_build "$image" "$hash" "$BUILD_DIR/pause" -f deploy/pause/Dockerfile
}

# build_from_dir IMAGE DIR: an image whose whole build context is deploy/DIR.
build_from_dir() {
  local image=$1 dir=deploy/$2 hash
  hash=$(HASH_EXTRA=$(image_id tinykube-base:bookworm) hash_of "$dir"/*)
  up_to_date "$image" "$hash" && return
  docker_build "$image" "$hash" "$dir"
}

build_busybox() {
  # A busybox:latest that is not ours (pulled from a registry) is kept.
  if docker image inspect busybox:latest >/dev/null 2>&1 &&
    [[ -z $(built_from busybox:latest) ]]; then
    log "busybox:latest exists and is not ours; keeping it"
    return
  fi
  build_from_dir busybox:latest busybox
}

main() {
  # One build at a time: concurrent runs (two test sessions) would share build/.
  mkdir -p "$BUILD_DIR"
  exec 9>"$BUILD_DIR/.build-images.lock"
  flock 9
  build_base
  build_tinykube
  build_pause
  build_from_dir tinykube-echo:latest echo
  build_busybox
  # An image replaced while a container still used it was left untagged; drop
  # those of ours that nothing uses any more.
  docker image prune --force --filter "label=$LABEL" >/dev/null
  docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' |
    grep -E '^(tinykube[a-z-]*|busybox):' | sort >&2
}

main "$@"

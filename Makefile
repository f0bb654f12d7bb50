# Troupe: one operator for distributed training jobs of every framework.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
CACHE ?= $(HOME)/.cache/troupe
KUBECONFIG_PATH ?= $(CACHE)/kubeconfig
PYTEST_ARGS ?=
# Images for the real node (hack/images): `make test` needs these, `make test-examples` every
# training one; studio (the service and its pages, on pytorch) needs `make web` first.
IMAGES ?= base pytorch mpi xgboost operator studio
ALL_IMAGES := base pytorch mpi xgboost jax tensorflow paddle operator
CI_EXAMPLES ?= generic,pytorch,mpi,xgboost
NODE_SOCK ?= /run/troupe-node/$(or $(TROUPE_CLUSTER),troupe)/containerd.sock

.PHONY: help venv binaries cluster cluster-down images lint test test-unit test-integration test-contract test-examples demo studio crds bench bench-requests web web-api test-web

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev,studio]'
	# a third-party framework plugin, found only through its entry point (tests use it)
	$(VENV)/bin/pip install -q -e tests/fixtures/thirdparty_plugin
	touch $@

venv: $(VENV)/.installed ## Python environment with Troupe and its dev tools

binaries: ## build (or reuse) etcd, kube-*, kwok, kwokctl and helm in $(CACHE)
	bash hack/build-binaries.sh

cluster: ## start (or reuse) the local cluster and its real node; kubeconfig at $(KUBECONFIG_PATH)
	bash hack/cluster.sh up

images: cluster $(if $(filter studio,$(IMAGES)),web) ## build (or reuse) the images and load them into the real node
	@if [ -S $(NODE_SOCK) ]; then bash hack/build-images.sh --import $(NODE_SOCK) $(IMAGES); \
	else echo "no real node (it needs root): images not built"; fi

cluster-down: ## delete the local cluster
	bash hack/cluster.sh down

WEB := studio/web
STATIC := studio/troupe_studio/static
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/index.html $(WEB)/openapi.json $(WEB)/vite.config.ts $(WEB)/tsconfig.json -type f 2>/dev/null)

$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund

$(STATIC)/index.html: $(WEB)/node_modules/.package-lock.json $(WEB_SOURCES)
	cd $(WEB) && npm run build

web: $(STATIC)/index.html ## Studio's pages: npm ci (once per lock file) and vite build into the package

web-api: venv $(WEB)/node_modules/.package-lock.json ## the pages' API types from the service's schema (commit them; a test says when they are stale)
	$(PY) $(WEB)/scripts/export_api.py
	cd $(WEB) && npm run gen

test-web: web ## the pages' unit tests (vitest) and browser tests (Debian's chromium, headless)
	cd $(WEB) && npm test
	$(VENV)/bin/pytest tests/studio/web -q $(PYTEST_ARGS)

lint: venv ## ruff + import-linter (the pure core never imports kopf or kubernetes)
	$(VENV)/bin/ruff check operator frameworks studio tests bench hack
	$(VENV)/bin/ruff format --check operator frameworks studio tests bench hack
	$(VENV)/bin/lint-imports

test-unit: venv ## pure code, no cluster
	$(VENV)/bin/pytest tests/unit tests/studio/unit -q $(PYTEST_ARGS)

test-integration: venv cluster images ## against the real local cluster
	TROUPE_EXAMPLES=$(CI_EXAMPLES) $(VENV)/bin/pytest tests/integration -q $(PYTEST_ARGS)

test-examples: venv cluster ## every example trains on the real node (all seven images)
	$(MAKE) --no-print-directory images IMAGES="$(ALL_IMAGES)"
	TROUPE_EXAMPLES=all $(VENV)/bin/pytest tests/integration/test_real_examples.py -v $(PYTEST_ARGS)

test-contract: venv ## framework env contracts with the real libraries (root: network namespaces)
	bash hack/contract-deps.sh
	$(VENV)/bin/pytest tests/contract -q $(PYTEST_ARGS)

test: lint venv web cluster images ## everything CI runs: lint, the pages' unit tests, unit and integration tests
	cd $(WEB) && npm test
	VENV=$(VENV) TROUPE_EXAMPLES=$(CI_EXAMPLES) bash hack/test.sh $(PYTEST_ARGS)

crds: venv ## regenerate crds/ and the chart's copy from the spec models
	bash hack/sync-chart-crds.sh
	$(PY) -m troupe.cli.reference --update README.md examples

studio: venv web ## Troupe Studio on the local cluster (starts or reuses it; local mode, SQLite); prints its URL
	bash hack/studio.sh

demo: venv cluster ## run the operator on the local cluster with an example job
	bash hack/demo.sh

bench: venv ## scale benchmark on a separate 100-node cluster (BENCH_ARGS="--jobs 1000")
	$(PY) bench/run.py $(BENCH_ARGS)

bench-requests: venv ## control-plane CPU per request of each kind Troupe sends
	$(PY) bench/request_cost.py $(BENCH_ARGS)

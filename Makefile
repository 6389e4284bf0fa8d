# DataPipe: the usual entry points. `make help` lists them.
.PHONY: help install compile build push dags version test ci demo bench clean docker-engine

# Image tags come from git: the exact commit (`-dirty` when the tree has uncommitted changes).
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
REVISION := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
IMAGES := extractor loader
# Local image names; `make push REGISTRY=…` retags them as $(REGISTRY)/<image>.
LOCAL_REPOSITORY := datapipe
# What builds, and extra flags for it: `--network host` on an engine without a bridge network,
# `--build-arg LOCAL_CLOUD=true` for a loader with DuckDB, `--platform …` with buildx (README).
DOCKER_BUILD ?= docker build
DOCKER_BUILD_FLAGS ?=
# Every stage's base; empty keeps the Dockerfiles' node:22-bookworm-slim.
BASE_IMAGE ?=
CONFIGS := $(wildcard config.yaml */config.yaml)
# This Makefile's folder: the DataPipe checkout whose dist/ runs `generate dag`.
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

help:
	@echo "make install   npm ci"
	@echo "make compile   compile TypeScript to dist/ (npm run build)"
	@echo "make build     both images, datapipe/extractor and datapipe/loader, tagged $(VERSION) and latest"
	@echo "               [DOCKER_BUILD_FLAGS=\"--network host ...\"] [BASE_IMAGE=<image>] [DOCKER_BUILD=\"docker buildx build\"]"
	@echo "make push      REGISTRY=<host/path>: tag and push both images as <registry>/<image>:$(VERSION) and :latest"
	@echo "make dags      dags/dag_<cloud>_<table>.py for every table of every */config.yaml"
	@echo "make version   print the image tag make build and make push use ($(VERSION))"
	@echo "make test      the test suite (npm test)"
	@echo "make ci        what CI runs: .ci/run (PostgreSQL, fastavro, Airflow 2 and 3, then the tests)"
	@echo "make demo      the embedded end-to-end demo"
	@echo "make bench     the extraction benchmark"

install:
	npm ci

compile:
	npm run build

# Stops with one line when no Docker engine answers (the docker CLI alone is not enough): $(error)
# is expanded only when a target needing the engine runs, and prints nothing else.
docker-engine:
	$(if $(shell docker info >/dev/null 2>&1 && echo up),,$(error no Docker engine is reachable (docker info failed) — start Docker or point DOCKER_HOST at one and re-run; `make compile` builds dist/ without Docker))

build: docker-engine
	@for image in $(IMAGES); do \
	  echo "building $(LOCAL_REPOSITORY)/$$image:$(VERSION)"; \
	  started=$$(date +%s); \
	  $(DOCKER_BUILD) --file Dockerfile.$$image $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) \
	    --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) $(DOCKER_BUILD_FLAGS) \
	    --tag $(LOCAL_REPOSITORY)/$$image:$(VERSION) --tag $(LOCAL_REPOSITORY)/$$image:latest . || exit 1; \
	  echo "built $(LOCAL_REPOSITORY)/$$image:$(VERSION) in $$(( $$(date +%s) - started )) s"; \
	done

push: docker-engine
	$(if $(REGISTRY),,$(error make push needs the registry — e.g. make push REGISTRY=us-docker.pkg.dev/acme/datapipe))
	$(if $(filter %-dirty,$(VERSION)),$(error the tree has uncommitted changes ($(VERSION)) — commit, then make build and make push))
	@for image in $(IMAGES); do \
	  for tag in $(VERSION) latest; do \
	    docker tag $(LOCAL_REPOSITORY)/$$image:$(VERSION) $(REGISTRY)/$$image:$$tag && \
	    docker push $(REGISTRY)/$$image:$$tag || exit 1; \
	  done; \
	done
	@echo "pushed $(REGISTRY)/extractor and $(REGISTRY)/loader as $(VERSION) and latest — set images: { registry: $(REGISTRY), tag: $(VERSION) } in config.yaml, then make dags"

# From the workspace root (or any folder of configs: make -f <datapipe>/Makefile dags).
dags:
	$(if $(CONFIGS),,$(error no config.yaml or */config.yaml in $(CURDIR) — create one with npx datapipe init <name> --cloud <cloud>))
	@test -f "$(ROOT)/dist/services/cli/main.js" || npm --prefix "$(ROOT)" run build
	@for config in $(CONFIGS); do node "$(ROOT)/dist/services/cli/main.js" generate dag --all --config "$$config" || exit $$?; done

# The tag alone, for scripts: the deployment pipeline pins its DAGs to it (`make -s version`).
version:
	@echo $(VERSION)

test:
	npm test

ci:
	bash .ci/run

demo:
	npm run demo

bench:
	npm run bench

clean:
	rm -rf dist .datapipe

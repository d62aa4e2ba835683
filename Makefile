# MCP Fleet. `make dev` runs the fleet locally, `make test` runs every test against real servers.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps build dev test chaos conformance test-env-up test-env-down lint generate check-generated bench bench-tool-search clean images cluster-up cluster-down e2e

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

deps: ## install what is missing (npm workspace)
	@bash scripts/ensure-deps.sh

build: deps ## compile every package (tsc -b)
	npx tsc -b

dev: build ## run the fleet locally with embedded defaults (Ctrl-C stops it)
	@bash scripts/dev.sh

test: ## install what is missing, start Postgres, Redis and a kube-apiserver on loopback, run all tests, stop them; then make e2e
	@bash scripts/run-tests.sh

chaos: build ## the chaos suite: processes killed and restarted under load; results in bench/results/
	@bash scripts/chaos.sh

conformance: build ## the official MCP conformance suite against the gateway + everything provider
	@bash scripts/conformance.sh

test-env-up: ## start the throw-away Postgres and Redis and print their URLs
	@bash scripts/test-env.sh up

test-env-down: ## stop them and delete their data
	@bash scripts/test-env.sh down

lint: deps check-generated ## formatting, lint rules and type checks
	npx biome check .
	npx tsc -b

generate: deps ## regenerate TypeScript types from proto/
	@bash scripts/gen-proto.sh

check-generated: deps ## fail when generated types are out of date with proto/
	@bash scripts/gen-proto.sh --check

bench: build ## gateway vs official SDK server and direct gRPC (~18 min); table + SVG plot in bench/results/
	@bash scripts/bench.sh

bench-tool-search: build ## tools/list bytes (full vs search mode) and search hit rate on the 500-tool synthetic catalog; results in bench/results/
	node bench/dist/tool-search.js

images: deps ## build every service image (deploy/Dockerfile) as docker-archive tars, no Docker needed
	@bash scripts/build-images.sh

cluster-up: deps ## start a single-node Kubernetes on this machine (root; binaries built once) and import the images
	@bash scripts/cluster.sh up

cluster-down: ## stop that cluster and remove all it added (processes, mounts, iptables, netns, the lo address)
	@bash scripts/cluster.sh down

e2e: deps ## the end-to-end suite: cluster up, helm install the fleet, drive it as an agent and an SRE, cluster down
	@bash scripts/e2e.sh

clean: ## remove build output
	npx tsc -b --clean

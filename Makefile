# Flamewatch — continuous profiling for .NET services on Kubernetes.
# `make help` lists the targets.

SHELL := /bin/bash
CONFIGURATION ?= Release
DOTNET ?= dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: deps
deps: ## Install what tests need beyond the .NET SDK (Debian and npm packages); idempotent.
	@scripts/deps.sh

.PHONY: build
build: ## Build the solution.
	$(DOTNET) build Operator.sln -c $(CONFIGURATION) -warnaserror --nologo -v quiet

.PHONY: test
test: deps build ## Run all tests (installs test tools first).
	@CONFIGURATION=$(CONFIGURATION) scripts/test.sh

.PHONY: test-e2e
test-e2e: deps ## End-to-end on a real cluster: the one KUBECONFIG names, or k3s in a local Docker engine.
	$(DOTNET) test tests/E2E.Tests -c $(CONFIGURATION) --logger "console;verbosity=detailed"

.PHONY: fmt
fmt: ## Format the code.
	$(DOTNET) format Operator.sln

.PHONY: lint
lint: ## Check formatting without changing files.
	$(DOTNET) format Operator.sln --verify-no-changes

.PHONY: run
run: build ## Run the embedded default: local agent + collector profiling a demo .NET app; prints the UI URL.
	@scripts/run.sh

.PHONY: dev-cluster
dev-cluster: ## Serve the in-process test API server until Ctrl-C; writes .dev/kubeconfig for kubectl (CRDs not preinstalled).
	$(DOTNET) run -c $(CONFIGURATION) --project tests/TestKit/DevCluster -- .dev/kubeconfig

##@ Packaging

IMAGE_TAG ?= 0.1.0
IMAGE_REGISTRY ?= flamewatch
HELM ?= tools/bin/helm

.PHONY: docker-build
docker-build: ## Build the three container images (needs a Docker engine).
	docker build -f src/Operator/Dockerfile -t $(IMAGE_REGISTRY)/operator:$(IMAGE_TAG) .
	docker build -f src/NodeCollector/Dockerfile -t $(IMAGE_REGISTRY)/collector:$(IMAGE_TAG) .
	docker build -f src/Agent/Dockerfile -t $(IMAGE_REGISTRY)/agent:$(IMAGE_TAG) .

.PHONY: publish
publish: ## dotnet publish the three executables into artifacts/publish/ (what the images contain).
	for p in Operator NodeCollector Agent; do \
	  $(DOTNET) publish src/$$p/Flamewatch.$$p.csproj -c $(CONFIGURATION) -o artifacts/publish/$$p --nologo -v quiet || exit 1; \
	done

.PHONY: chart
chart: deps verify-manifests ## Lint and package the Helm chart into artifacts/.
	$(HELM) lint charts/flamewatch --strict
	$(HELM) package charts/flamewatch -d artifacts

.PHONY: verify-manifests
verify-manifests: ## Check that charts/flamewatch/crds is byte-identical to config/crd/bases.
	diff -r config/crd/bases charts/flamewatch/crds

##@ Benchmarks

.PHONY: bench
bench: deps build ## Run the benchmarks and print measured figures, then a 30-min soak (SOAK_SECONDS to change).
	@scripts/bench.sh

.PHONY: chaos
chaos: build ## Fault scenarios (agent outages and kills, target kill loops, API-server faults on operator and collector, operator kills, two replicas); ~15 min, loopback only.
	@scripts/chaos.sh $(CHAOS_ARGS)

.PHONY: clean
clean: ## Remove build outputs.
	$(DOTNET) clean Operator.sln -c $(CONFIGURATION) -v quiet
	rm -rf artifacts

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

##@ Benchmarks

.PHONY: bench
bench: build ## Run the benchmarks and print measured figures.
	@scripts/bench.sh

.PHONY: clean
clean: ## Remove build outputs.
	$(DOTNET) clean Operator.sln -c $(CONFIGURATION) -v quiet
	rm -rf artifacts

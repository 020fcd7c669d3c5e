# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-packages lint run stop test bench bench-scaling record-histories contract clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages that integration tests run for real, as command=package.
# nginx: the TLS terminator (client certificate, API key) in tests/integration/test_tls.py.
# prometheus, promtool: the alert rules' checks and the real Prometheus in tests/integration/test_metrics.py.
SYSTEM_PACKAGES ?= nginx=nginx prometheus=prometheus promtool=prometheus

## Install the Debian packages some tests need, when missing (as root, with apt-get).
system-packages:
	@sh devstack/system-packages.sh $(SYSTEM_PACKAGES)

## Start Temporal, the sandbox, the gateway and the worker; run one payment; Ctrl-C stops all.
## Options through ARGS, e.g. `make run ARGS=--manual` (decide every payment on the customer page).
run: install
	$(BIN)/python -m devstack $(ARGS)

## Stop a stack `make run` left running (reads data/devstack.pid).
stop:
	$(BIN)/python -m devstack stop

## The gates: lint, formatting and strict types (everything but the tests).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Install if needed, pass the gates and run the whole test suite.
test: install system-packages lint
	$(BIN)/python -m pytest

## Measure the full path against bare Temporal (see README, Performance).
bench: install
	$(BIN)/python -m bench

## The polling backlog at several sizes, each on a fresh stack: a table and a figure for the README
## (see README, Performance). Sizes through SIZES, e.g. `make bench-scaling SIZES=1000,5000`.
SIZES ?= 1000,5000,10000
bench-scaling: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench --backlog-sizes $(SIZES) --plot docs/bench/backlog-scaling.png

## Re-record the workflow histories the replay tests use.
record-histories: install
	$(BIN)/python -m tests.replay.record

## Regenerate the published workflow contract (docs/contract.md, docs/schemas) from the code.
contract: install
	$(BIN)/python -m momoflow.contract_docs

clean:
	rm -rf $(VENV) data .pytest_cache

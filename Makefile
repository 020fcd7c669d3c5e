# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench record-histories clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Start Temporal, the sandbox, the gateway and the worker; run one payment; Ctrl-C stops all.
run: install
	$(BIN)/python -m devstack

## Install if needed and run the whole test suite.
test: install
	$(BIN)/python -m pytest

## Measure the full path against bare Temporal (see README, Performance).
bench: install
	$(BIN)/python -m bench

## Re-record the workflow histories the replay tests use.
record-histories: install
	$(BIN)/python -m tests.replay.record

clean:
	rm -rf $(VENV) data .pytest_cache

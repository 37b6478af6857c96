# One command each: `make run` (whole system, embedded) and `make test` (set up + all tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Stamps are keyed on what they install from: change a pyproject or the constraints and they redo.
SUM    := $(shell cat pyproject.toml tools/pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
RUN_STAMP  := $(VENV)/.run-$(SUM)
TEST_STAMP := $(VENV)/.test-$(SUM)
PYTEST := $(BIN)/python -m pytest
# The slow tiers wait on servers, subprocesses and a browser more than they compute: three pytest
# workers (pytest-xdist, one test file each at a time) keep both cores busy. JOBS=1 runs serially.
JOBS   ?= 3
PARALLEL := $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile)

.PHONY: install install-run run test test-unit test-integration test-e2e bench migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# What running needs: the product and the tools it runs beside (sandbox, panel); no test extras.
$(RUN_STAMP): pyproject.toml tools/pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -c constraints.txt -e . -e tools
	rm -f $(VENV)/.run-* && touch $(RUN_STAMP)

# What testing needs on top: pytest, playwright, pyyaml.
$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e . -e 'tools[test]'
	rm -f $(VENV)/.test-* && touch $(TEST_STAMP)

install-run: $(RUN_STAMP)
install: $(TEST_STAMP)

run: install-run
	$(BIN)/python deploy/run_local.py

migrate: install-run
	$(BIN)/python -m shared.manage migrate

# Every tier, in order (CI runs this); the end of the output counts and times each tier.
test: install
	bash tests/setup.sh
	$(PYTEST) $(PARALLEL) $(PYTEST_ARGS)

# The fast tier alone: pure rules, no servers, no sockets, no browser.
test-unit: install
	$(PYTEST) tests/unit $(PYTEST_ARGS)

test-integration: install
	bash tests/setup.sh
	$(PYTEST) tests/integration $(PARALLEL) $(PYTEST_ARGS)

test-e2e: install
	bash tests/setup.sh
	$(PYTEST) tests/e2e $(PARALLEL) $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var test-artifacts

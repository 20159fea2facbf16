# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on demand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint format bench install clean

# PYTHONWARNINGS: build backends warn about editable installs on stderr, noise for newcomers.
$(STAMP): pyproject.toml search/backends/fts5ext.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian programs the tests drive, installed when missing (as root in CI, else with sudo):
# Chromium for the browser tests (tests/console), docker-compose to validate the compose files
# (no Docker daemon needed).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_TOOLS := /usr/bin/chromium /usr/bin/docker-compose
$(TEST_TOOLS):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(notdir $@) >/dev/null

run: $(STAMP)
	$(BIN)/wirewatch run

demo: $(STAMP)
	$(BIN)/wirewatch run --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs in parallel (pytest-xdist): twice as many workers as CI's 2 cores, as its tests
# mostly wait on servers and child processes. One test module per worker at a time (loadfile), so
# a module's shared servers start once. (Not loadgroup: with pytest 9.2 it silently stops
# grouping, pytest-xdist issue #1386.)
TEST_WORKERS ?= 4
test: lint $(TEST_TOOLS)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data test-output .pytest_cache .ruff_cache

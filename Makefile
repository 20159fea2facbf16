# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on demand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint format bench install clean

# PYTHONWARNINGS: build backends warn about editable installs on stderr, noise for newcomers.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

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

# The browser tests (tests/console) drive Debian's Chromium; installed here when missing (as root, in CI).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	test -x $@ || (apt-get update -qq && apt-get install -y -qq chromium) || \
		{ echo "the browser tests need Chromium: run 'sudo apt-get install chromium'" >&2; exit 1; }

test: lint $(CHROMIUM)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data test-output .pytest_cache .ruff_cache

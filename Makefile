# resultsday — two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RD := $(BIN)/resultsday
DEMO_ENV := RESULTSDAY_DEMO=1
DEMO_ARGS ?= --seed 1 --centres 20 --learners 3000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

.PHONY: install
install: $(VENV)/.installed assets ## Create .venv and install the project and its tools

.PHONY: assets
assets: ## Fetch the GOV.UK Frontend package with npm (pages still work unstyled without npm)
	@if [ -d node_modules/govuk-frontend/dist/govuk ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error \
		|| echo "WARNING: npm could not fetch govuk-frontend: pages will be unstyled."; \
	else echo "WARNING: npm is not installed: pages will be unstyled."; fi

.PHONY: demo
demo: install ## Set up SQLite with demo data and serve http://127.0.0.1:8000 (with a task worker)
	$(DEMO_ENV) $(RD) migrate --no-input -v0
	$(DEMO_ENV) $(RD) seed --if-empty $(DEMO_ARGS)
	$(DEMO_ENV) $(RD) award --ao demo-ao --series 2026-06 --reason "make demo"
	$(DEMO_ENV) $(RD) award --ao demo-ao --series 2027-06 --reason "make demo"
	$(DEMO_ENV) $(RD) tracking-report --all
	$(DEMO_ENV) $(RD) demo_logins
	@echo "Serving http://127.0.0.1:8000 — press Ctrl+C to stop."
	@trap 'kill 0' EXIT INT TERM; \
	$(DEMO_ENV) $(RD) worker & \
	$(DEMO_ENV) $(RD) runserver 127.0.0.1:8000 --noreload

.PHONY: lint
lint: $(VENV)/.installed ## ruff and mypy
	$(BIN)/ruff check src bench
	$(BIN)/mypy src/resultsday
	$(BIN)/mypy --strict src/resultsday/grading src/resultsday/formats src/resultsday/identifiers.py

.PHONY: test
test: install lint ## The whole suite: lint, types, migrations check, tests
	$(BIN)/resultsday makemigrations --check --dry-run --settings=resultsday.settings_test
	$(BIN)/pytest

.PHONY: bench
bench: install ## Run the benchmarks under bench/ and print their figures
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

.PHONY: clean
clean: ## Remove the virtualenv, fetched assets and local data
	rm -rf $(VENV) node_modules var

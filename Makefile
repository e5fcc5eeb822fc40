# The two commands: `make up` (a running platform) and `make test` (every test).
# Everything else is a thin wrapper over the `hybrid` CLI.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HYBRID := $(BIN)/hybrid
SCALE  ?= 1
SEED   ?= 42
# Debian packages beyond wheels, per target, from scripts/system-packages.txt (the one list).
PACKAGES = scripts/system-packages.sh
RUNTIME_PACKAGES = $(shell $(PACKAGES) --list runtime)
TEST_PACKAGES = $(shell $(PACKAGES) --list test)
SCREENSHOT_PACKAGES = $(shell $(PACKAGES) --list screenshots)

.PHONY: help install up down status test lint bench screenshots \
        instance-health-local instance-health-staging instance-health-production \
        odoo-schema-snapshot odoo-schema-diff dbml-drift-check dbml-generate-sql supabase-migrate \
        superset-metadata-export superset-metadata-validate

help:  ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-28s %s\n", $$1, $$2}'

install: $(VENV)/.installed  ## Build the virtual environment (no services started)
	@$(PACKAGES) $(RUNTIME_PACKAGES)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster-dbt project prepare-and-package --file dagster_project/dbt/project.py

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar off -e '.[test,screenshots]'
	@touch $@

up: install  ## Install, start the stack, seed Odoo, replicate, build the marts, apply the dashboards
	$(HYBRID) stack up
	$(HYBRID) warehouse migrate --env local
	$(HYBRID) odoo seed --scale $(SCALE) --seed $(SEED) --if-empty
	$(HYBRID) replication setup --env local
	$(HYBRID) dbt build --env local
	$(HYBRID) apply --env local
	$(HYBRID) live setup --env local
	$(HYBRID) stack up  # again: now it starts the live worker too
	@$(HYBRID) stack status
	@echo "Dagster UI: http://localhost:3000"

down:  ## Stop the local stack (data survives)
	@if [ -x $(HYBRID) ]; then $(HYBRID) stack down; else echo "nothing installed"; fi

status: install  ## Each local service, its state, URL and DSN
	$(HYBRID) stack status

test: install  ## Every test (lint first): installs the Debian packages tests use, starts and stops its own Postgres
	@$(PACKAGES) --require $(TEST_PACKAGES)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

bench: install  ## Benchmarks at scale 20 (BENCH_SCALE), as ratios against same-run baselines
	$(BIN)/python -m bench.run --scale $${BENCH_SCALE:-20}

screenshots: $(VENV)/.installed  ## Pictures of the running stack (after `make up`) into docs/images/, by headless Chromium
	@$(PACKAGES) --require $(SCREENSHOT_PACKAGES)
	$(BIN)/python scripts/screenshots.py --out docs/images

instance-health-local: install  ## Health of the local environment
	$(HYBRID) health --env local

instance-health-staging: install  ## Health of staging
	$(HYBRID) health --env staging

instance-health-production: install  ## Health of production
	$(HYBRID) health --env production

odoo-schema-snapshot: install  ## Record the Odoo schema (ENV=local) in config/odoo-schema.<env>.json
	$(HYBRID) odoo schema-snapshot --env $${ENV:-local}

odoo-schema-diff: install  ## Compare the Odoo schema (ENV=local) with its snapshot; exit 1 when different
	$(HYBRID) odoo schema-diff --env $${ENV:-local}

dbml-drift-check: install  ## The warehouse's schemas (ENV=local) against dbml/supabase and the dbt contracts; exit 1 on drift
	$(HYBRID) warehouse drift --env $${ENV:-local}

dbml-generate-sql: install  ## The SQL that brings the warehouse (ENV=local) to dbml/supabase, shown, not run
	$(HYBRID) warehouse migrate --env $${ENV:-local} --dry-run

supabase-migrate: install  ## Apply it (ENV=local; MIGRATE_FLAGS="--allow-destructive --approve" as needed)
	$(HYBRID) warehouse migrate --env $${ENV:-local} $(MIGRATE_FLAGS)

superset-metadata-export: install  ## Adopt a UI-made dashboard as templates: DASHBOARD=<id|slug|title> (ENV=local)
	@test -n "$(DASHBOARD)" || { echo "usage: make superset-metadata-export DASHBOARD=<id|slug|title> [ENV=local]"; exit 2; }
	$(HYBRID) export --env $${ENV:-local} --dashboard "$(DASHBOARD)"

superset-metadata-validate: install  ## Validate superset_assets/ against the dbt manifest (ENV=local)
	$(HYBRID) validate --env $${ENV:-local}

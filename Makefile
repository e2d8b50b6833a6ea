# Two commands for a newcomer: `make run` (install, migrate, demo data, serve) and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install migrate seed clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --upgrade pip >/dev/null
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/flask --app portal db upgrade

seed: migrate
	$(BIN)/flask --app portal seed-demo

run: seed
	$(BIN)/flask --app portal run --host $(HOST) --port $(PORT)

# Runs the whole suite (unit, view, browser). DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache

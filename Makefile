# OneStop — `make demo` runs the platform with the demo country; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
ONESTOP := $(BIN)/onestop

.PHONY: demo test test-postgres test-browser lint typecheck contracts bench install install-dev messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("OneStop needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(ONESTOP) migrate --noinput
	$(ONESTOP) seed_demo --if-empty
	ONESTOP_DEMO_LIVE=1 $(ONESTOP) up

test: install-dev
	$(BIN)/pytest -m "not browser" -q

test-postgres: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/onestop} $(BIN)/pytest -m "not browser" -q

test-browser: install-dev
	$(BIN)/pytest -m browser -q

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy src

contracts: install-dev
	$(BIN)/lint-imports

bench: install-dev
	$(PY) -m bench

messages: install-dev
	cd src/onestop && ../../$(ONESTOP) makemessages -l ru -l kk -l ka --no-obsolete && ../../$(ONESTOP) compilemessages

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static

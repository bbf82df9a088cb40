# `make run` and `make test` do all set-up on a fresh machine (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev lock run setup serve secret-key test screenshots lint format clean bench storm

# What production runs (requirements.txt), and that plus the test and lint tools
# (requirements-dev.txt); both are locks generated from pyproject.toml by `make lock`.
$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

# Re-pin both locks after changing the declared ranges in pyproject.toml (uv resolves; it is only
# needed here, so it is installed on demand rather than declared).
lock: install
	$(PIP) install --quiet "uv>=0.9,<1"
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --quiet --custom-compile-command "make lock" \
	  -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev -c requirements.txt --python-version 3.11 --quiet \
	  --custom-compile-command "make lock" -o requirements-dev.txt

setup: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_bank
	$(BIN)/python manage.py create_demo_users
	$(BIN)/python manage.py create_demo_papers

run: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: gunicorn and whitenoise with DEBUG off, configured only by the environment (README,
# "Production"). gunicorn 25+ opens a control socket in ~/.gunicorn that several instances on one
# machine would share: turn it off where the installed gunicorn has one.
serve: export DEBUG = false
serve: secret-key install
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	exec $(BIN)/gunicorn --config config/gunicorn.py --bind $(HOST):$(PORT) \
	  $$($(BIN)/gunicorn --help | grep -q -- --no-control-socket && echo --no-control-socket)

secret-key:
	@test -n "$$SECRET_KEY" || grep -qs '^SECRET_KEY=.' .env || { \
	  echo "make serve: SECRET_KEY is not set. Production refuses to start without its own secret key:" >&2; \
	  echo "  export SECRET_KEY=\"\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\"" >&2; \
	  exit 1; }

test: install-dev
	$(BIN)/python -m pytest

# The browser tests, saving their screenshots where README shows them (`make test` keeps them out of the tree).
screenshots: install-dev
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/e2e

# Load, fault and two-server benchmarks, then the live-mock storm on the cluster (bench/README.md);
# not part of `make test` or CI. Options go in BENCH_ARGS and STORM_ARGS, e.g.
# `make bench BENCH_ARGS="--students 50 --databases sqlite" STORM_ARGS="--students 100"`; `make storm` runs the storm alone.
bench: install
	$(PIP) install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.storm $(STORM_ARGS)

storm: install
	$(PIP) install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.storm $(STORM_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# huaxun: `make run` serves the demo portal, `make test` runs every test;
# `make serve` is the production server, `make topology` the whole production set-up
# on one machine, `make bench` the speed benchmarks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
UV_VERSION := 0.13.9

.PHONY: install run demo serve topology bench test lint format messages

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "huaxun needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# granian, one blocking thread per worker: the best throughput and tail measured here
# (docs/benchmarks.md, "Serving"); static files come compressed and hashed from WhiteNoise.
serve: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(VENV)/bin/granian --interface wsgi --host $(HOST) --port $(PORT) \
		--workers $(WORKERS) --blocking-threads 1 --respawn-failed-workers \
		huaxun.wsgi:application

topology: install
	bash scripts/ensure-test-tools
	$(PY) -m huaxun.topology --port $(PORT)

bench: install
	bash scripts/ensure-test-tools
	$(PY) bench/run.py

test: install
	bash scripts/ensure-test-tools
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*'
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

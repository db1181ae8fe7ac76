# Essaim — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= 100000
IMPORT_SCALE ?= 100000
export ESSAIM_DATA_DIR ?= $(abspath $(DATA))
# Links in emails, exports and the API point to where this server answers.
export ESSAIM_PUBLIC_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-only bench bench-scale lint install install-test chromium clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(DATA)/secret_key:
	mkdir -p $(DATA)
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# Serve the atlas with the demo data through gunicorn (not Django's development server), with
# a worker for the background jobs beside it (both stop with Ctrl-C).
run: install $(DATA)/secret_key
	export ESSAIM_SECRET_KEY="$$(cat $(DATA)/secret_key)"; \
	$(BIN)/essaim migrate --no-input -v 0 && \
	$(BIN)/essaim createcachetable && \
	$(BIN)/essaim load_demo && \
	$(BIN)/essaim reindex --if-needed && \
	$(BIN)/essaim embed --no-progress && \
	$(BIN)/essaim snapshot -v 0 && \
	$(BIN)/essaim collectstatic --no-input -v 0 && \
	{ $(BIN)/essaim worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; } && \
	echo "Essaim is served on $(ESSAIM_PUBLIC_URL)/" && \
	$(BIN)/gunicorn essaim.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - --forwarded-allow-ips 127.0.0.1 \
		--limit-request-line 0 --control-socket $(ESSAIM_DATA_DIR)/gunicorn.ctl

# Debian's Chromium for the browser tests; never a tool's own browser download.
chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install-test chromium test-only

test-only:
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff check essaim tests bench
	$(BIN)/ruff format --check essaim tests bench
	ESSAIM_DEBUG=1 $(BIN)/essaim makemigrations --check --dry-run
	ESSAIM_DEBUG=1 $(BIN)/essaim check

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

# Lighthouse (Apache-2.0) from npm, locked in bench/lighthouse/, for the sobriety benchmark
# only; it drives Debian's Chromium (never a browser download).
bench/lighthouse/node_modules/.bin/lighthouse: bench/lighthouse/package-lock.json
	cd bench/lighthouse && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --silent --no-audit --no-fund
	touch $@

# Benchmarks write their figures to bench/results/.
bench: $(VENV)/.installed-bench chromium bench/lighthouse/node_modules/.bin/lighthouse
	$(BIN)/python -m bench.search --count $(SCALE)
	$(BIN)/python -m bench.imports --count $(IMPORT_SCALE)
	$(BIN)/python -m bench.find_help --count $(SCALE)
	$(BIN)/python -m bench.gazetteer
	$(BIN)/python -m bench.diagnostics --count 20000
	$(BIN)/python -m bench.matching --count $(SCALE)
	$(BIN)/python -m bench.observatory --count $(SCALE)
	$(BIN)/python -m bench.network --count $(SCALE)
	$(BIN)/python -m bench.sobriety

# The scale targets at the EU's size (2.8 million organisations, a million-row import): the
# engines only (the baselines take hours at this size), about an hour on two cores.
bench-scale: $(VENV)/.installed-bench
	$(BIN)/python -m bench.search --count 2800000 --engines essaim-api,essaim-engine --load-seconds 0
	$(BIN)/python -m bench.imports --count 1000000 --sample 200

# Refresh the translation catalogues after changing user-facing strings.
messages: install-test
	ESSAIM_DEBUG=1 $(BIN)/essaim makemessages -l fr -l en -l it -l es --no-obsolete --no-location \
		-i ".venv/*" -i "tests/*" -i "bench/*" -i "build/*"
	ESSAIM_DEBUG=1 $(BIN)/essaim compilemessages -v 0 -i .venv

clean:
	rm -rf $(VENV) build *.egg-info bench/lighthouse/node_modules

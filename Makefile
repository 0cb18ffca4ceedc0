# VistterStream — `make run` starts the app with demo data; `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_STAMP := src/vistterstream/static/index.html
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/vite.config.ts -type f 2>/dev/null)

.PHONY: run test lint bench soak setup web clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

web: $(WEB_STAMP)

$(WEB_STAMP): $(WEB_SOURCES)
	@if [ -f web/package.json ]; then \
		cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	fi

run: setup web
	@# Two malloc arenas instead of one per thread: ~45 MB less RSS at 1080p, no CPU cost (bench/browser.py).
	MALLOC_ARENA_MAX=2 $(BIN)/vistterstream serve

test: setup web
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	@# pytest exits 5 when it collected nothing: that must fail, not pass.
	@if [ -f web/package.json ]; then cd web && npm test --silent; fi
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected" >&2; exit 1; fi; exit $$rc

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: setup web
	$(BIN)/python -m bench

soak: setup web
	@# 60 min of preview + live with RSS/CPU/HLS-timing samples (BENCH_SOAK_MINUTES to change); not in CI.
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) web/node_modules src/vistterstream/static/assets $(WEB_STAMP)

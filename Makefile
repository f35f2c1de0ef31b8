# brandguard: `make run` starts the milter, `make test` runs the whole suite. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages: Postfix and libmilter (the MTA and pymilter's build dependency), unbound (the test DNS
# server), prometheus (promtool and the server for the metrics tests), tesseract (OCR of image-only lures),
# systemd (systemd-analyze verify of the unit), redis-server (the campaign memory's fleet store in the tests).
# chromium + chromium-driver (the web quarantine's browser tests), sudo (visudo checks its sudoers file).
APT_PACKAGES := postfix libmilter-dev unbound prometheus tesseract-ocr tesseract-ocr-eng systemd gcc make chromium chromium-driver redis-server sudo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# the benchmark's peers: rspamd (milter mode) and SpamAssassin (offline scan ratio)
BENCH_APT := rspamd spamassassin spamd spamc

# the other interpreters of the supported range (Debian 12: 3.11, Ubuntu 24.04: 3.12, Debian 13: 3.13): the unit
# tier runs on each one found (pyenv, or python3.X on PATH); a missing one is reported, not silently passed
OTHER_PYTHONS := 3.12 3.13

.PHONY: run test test-unit test-e2e test-pythons lint check eval bench bench-smoke docs dashboard-png screenshots deps apt venv clean

run: deps
	$(VENV)/bin/brandguard check policies/default.yaml
	MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} $(VENV)/bin/brandguard run --config deploy/settings.dev.yaml

# The suite mostly waits on Postfix, DNS and daemons (load ~0.7 on 2 cores), so the unit tier on the other
# interpreters runs beside it, one interpreter after the other: at most one core, and no extra wall time.
test: deps lint
	@mkdir -p build; $(MAKE) --no-print-directory test-pythons > build/test-pythons.log 2>&1 & other=$$!; \
	$(PY) -m pytest -q $(PYTEST_ARGS); main=$$?; \
	wait $$other; rc=$$?; \
	echo "--- unit tier on the other supported Pythons (build/test-pythons.log) ---"; \
	if [ $$rc -eq 0 ]; then grep -E "^(unit tier|test-pythons:)|passed|failed" build/test-pythons.log; \
	else cat build/test-pythons.log; fi; \
	[ $$main -eq 0 ] && [ $$rc -eq 0 ]

# static checks: ruff over the tree, mypy --strict over the package (settings in pyproject.toml)
lint: deps
	$(PY) -m ruff check milter tests tools bench
	$(PY) -m mypy

test-pythons: deps
	@for v in $(OTHER_PYTHONS); do \
	  py=$$(ls -d $$HOME/.pyenv/versions/$$v.*/bin/python3 2>/dev/null | sort -V | tail -1); \
	  [ -n "$$py" ] || py=$$(command -v python$$v || true); \
	  if [ -z "$$py" ]; then echo "test-pythons: no Python $$v on this machine: unit tier not run on it"; continue; fi; \
	  venv=.venv-$$v; \
	  if [ ! -f $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
	    $$py -m venv $$venv && $$venv/bin/python -m pip install -q --upgrade pip && \
	    $$venv/bin/python -m pip install -q -e '.[test,eval]' && touch $$venv/.installed || exit 1; \
	  fi; \
	  echo "unit tier on $$($$venv/bin/python --version)"; \
	  $$venv/bin/python -m pytest -q -p no:cacheprovider -m "not e2e" tests/unit tests/adapter || exit 1; \
	done

test-unit: deps
	$(PY) -m pytest -q -m "not e2e" $(PYTEST_ARGS)

test-e2e: deps
	$(PY) -m pytest -q -m e2e $(PYTEST_ARGS)

check: deps
	$(VENV)/bin/brandguard check policies/default.yaml

eval: deps
	@if [ -d ../shared/corpus ]; then \
	  $(VENV)/bin/brandguard eval --labels ../shared/corpus/labels.csv --root ../shared/corpus \
	    --json build/eval.json --png build/eval.png $(EVAL_ARGS); \
	else echo "../shared/corpus not present: nothing to evaluate"; fi

bench: deps
	@missing=""; for p in $(BENCH_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; fi
	@[ -x $(VENV)/bin/py-spy ] || $(PY) -m pip install -q 'py-spy>=0.3.14,<1'
	$(SUDO) $(PY) bench/run.py $(BENCH_ARGS)

bench-smoke:
	$(MAKE) bench BENCH_ARGS="-n 300 --reps 1 --skip scan"

docs: deps
	$(PY) tools/gen_docs.py

dashboard-png: deps
	$(PY) tools/dashboard_png.py --demo --out build/dashboard.png

# the web quarantine's pages in headless Chromium, from the browser tests (needs root: a private Postfix)
screenshots: deps
	BRANDGUARD_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/e2e/test_web_browser.py

deps: apt $(STAMP)

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  echo "postfix postfix/main_mailer_type select No configuration" | $(SUDO) debconf-set-selections; \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@$(PYTHON) -c 'import sysconfig,os,sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"],"Python.h")) else 1)' \
	  || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-dev python3-venv

$(STAMP): pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,eval]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info milter/*.egg-info

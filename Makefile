# Two commands: `make lab` (set up, then open JupyterLab) and `make test` (set up, then run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Real data for development and CI, when it sits beside the checkout (never committed).
SHARED_DATA ?= $(wildcard $(abspath ../shared/data))
# `make lab BROWSER=no` starts JupyterLab without opening a browser (headless machines).
BROWSER ?= yes
LAB_PORT ?= 8888
PYTEST_ARGS ?=
# Tests cache decoded data and trained models here, never in the learner's ~/.cache/cnnviz:
# a quick test run must not touch the models a class-mode run saved for notebook 07.
TEST_CACHE ?= $(CURDIR)/build/test-cache

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test test-unit test-notebooks install clean help

help:
	@echo "make lab    set up .venv (once) and open JupyterLab on notebooks/"
	@echo "make test   set up .venv (once) and run unit tests + nbval over every notebook"
	@echo "make test-browser  JupyterLab in headless Chromium: run notebook 02, move its explorer (screenshots in build/browser/)"
	@echo "make links  write Colab/Binder badges, Colab setup lines and slide metadata into README and notebooks"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the dependency list changes; a second run skips this.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[cpu,test]'
	touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(LAB_PORT) $(if $(filter no,$(BROWSER)),--no-browser,)

# Tests never touch the network: offline, quick mode, real data from ../shared/data when present.
test: $(STAMP)
	CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 CNNVIZ_CACHE_DIR=$(TEST_CACHE) $(if $(SHARED_DATA),CNNVIZ_DATA_DIR=$(SHARED_DATA),) \
	MPLBACKEND=agg $(BIN)/python -m pytest tests $(NOTEBOOKS) --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q -rs $(PYTEST_ARGS)

test-unit: $(STAMP)
	CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 CNNVIZ_CACHE_DIR=$(TEST_CACHE) MPLBACKEND=agg $(BIN)/python -m pytest tests -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build

# ---- classroom delivery: real-browser test, launch links (issue 8) ----
# `make test-browser` runs JupyterLab from .venv in Debian's headless Chromium, driven by Playwright
# (tests/browser/; `make test` never collects it). Chromium comes from apt, never from a download.
CHROMIUM      ?= /usr/bin/chromium
BROWSER_STAMP := $(VENV)/.installed-browser
SUDO          := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: test-browser links

$(BROWSER_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[cpu,test,browser]'
	touch $(BROWSER_STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# Screenshots and logs land in build/browser/.
test-browser: $(BROWSER_STAMP) | $(CHROMIUM)
	CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 $(if $(SHARED_DATA),CNNVIZ_DATA_DIR=$(SHARED_DATA),) CHROMIUM=$(CHROMIUM) \
	$(BIN)/python -m pytest tests/browser -p no:cacheprovider -q -rs $(PYTEST_ARGS)

# Write the Colab/Binder badges and the Colab setup lines (address from pyproject's [project.urls]),
# and the slide metadata of notebooks 01-04. Idempotent; run it after notebooks are regenerated.
links: $(STAMP)
	$(BIN)/python -m cnnviz.launch --write

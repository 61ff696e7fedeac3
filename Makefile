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

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test test-unit test-notebooks install clean help

help:
	@echo "make lab    set up .venv (once) and open JupyterLab on notebooks/"
	@echo "make test   set up .venv (once) and run unit tests + nbval over every notebook"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the dependency list changes; a second run skips this.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(LAB_PORT) $(if $(filter no,$(BROWSER)),--no-browser,)

# Tests never touch the network: offline, quick mode, real data from ../shared/data when present.
test: $(STAMP)
	CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 $(if $(SHARED_DATA),CNNVIZ_DATA_DIR=$(SHARED_DATA),) \
	MPLBACKEND=agg $(BIN)/python -m pytest tests $(NOTEBOOKS) --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q -rs $(PYTEST_ARGS)

test-unit: $(STAMP)
	CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 MPLBACKEND=agg $(BIN)/python -m pytest tests -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build

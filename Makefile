# Two commands: `make lab` (set up, then open JupyterLab) and `make test` (set up, then run every test).
# They work as a user and as root (a Docker container, a cloud VM), on Linux, macOS and WSL.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The versions `make test` installs and CI runs (pip install -c); `make test-latest` ignores them.
CONSTRAINTS := constraints.txt
# constraints.txt is a pip freeze made on Linux x86_64 (it pins tensorflow-cpu and Linux wheels), so `make`
# applies it there only (WSL included). Elsewhere it installs the newest versions inside pyproject.toml's
# bounds, with tensorflow instead of tensorflow-cpu (the `cpu` extra picks it): expected to work, untested.
# Intel Macs get no backend: TensorFlow publishes no Intel-Mac wheels after 2.16 (notebooks 01-04 run;
# for 05-07 use Colab or a hub, README "Where it runs").
PLATFORM := $(shell uname -s)-$(shell uname -m)
PIN      := $(if $(filter Linux-x86_64,$(PLATFORM)),-c $(CONSTRAINTS),)
BACKEND  := $(if $(filter Darwin-x86_64,$(PLATFORM)),,cpu,)
# Real data for development and CI, when it sits beside the checkout (never committed).
SHARED_DATA ?= $(wildcard $(abspath ../shared/data))
# `make lab BROWSER=no` starts JupyterLab without opening a browser (headless machines);
# LAB_PORT picks the port, LAB_TOKEN (optional) the login token, e.g. for a test or a class server.
BROWSER ?= yes
LAB_PORT ?= 8888
LAB_TOKEN ?=
PYTEST_ARGS ?=
# Tests cache decoded data and trained models here, never in the learner's ~/.cache/cnnviz:
# a quick test run must not touch the models a class-mode run saved for notebook 07.
TEST_CACHE ?= $(CURDIR)/build/test-cache
# JupyterLab refuses to start as root unless told; a root shell is normal in a container.
ROOT_USER := $(filter 0,$(shell id -u))

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab check lint test test-latest install clean help constraints answers student assignments teaching

help:
	@echo "make lab           set up .venv (once) and open JupyterLab on notebooks/ (BROWSER=no LAB_PORT=8888 LAB_TOKEN=...)"
	@echo "make check         lint + the fast tests (no notebook run, no server, nothing that takes seconds)"
	@echo "make test          set up .venv (once, versions from constraints.txt): lint, every test and nbval over every notebook"
	@echo "make test-latest   the same tests in build/venv-latest with the newest releases of every dependency"
	@echo "make test-colab    Colab's versions (Python 3.13, ipywidgets 7, build/venv-colab; downloads once): widget tests + nbval"
	@echo "make test-minimum  pyproject's lower bounds (Python 3.11, build/venv-minimum; downloads once): unit tests + nbval"
	@echo "make test-browser  JupyterLab in headless Chromium: run every notebook, drive the explorers (screenshots in build/browser/)"
	@echo "make links         write Colab/Binder badges, Colab setup lines and slide metadata (FILES=notebooks/02_x.ipynb for one)"
	@echo "make constraints   rewrite constraints.txt from build/venv-latest once make test-latest passes"
	@echo "make teaching      rewrite the generated parts of TEACHING.md (objectives, schedule, optional parts, mistakes)"
	@echo "make answers       the answer key of every exercise, computed: build/answers.md"
	@echo "make student       the student edition: build/student/ (stubs to write, predict-first outputs cleared)"
	@echo "make assignments   an nbgrader course from the same marks: build/nbgrader/ (source -> release)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "cnnviz needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install one (python.org, brew install python@3.12, apt-get install python3.11), then e.g.  make lab PYTHON=python3.12"; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)

# Re-install only when the dependency list or the pinned versions change; a second run skips this.
# setuptools comes along: the wheel test (tests/test_install.py) builds cnnviz offline with it.
$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(if $(PIN),,@echo "$(PLATFORM): constraints.txt is for Linux x86_64; installing the newest versions inside pyproject.toml's bounds (untested here)")
	$(if $(BACKEND),,@echo "Intel Mac: TensorFlow has no wheels here after 2.16, so notebooks 05-07 cannot run; use Colab or a hub for them")
	$(BIN)/python -m pip install --quiet $(PIN) --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet $(PIN) -e '.[$(BACKEND)lab,test]'
	touch $(STAMP)

install: $(STAMP)

# The teacher's kit adds nbgrader (pyproject's `teach` extra) for `make test` and `make assignments`;
# `make lab` installs without it. nbgrader's JupyterLab menus and the classic Notebook it brings are
# switched off in .venv, so JupyterLab looks the same after `make test` (the kit uses nbgrader's command line).
TEACH_STAMP := $(VENV)/.installed-teach
$(TEACH_STAMP): $(STAMP) pyproject.toml $(CONSTRAINTS)
	$(BIN)/python -m pip install --quiet $(PIN) -e '.[$(BACKEND)lab,test,teach]'
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader @jupyter-notebook/lab-extension >/dev/null
	$(BIN)/jupyter server extension disable --sys-prefix notebook $(addprefix nbgrader.server_extensions.,formgrader validate_assignment assignment_list course_list) >/dev/null 2>&1
	touch $(TEACH_STAMP)

lab: $(STAMP)
	$(if $(LAB_TOKEN),JUPYTER_TOKEN='$(LAB_TOKEN)' ,)$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(LAB_PORT) \
	  $(if $(filter no,$(BROWSER)),--no-browser,) $(if $(ROOT_USER),--allow-root,)

# Tests never touch the network: offline, quick mode, real data from ../shared/data when present.
# `run_tests` takes the environment's bin folder, so test and test-latest run the same tests.
# `test_env` takes the cache folder (the replicas below keep theirs inside their environment).
test_env = CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 CNNVIZ_CACHE_DIR=$(1) \
	$(if $(SHARED_DATA),CNNVIZ_DATA_DIR=$(SHARED_DATA),) MPLBACKEND=agg
nbval_args = --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q -rs
run_tests = $(call test_env,$(TEST_CACHE)) $(1)/python -m pytest tests $(NOTEBOOKS) $(nbval_args) $(PYTEST_ARGS)

# Test tiers (pytest markers, pyproject.toml): `notebook` executes a notebook (nbval's cells too), `server`
# starts JupyterLab or a browser, `slow` takes seconds (a training, the pretrained network, a wheel or an
# install, a whole dataset).
# `make check` is the edit-test loop: lint and every test that carries none of them;
# `make test` is the gate CI runs: lint, every test and nbval over every notebook.
FAST := not notebook and not server and not slow

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# (-p no:nbval: no notebook here, and the plugin costs seconds of imports at start-up; -n 2: both cores,
# --dist loadfile keeps each test file on one worker, in its order)
check: lint
	$(call test_env,$(TEST_CACHE)) $(BIN)/python -m pytest tests -m "$(FAST)" -n 2 --dist loadfile -p no:nbval -p no:cacheprovider -q $(PYTEST_ARGS)

test: $(TEACH_STAMP) lint
	$(call run_tests,$(BIN))

# The newest release of every dependency, in an environment of its own (never .venv), upgraded on
# every run: a new Keras or TensorFlow that breaks something shows here before it reaches a class.
LATEST := build/venv-latest
test-latest:
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip setuptools
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[$(BACKEND)lab,test]'
	$(LATEST)/bin/python -m pip list --format=freeze | grep -i -E '^(tensorflow|tensorflow-cpu|tensorflow_cpu|keras|ipywidgets|jupyterlab)=='
	$(call run_tests,$(LATEST)/bin)

# ---- replicas (issue 21): the course on Colab's versions, and on the lower bounds of pyproject.toml ----
# Not part of `make test`: they download packages (PyPI) once, into environments of their own that later
# runs reuse (tests/replica.py rebuilds one only when its version list changes). Each run builds a cnnviz
# wheel from this checkout and installs it: test-colab exactly as the notebooks' first cell does on Colab
# (--no-deps onto Colab's stack, tests/colab-versions.txt), test-minimum with its dependencies held at
# pyproject's lower bounds. The interpreters are looked for on PATH and in pyenv, never downloaded.
find_python = $(firstword $(foreach p,$(shell command -v python$(1) 2>/dev/null) \
	$(wildcard $(or $(shell pyenv root 2>/dev/null),$(HOME)/.pyenv)/versions/$(1)*/bin/python$(1)) /usr/bin/python$(1),\
	$(shell "$(p)" -c 'import sys; print(sys.executable)' 2>/dev/null)))
PYTHON313 ?= $(call find_python,3.13)
PYTHON311 ?= $(call find_python,3.11)
COLAB_VENV   := build/venv-colab
MINIMUM_VENV := build/venv-minimum
TRAIN_LOCK   := /tmp/cnnviz-train.lock
.PHONY: test-colab test-minimum

test-colab:
	@test -n "$(PYTHON313)" || { echo "make test-colab needs Python 3.13 (Colab's) and found none on PATH or in pyenv;"; \
	  echo "install one (pyenv install 3.13, apt-get install python3.13) or name it: make test-colab PYTHON313=/path/to/python3.13"; exit 1; }
	$(call test_env,$(abspath $(COLAB_VENV))/test-cache) $(PYTHON313) tests/replica.py colab $(COLAB_VENV) --lock $(TRAIN_LOCK) -- \
	  tests/test_widgets.py tests/test_upload.py $(NOTEBOOKS) $(nbval_args) $(PYTEST_ARGS)

test-minimum:
	@test -n "$(PYTHON311)" || { echo "make test-minimum needs Python 3.11 (the oldest cnnviz supports) and found none on PATH or in pyenv;"; \
	  echo "install one (pyenv install 3.11, apt-get install python3.11) or name it: make test-minimum PYTHON311=/path/to/python3.11"; exit 1; }
	$(call test_env,$(abspath $(MINIMUM_VENV))/test-cache) $(PYTHON311) tests/replica.py minimum $(MINIMUM_VENV) \
	  --extras '$(BACKEND)lab,test,teach' --lock $(TRAIN_LOCK) -- tests $(NOTEBOOKS) $(nbval_args) $(PYTEST_ARGS)

# After `make test-latest` passes: pin what it ran, so `make test` and CI use it.
constraints:
	test -x $(LATEST)/bin/python || { echo "run make test-latest first: constraints.txt is written from $(LATEST)"; exit 1; }
	{ echo "# The versions \`make test\` installs (pip install -c constraints.txt) and CI runs: a pip freeze of the"; \
	  echo "# test environment, without cnnviz itself. \`make test-latest\` tries the newest releases instead;"; \
	  echo "# once it passes, \`make constraints\` rewrites this file from its environment."; \
	  $(LATEST)/bin/python -c 'import platform; print("# Python", platform.python_version(), "on", platform.system(), platform.machine())'; \
	  $(LATEST)/bin/python -m pip freeze --all --exclude-editable | grep -v -i -E '^cnnviz[=@ ]' | sort -f; \
	} > $(CONSTRAINTS)
	@echo "wrote $(CONSTRAINTS); the lower bounds in pyproject.toml stay the oldest versions that work (make test-minimum checks them)"

clean:
	rm -rf $(VENV) $(LATEST) build

# ---- classroom delivery: real-browser test, launch links (issue 8) ----
# `make test-browser` runs JupyterLab from .venv in headless Chromium, driven by Playwright
# (tests/browser/; `make test` never collects it). Chromium comes from the system's packages, never
# from a download: installed with apt-get where apt-get exists (as root, or with sudo when it needs
# no password); elsewhere install it yourself and point CHROMIUM= at it.
CHROMIUM      ?= /usr/bin/chromium
BROWSER_STAMP := $(VENV)/.installed-browser
FILES         ?=

.PHONY: test-browser links

$(BROWSER_STAMP): $(STAMP) pyproject.toml $(CONSTRAINTS)
	$(BIN)/python -m pip install --quiet $(PIN) -e '.[$(BACKEND)lab,test,browser]'
	touch $(BROWSER_STAMP)

$(CHROMIUM):
	@if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make test-browser needs Chromium (or Google Chrome) and found none at $(CHROMIUM)."; \
	  echo "Install it (macOS: brew install --cask chromium; Fedora: sudo dnf install chromium; Windows: use WSL),"; \
	  echo "then run:  make test-browser CHROMIUM=/path/to/chromium"; \
	  exit 1; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "make test-browser needs Chromium and found none at $(CHROMIUM)."; \
	  echo "Install it with:  sudo apt-get install chromium   (this make does not ask for a password)"; \
	  echo "or point at one you have:  make test-browser CHROMIUM=/path/to/chromium"; \
	  exit 1; \
	fi
	@test -x $(CHROMIUM) || { echo "apt-get installed chromium, but not at $(CHROMIUM): run make test-browser CHROMIUM=\$$(command -v chromium)"; exit 1; }

# Screenshots and logs land in build/browser/. Chromium is looked for first, before any install.
test-browser: $(CHROMIUM) $(BROWSER_STAMP)
	CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 $(if $(SHARED_DATA),CNNVIZ_DATA_DIR=$(SHARED_DATA),) CHROMIUM=$(CHROMIUM) \
	$(BIN)/python -m pytest tests/browser -p no:cacheprovider -q -rs $(PYTEST_ARGS)

# Write the Colab/Binder badges and the Colab setup lines (address from pyproject's [project.urls]),
# and the slide metadata of notebooks 01-04. Idempotent; run it after notebooks are regenerated.
# FILES=notebooks/02_convolution_by_hand.ipynb writes only the notebooks named.
links: $(STAMP)
	$(BIN)/python .ci/launch.py --write $(FILES)

# ---- the teacher's kit (issue 18): everything generated from the notebooks' cell tags and cnnviz.exercises ----
teaching: $(STAMP)
	$(BIN)/python .ci/teach.py teaching

answers: $(STAMP)
	$(BIN)/python .ci/teach.py answers build/answers.md

student: $(STAMP)
	$(BIN)/python .ci/teach.py student build/student

assignments: $(TEACH_STAMP)
	$(BIN)/python .ci/teach.py assignments build/nbgrader
	cd build/nbgrader && for a in $$(ls source); do \
	  PATH="$(abspath $(BIN)):$$PATH" nbgrader generate_assignment $$a --force --log-level=WARN || exit 1; done
	@echo "release/ holds what students get; collect their work into build/nbgrader/submitted/<student>/<assignment>/, then: nbgrader autograde <assignment>"

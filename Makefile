# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs the toolkit first if that has not been done yet.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# CPU-only torch, installed before BERTopic so pip never pulls CUDA packages (several GB).
# Elsewhere set TORCH_INDEX=--index-url=https://download.pytorch.org/whl/cpu (see README).
TORCH_INDEX ?=

.PHONY: setup report-deps demo test lab lint benchmark clean-outputs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH_INDEX) torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Reports: Debian's headless Chromium prints the PDFs (the tests also open the HTML in it) and
# pdftotext (poppler-utils) reads them back in the tests. Installed only when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
report-deps:
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends \
	    chromium poppler-utils fonts-dejavu-core; }

# The committed example study, into outputs/example (where `make lab`'s notebook looks);
# a second `make demo` reuses every stage whose inputs did not change.
demo: setup report-deps
	$(VENV)/bin/lxt run surveys/example

test: setup report-deps
	$(PY) -m pytest -q

lab: setup
	$(VENV)/bin/jupyter lab notebooks/explore_study.ipynb

lint: setup
	$(VENV)/bin/ruff check toolkit tests benchmarks
	$(VENV)/bin/ruff format --check toolkit tests benchmarks

clean-outputs:
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +

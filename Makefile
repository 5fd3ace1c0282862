# chitieu — common tasks. `make test` works on a fresh clone: it builds .venv/ from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: help venv test example reports sample ingest render bench clean

help:
	@echo "make reports   sample year (if missing) + ingest + every report under outputs/"
	@echo "make test      build .venv/ and run the whole test suite"
	@echo "make example   chitieu rates on the small bundled example (data/raw/example/)"
	@echo "make bench     benchmarks (bench/README.md)"

# Rebuilt whenever the project's dependency list changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# tests/, the doctests of chitieu_lib, and nbval on every notebook (default parameters, against a
# small store built by the tests). Notebooks in git carry no outputs: the expected text of the
# checked cells (tests/nbval_expected/) goes into copies under notebooks/.nbval/ first.
test: $(STAMP)
	$(BIN)/python tests/nbval_prepare.py
	$(BIN)/python -m pytest -q tests chitieu_lib notebooks/.nbval --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg

example: $(STAMP)
	$(BIN)/chitieu rates --dossiers data/raw/example/dossiers.csv \
		--catalog data/raw/example/catalog.csv --as-of 2019-11-30 \
		--out outputs/example/rates.csv --accounting outputs/example/accounting.csv

# The synthetic sample year (data/raw/sample/README.md), only when it is missing.
sample: data/raw/sample/source.json

data/raw/sample/source.json: | $(STAMP)
	$(BIN)/chitieu sample --out data/raw/sample

ingest: $(STAMP)
	$(BIN)/chitieu ingest data/raw/sample --out data/processed

# The sample year is complete to 30/11/2019; reporting as of 30/9 shows what the projection is for.
AS_OF ?= 2019-09-30

render: $(STAMP)
	$(BIN)/chitieu render --level all --as-of $(AS_OF) --out outputs/

# The README's main command: every report, code-free HTML, and outputs/index.html.
reports: sample ingest render

# Benchmarks (bench/README.md): print seconds and ratios against baselines run in the same go.
# BENCH_LIMIT: reports the slow papermill baseline runs on (the rest is extrapolated; 0 = all).
BENCH_LIMIT ?= 12
bench: $(STAMP)
	$(BIN)/python bench/bench_render.py --limit $(BENCH_LIMIT)
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_projection.py

clean:
	rm -rf outputs/* data/processed/* .pytest_cache

# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.otgan-installed
DOCS_STAMP := $(VENV)/.otgan-docs-installed
SITE   := docs/_build/html
DEMO   := runs/demo

.PHONY: install demo test test-slow test-cluster docs test-docs fuzz bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,docs]'
	@touch $(DOCS_STAMP)

demo: install
	$(BIN)/otgan train --data ring --steps 1500 --seed 0 --out $(DEMO) --overwrite

test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q -n 2

test-slow: install
	$(BIN)/python -m pytest -q -n 2 -m slow

# against a throwaway single-node SLURM (installs slurm-wlm and munge with apt-get as root;
# skipped, saying why, where it cannot): tests/cluster/minislurm.py
test-cluster: install
	$(BIN)/python -m pytest -q -rs -m cluster tests/cluster

# the site (docs/site.md): Sphinx from docs/, the API from the docstrings, the gallery executed;
# warnings are errors (a broken link or reference, an undocumented public parameter, a failing
# or over-budget example)
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -c docs . $(SITE)
	@echo "site: $(SITE)/index.html"

# the built site in headless chromium (installs Debian's chromium with apt-get as root; skipped,
# saying why, where it cannot): tests/docs/test_site.py
test-docs: $(DOCS_STAMP)
	$(BIN)/python -m pytest -q -rs -p no:xdist -m docs tests/docs

fuzz: install  # the property tests with new random examples (the suite's are fixed)
	OTGAN_HYPOTHESIS=explore $(BIN)/python -m pytest -q -n 2 tests/test_fuzz.py tests/test_validation_properties.py

bench: install
	$(BIN)/python bench/bench_toy.py

clean:
	rm -rf runs .pytest_cache docs/_build docs/gallery

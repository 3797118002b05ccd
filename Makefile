# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.otgan-installed
DEMO   := runs/demo

.PHONY: install demo test test-slow bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/otgan train --data ring --steps 1500 --seed 0 --out $(DEMO) --overwrite

test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q -n 2

test-slow: install
	$(BIN)/python -m pytest -q -n 2 -m slow

bench: install
	$(BIN)/python bench/bench_toy.py

clean:
	rm -rf runs .pytest_cache

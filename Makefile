# Two commands on a fresh machine: `make up` (install + start on embedded defaults), `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin

.PHONY: install up test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

up: install
	$(BIN)/symage up

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Two workers, a test file each at a time: the live-stack tests mostly wait on their stacks, so the
# suite's other files run beside them (this 2-core machine: ~580 s -> ~460 s).
test: install lint
	$(BIN)/pytest -n 2 --dist loadfile

bench: install
	$(BIN)/python bench/bench_render.py
	$(BIN)/python bench/bench_identities.py
	$(BIN)/python bench/bench_tabular.py
	$(BIN)/python bench/bench_surfaces.py
	$(BIN)/python bench/bench_annotate.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) .symage .pytest_cache

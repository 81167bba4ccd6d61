# pyanaplan: the two commands the README gives are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-airflow lint docs bench bench-smoke reliability clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[emulator,dev,docs,airflow]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pyanaplan demo

test: $(STAMP)
	$(BIN)/ruff check src tests bench docs/hooks docs/airflow
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-airflow

# The Airflow provider's DAG tests, in a pytest process of their own: importing Airflow
# reconfigures logging process-wide (tests/airflow_provider/conftest.py). About a minute.
test-airflow: $(STAMP)
	$(BIN)/python -m pytest tests/airflow_provider

lint: $(STAMP)
	$(BIN)/ruff check src tests bench docs/hooks docs/airflow
	$(BIN)/ruff format --check src tests bench docs/hooks docs/airflow

# The documentation site, into site/ (strict: a broken link or reference fails the build).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --smoke

reliability: $(STAMP)
	PYANAPLAN_RELIABILITY_REPORT=docs/reliability.md PYANAPLAN_RELIABILITY_FULL=1 \
		$(BIN)/python -m pytest -m "slow or not slow" tests/reliability

clean:
	rm -rf $(VENV) build dist site .pytest_cache .ruff_cache

# graphcl developer and user entry points.
#   make quickstart   set up .venv and run the main job on embedded data (no download)
#   make test         set up .venv and run the test suite
#   make lint         ruff (lint + format check) and mypy
#   make bench        run the benchmarks in benchmarks/ (featurization, augmentation, train step)
PYTHON ?= python3
VENV ?= .venv
TORCH_VERSION ?= 2.13.0
PYTEST_ARGS ?=
BIN := $(VENV)/bin

.PHONY: quickstart test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch goes first and pinned: anything that depends on it then finds it installed
# instead of pulling the newest (CUDA) build from the registry.
$(VENV)/.stamp-%: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	@touch $@

quickstart: $(VENV)/.stamp-test
	$(BIN)/graphcl run recipes/quickstart.yaml

test: $(VENV)/.stamp-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check graphcl tests benchmarks
	$(BIN)/ruff format --check graphcl tests benchmarks
	$(BIN)/mypy

format: $(VENV)/.stamp-dev
	$(BIN)/ruff format graphcl tests benchmarks
	$(BIN)/ruff check --fix graphcl tests benchmarks

bench: $(VENV)/.stamp-test
	$(BIN)/python benchmarks/featurize.py
	$(BIN)/python benchmarks/augment.py
	$(BIN)/python benchmarks/train_step.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache

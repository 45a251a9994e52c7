# The two commands of the README: `make chat` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: chat test eval system-deps clean

$(BIN)/report-assistant: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/report-assistant
	@echo "installing test dependencies (llama-cpp-python compiles once: 5-15 minutes on 2 cores)"
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser build) and strace for the
# test that watches the chat server's outbound connections.
system-deps:
	@(command -v chromium && command -v strace) >/dev/null || ($(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver strace)

chat: $(BIN)/report-assistant
	$(BIN)/report-assistant chat

test: $(VENV)/.test-deps system-deps
	$(BIN)/pytest
	$(MAKE) eval

# The eval gate, on a fresh store: the default set on the default corpus, and the real-PDF set on
# ../shared/real-pdfs/ in a store of its own (skipped, with the reason, when that folder is absent).
eval: $(BIN)/report-assistant
	tmp=$$(mktemp -d) && $(BIN)/report-assistant --data-dir $$tmp eval --results-dir evals/results; \
	  status=$$?; rm -rf $$tmp; exit $$status

clean:
	rm -rf $(VENV) data

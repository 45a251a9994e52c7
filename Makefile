# The two commands of the README: `make chat` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: chat test eval bench clean

$(BIN)/report-assistant: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

chat: $(BIN)/report-assistant
	$(BIN)/report-assistant chat

test: $(BIN)/report-assistant
	$(BIN)/pytest

eval: $(BIN)/report-assistant
	$(BIN)/report-assistant eval

clean:
	rm -rf $(VENV) data

# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
MESSAGES ?= 2000000

.PHONY: run test venv demo bench clean

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

demo: venv
	$(BIN)/python app.py demo --if-missing --messages $(MESSAGES)

run: demo
	$(BIN)/python app.py serve

test: venv
	$(BIN)/python -m pytest -q --headless tests

clean:
	rm -rf var/ .pytest_cache

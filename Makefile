PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/nexus demo

# Every store-backed test runs on SQLite and on PostgreSQL (NEXUS_TEST_POSTGRES_URL).
test: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) nexus-data

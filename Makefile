PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench clean browser

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# The demo validates the banks' goAML reports against the official 5.0.2 XSD beside the checkout, if there is one
# (NEXUS_GOAML_SCHEMA names your FIU's own).
GOAML_XSD := $(wildcard ../shared/data/goaml/goAMLSchema-5.0.2.xsd)
demo: $(STAMP)
	NEXUS_GOAML_SCHEMA="$${NEXUS_GOAML_SCHEMA:-$(GOAML_XSD)}" $(BIN)/nexus demo

# The browser tests drive Debian's Chromium (never a browser downloaded by a test tool).
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

# Every store-backed test runs on SQLite and on PostgreSQL (NEXUS_TEST_POSTGRES_URL).
# Browser screenshots land in test-artifacts/.
test: $(STAMP) browser
	$(BIN)/pytest -q -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) nexus-data

# Two commands for a newcomer: `make serve` (preview the sample site) and `make test`.
# `make audit` runs Lighthouse, axe and the Nu Html Checker on the sample site (bench/lighthouse.py).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VNU := node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: serve build test audit clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(VNU): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: $(VENV)/.installed
	$(PY) build.py serve

build: $(VENV)/.installed
	$(PY) build.py build

test: $(VENV)/.dev-installed $(VNU)
	$(PY) -m pytest

audit: $(VENV)/.dev-installed $(VNU)
	$(PY) bench/lighthouse.py --runs 3

clean:
	rm -rf site .preview .cache

# Two commands for a newcomer: `make serve` (preview the sample site) and `bash .ci/run` (the tests).
# `make test` runs the suite with one Python (python3, or PYTHON=...); `make test-all` runs it on
# every supported Python this machine has, then the process tests again with spawned workers.
# `make audit` runs Lighthouse, axe and the Nu Html Checker on the sample site (bench/lighthouse.py).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
VNU := node_modules/vnu-jar/build/dist/vnu.jar
# The tests that start worker processes, run once more with TIDE_START_METHOD=spawn (`make test-spawn`).
PROCESS_TESTS := tests/test_build.py tests/test_incremental.py tests/test_preview.py tests/test_images.py tests/test_portability.py tests/test_search_index.py

.PHONY: serve build test test-spawn test-all audit clean python-check

python-check:
	@tools/python_check.sh "$(PYTHON)" "$(VENV)"

$(VENV)/.installed: requirements.txt | python-check
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(VNU): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: python-check $(VENV)/.installed
	$(PY) build.py serve

build: python-check $(VENV)/.installed
	$(PY) build.py build

test: python-check $(VENV)/.dev-installed $(VNU)
	$(PY) -m pytest

test-spawn: python-check $(VENV)/.dev-installed $(VNU)
	TIDE_START_METHOD=spawn $(PY) -m pytest $(PROCESS_TESTS)

test-all: $(VNU)
	tools/each_python.sh

audit: python-check $(VENV)/.dev-installed $(VNU)
	$(PY) bench/lighthouse.py --runs 3

clean:
	rm -rf site .preview .cache

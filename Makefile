# Two commands for a newcomer: `make run` (`make run PORT=8000` for another port) and
# `make test`. Both set up .venv when needed. `make ask Q="..."` asks the page's index
# from the command line. The index is the default one (.index/newsqa in this checkout,
# built from seeds/ the first time; NEWSQA_INDEX names another), the same one that
# `python -m qa`, `python -m index` and `ask()` use.
PY      := .venv/bin/python
STAMP   := .venv/.installed
export HF_HUB_OFFLINE := 1

.PHONY: run ask test lint bench bench-smoke browser-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The page prints the index's status line itself, once. NEWSQA_LAUNCHER tells it to
# name ports as `make run PORT=N` rather than `--port N`.
run: $(STAMP)
	NEWSQA_LAUNCHER=make $(PY) -m ui $(if $(PORT),--port $(PORT))

# Q given on make's command line is in the recipe's environment: "$$Q" passes it to
# Python as typed, quotes included.
ask: $(STAMP)
	@test -n "$$Q" || { echo 'usage: make ask Q="Who is the Prime Minister of Japan?"' >&2; exit 2; }
	@$(PY) -m qa -- "$$Q"

browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)

test: $(STAMP) browser-deps
	$(PY) -m ruff check .
	$(PY) -m pytest -q

# Full benchmarks (see BENCHMARKS.md): `make bench SIZES=1000,10000` for fewer sizes.
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench.run all $(if $(SIZES),--sizes $(SIZES))

# Every benchmark script on a tiny corpus, in about a minute; Haystack only if installed.
bench-smoke: $(STAMP)
	$(PY) -m bench.run smoke

clean:
	rm -rf .venv .index .pytest_cache .ruff_cache

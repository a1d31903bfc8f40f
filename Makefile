# The README's two commands: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck bench clean-demo constraints

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh

lint: setup
	$(BIN)/ruff check .

# Every plugin package (plugins/<name>/helpdesk_<name>/, and the example third-party
# plugins under examples/) is type-checked with the core.
PLUGIN_PACKAGES = $(patsubst %/__init__.py,%,$(wildcard plugins/*/helpdesk_*/__init__.py examples/*/helpdesk_*/__init__.py))

typecheck: setup
	$(BIN)/mypy helpdesk $(PLUGIN_PACKAGES)

# pytest exits 5 when it collected no test: make fails then, as it should.
# PYTEST_ARGS: extra options (.ci/run passes -rs and a JUnit report).
test: setup lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean-demo:
	rm -rf .demo

# Freeze the venv into constraints.txt (after a dependency changed in a pyproject.toml).
constraints: setup
	@{ sed -n '/^#/p' constraints.txt; $(BIN)/pip freeze --all --exclude-editable --disable-pip-version-check | grep -v '^-e\|^#'; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt && echo "constraints.txt: $$(grep -vc '^#' constraints.txt) packages pinned"

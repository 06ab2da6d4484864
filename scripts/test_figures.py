"""How many test functions check output against an outside schema or tool.

A test function counts when it calls, directly or through functions of its own module, one of
CHECKS: the kit's validators (CRDs, strict Kubernetes schemas, Terraform provider schemas),
the JSON Schema of mlstack.yaml, or a real tool (kubectl kustomize, terraform, checkov).
Counting is static (ast), per `def test_*` (a parametrized test counts once), so it can be run
on any commit: `python scripts/test_figures.py [TESTS_DIR]`. The names from before
tests/tools.py (`_failed`, `_kubectl_kustomize`) are listed so an old tree is counted by the
same rule.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CHECKS = {
    # schema kit and kubernetes-validate (tests/targets/schemas.py, tf_schemas.py)
    "problems",
    "typed_model_problems",
    "dangling_references",
    "crd_validator",
    # mlstack.schema.json against validate (tests/spec/test_schema_agreement.py)
    "schema_accepts",
    # real tools (tests/tools.py and the modules that run them)
    "require",
    "require_kubectl",
    "require_terraform",
    "failures",
    "_failed",
    "_kubectl_kustomize",
}


def _calls(function: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            target = node.func
            if isinstance(target, ast.Attribute):
                names.add(target.attr)
            elif isinstance(target, ast.Name):
                names.add(target.id)
    return names


def module_figures(path: Path) -> tuple[int, int]:
    """(test functions, of which checking) in one module."""
    tree = ast.parse(path.read_text())
    functions = {
        node.name: _calls(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    checking = set(CHECKS)
    changed = True
    while changed:  # functions of the module that reach a check, transitively
        reached = {name for name, calls in functions.items() if calls & checking}
        changed = not reached <= checking
        checking |= reached
    tests = [name for name in functions if name.startswith("test_")]
    return len(tests), sum(name in checking for name in tests)


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "tests"
    total = checking = 0
    for path in sorted(root.rglob("test_*.py")):
        tests, checked = module_figures(path)
        total += tests
        checking += checked
    print(
        f"{checking} of {total} test functions ({checking / total:.0%}) check output against an outside schema or tool"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

"""Checked files -> compiled environments, ready for `emit`.

The targets are imported here on first use, not at module import: `mlstack validate` shares
the CLI module with `compile` and must never start Node (jsii) or load cdk8s.
"""

from __future__ import annotations

import importlib

from mlstack.emit import Environment
from mlstack.pipeline import Checked
from mlstack.targets import Artifact, argocd


class StackClash(Exception):
    """Two files define the same stack name: their output folders would overwrite."""


def build(results: list[Checked]) -> dict[str, list[Environment]]:
    kubernetes = importlib.import_module("mlstack.targets.kubernetes")
    terraform = importlib.import_module("mlstack.targets.terraform")
    stacks: dict[str, list[Environment]] = {}
    origin: dict[str, str] = {}
    for result in results:
        for plan in result.plans:
            if origin.setdefault(plan.stack, result.file) != result.file:
                raise StackClash(
                    f"stack '{plan.stack}' is defined in {origin[plan.stack]} and {result.file}"
                )
            artifacts: list[Artifact] = [
                *kubernetes.compile_plan(plan),
                *terraform.compile_plan(plan),
                *argocd.compile_plan(plan),
            ]
            stacks.setdefault(plan.stack, []).append(
                Environment(plan.environment, result.file, result.sha256, artifacts)
            )
    return stacks

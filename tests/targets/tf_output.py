"""Reading one environment's compiled Terraform output in the per-cloud tests."""

from __future__ import annotations

import json
from typing import Any

from mlstack.plan import Plan
from mlstack.targets.terraform import compile_plan


def files(plan: Plan) -> dict[str, bytes]:
    return {a.path: a.content for a in compile_plan(plan)}


def document(plan: Plan) -> dict[str, Any]:
    return dict(json.loads(files(plan)["terraform/main.tf.json"]))


def notes(plan: Plan) -> str:
    return files(plan).get("terraform/NOTES.md", b"").decode()


def blocks(doc: dict[str, Any], type_: str, kind: str = "resource") -> dict[str, Any]:
    """`{name: body}` of every block of one type."""
    return dict(doc.get(kind, {}).get(type_, {}))

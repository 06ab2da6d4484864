"""`platform.terraform.overrides` -> `terraform/override.tf.json`.

Terraform merges an override file into the configuration block by block, and refuses one that
names a block the configuration does not have, but only at `terraform plan`, in CI, long
after review. The addresses are checked here against the blocks just generated, so the same
mistake is a compile diagnostic (E0902) at the line that wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from mlstack.diagnostics import Diagnostic, InputError
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.suggest import did_you_mean
from mlstack.targets import Artifact

_NAMED_TWICE = ("resource", "data")
"""Sections addressed by TYPE.NAME; the others (provider, output, ...) by NAME alone."""

FILE = "override.tf.json"


def _addresses(overrides: dict[str, Any]) -> Iterator[PathKey]:
    for section, blocks in overrides.items():
        if section == "terraform" or not isinstance(blocks, dict):
            yield (section,)
            continue
        for first, inner in blocks.items():
            if section in _NAMED_TWICE and isinstance(inner, dict):
                yield from ((section, first, name) for name in inner)
            else:
                yield (section, first)


def _problem(plan: Plan, address: PathKey, known: set[PathKey]) -> Diagnostic:
    text = ".".join(str(part) for part in address)
    siblings = [str(k[-1]) for k in known if len(k) == len(address) and k[:-1] == address[:-1]]
    what = ".".join(map(str, address[:-1]))
    hint = did_you_mean(str(address[-1]), siblings) or (
        f"main.tf.json's {what} blocks: {', '.join(sorted(siblings))}"
        if siblings
        else "an override changes a block main.tf.json already has; a new block belongs in "
        "the stack's own Terraform beside mlstack's"
    )
    return Diagnostic(
        "E0902",
        f"override of {text} in environment '{plan.environment}': main.tf.json has no such block",
        plan.span(("platform", "terraform", "overrides", *address)),
        hint,
    )


def override_file(plan: Plan, configuration: dict[str, Any]) -> list[Artifact]:
    """The override file (none without overrides); raises InputError when it names a block
    that `configuration` (every generated address, as nested sections) does not hold."""
    overrides = plan.spec.platform.terraform.overrides
    if not overrides:
        return []
    known = set(_addresses(configuration)) | {("terraform",)}
    problems = [_problem(plan, a, known) for a in _addresses(overrides) if a not in known]
    if problems:
        raise InputError(problems)
    text = json.dumps(overrides, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return [Artifact(FILE, text.encode())]

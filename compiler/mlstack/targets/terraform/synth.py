"""The one module that imports cdktf: blocks in, Terraform JSON out.

cdktf is archived upstream (last release 0.21), so its use stays here, behind `synthesize`.
Blocks cross into Node in batches: each batch is one `TerraformStack` (in an `App` of its
own) holding its blocks as one escape-hatch override per block kind, read back with one
`to_terraform()` call; the batches' documents are then merged (addresses never repeat).
One construct per block costs ~7 jsii calls (~1 ms) per block; one stack holding every
block grows faster than linearly (a 67k-block stack: 9.8 s against 7.5 s in batches), so
batches keep it linear. cdktf's `//` metadata is dropped so output only changes with input.
"""

from __future__ import annotations

from typing import Any

from mlstack.targets.node_runtime import configure
from mlstack.targets.terraform.blocks import Block

configure()

import cdktf  # noqa: E402  (after configure(): jsii reads JSII_NODE when it starts)

from mlstack.targets.jsii_release import release  # noqa: E402

BATCH_BLOCKS = 500
"""Blocks per stack: per-batch overhead (a new App and stack, ~1 ms) is nothing at this
size, synthesis time per block is flat up to several thousand blocks, and each batch's
copies in jsii messages stay small."""


def _strip_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_strip_metadata(v) for v in value]
    return value


def _synthesize_batch(sections: dict[str, Any]) -> dict[str, Any]:
    app = cdktf.App(skip_validation=True)
    stack = cdktf.TerraformStack(app, "main")
    for key, value in sections.items():
        stack.add_override(key, value)
    document: dict[str, Any] = _strip_metadata(stack.to_terraform())
    release(app, stack)
    return document


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    """Add one batch's document: `resource`/`data` merge by type, then by name."""
    for section, value in part.items():
        if section in ("resource", "data") and section in into:
            for block_type, named in value.items():
                into[section].setdefault(block_type, {}).update(named)
        else:
            into[section] = value


def synthesize(
    settings: dict[str, Any], blocks: list[Block], limit: int = BATCH_BLOCKS
) -> dict[str, Any]:
    """`settings` holds the `terraform`, `provider` and `output` sections; `blocks` the rest."""
    document: dict[str, Any] = {}
    for start in range(0, max(len(blocks), 1), limit):
        sections: dict[str, Any] = {} if start else dict(settings)
        for block in blocks[start : start + limit]:
            sections.setdefault(block.kind, {}).setdefault(block.type, {})[block.name] = block.body
        _merge(document, _synthesize_batch(sections))
    return document

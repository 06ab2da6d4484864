"""The one module that imports cdktf: blocks in, Terraform JSON out.

cdktf is archived upstream (last release 0.21), so its use stays here, behind `synthesize`:
each block becomes one generic `TerraformResource`/`TerraformDataSource` whose body is set
with one override per top-level attribute, and the document is read back with one
`to_terraform()` call; cdktf's `//` metadata is dropped so output only changes with input.
"""

from __future__ import annotations

from typing import Any

from mlstack.targets.node_runtime import configure
from mlstack.targets.terraform.blocks import Block

configure()

import cdktf  # noqa: E402  (after configure(): jsii reads JSII_NODE when it starts)


def _strip_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_strip_metadata(v) for v in value]
    return value


def synthesize(settings: dict[str, Any], blocks: list[Block]) -> dict[str, Any]:
    """`settings` holds the `terraform` and `provider` sections; `blocks` the rest."""
    app = cdktf.App(skip_validation=True)
    stack = cdktf.TerraformStack(app, "main")
    for key, value in settings.items():
        stack.add_override(key, value)
    for block in blocks:
        construct_type = (
            cdktf.TerraformResource if block.kind == "resource" else cdktf.TerraformDataSource
        )
        construct = construct_type(
            stack, f"{block.kind}.{block.type}.{block.name}", terraform_resource_type=block.type
        )
        construct.override_logical_id(block.name)
        for attribute, value in block.body.items():
            construct.add_override(attribute, value)
    document: dict[str, Any] = _strip_metadata(stack.to_terraform())
    return document

"""What a stack needs outside itself (a cluster add-on, an account setting): the first section
of each environment's `terraform/NOTES.md`, said by `compile` once per stack.

Read back from the files compile wrote rather than from the targets, because environments
compile in worker processes or come from the compile cache, and `compile` itself never
loads the targets. Environments of one stack mostly share their prerequisites (the same
cluster, the same account), so each distinct line is said once, in environment order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from mlstack.emit import Environment

HEADING = "# Prerequisites outside the stack"
NOTES = "terraform/NOTES.md"


def section(text: str) -> list[str]:
    """The items under HEADING, up to the next heading."""
    items: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("# "):
            inside = line == HEADING
        elif inside and line.startswith("- "):
            items.append(line[2:])
    return items


def lines(out: Path, stacks: Mapping[str, Sequence[Environment]]) -> Iterator[str]:
    """Per stack with any: a heading line, then each prerequisite once."""
    for stack, environments in sorted(stacks.items()):
        said: list[str] = []
        for environment in environments:
            if NOTES in environment.files:
                text = (out / stack / environment.name / NOTES).read_text("utf-8")
                said += [item for item in section(text) if item not in said]
        if said:
            yield f"{stack} needs, outside the stack ({NOTES} of each environment):"
            yield from (f"  - {item}" for item in said)

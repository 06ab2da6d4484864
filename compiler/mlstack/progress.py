"""Progress of a long compile: one line rewritten in place on a terminal, silent in CI logs
unless asked for (then one line per environment, which logs keep readable)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

from mlstack.plan import Plan

Reporter = Callable[[int, int, Plan], None]


def reporter(wanted: bool | None, stream: TextIO = sys.stderr) -> Reporter | None:
    """`wanted` None means: on a terminal that is not a CI job's."""
    interactive = stream.isatty() and not os.environ.get("CI")
    if not (interactive if wanted is None else wanted):
        return None

    def report(done: int, total: int, plan: Plan) -> None:
        line = f"compiled {done}/{total} environments: {plan.stack}/{plan.environment}"
        if interactive:
            end = "\n" if done == total else ""
            stream.write(f"\r\033[K{line}{end}")
        else:
            stream.write(f"{line}\n")
        stream.flush()

    return report

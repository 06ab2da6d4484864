"""Drift checks that cannot compute anything as written.

A drift job compares `reference` with `current`, the serving's recent inputs. Nothing in a
stack records a serving's requests yet (no request logger sink is generated), so a check
without `current` has no data: its job fails on every run, saying so. A warning (W0713), not
an error: SPEC.md's drift entry needs only `reference`, `schedule` and `threshold`, and the
rest of the stack is deployed as written; the warning says what to add before the job helps.
"""

from __future__ import annotations

from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled


def check(ctx: Context) -> None:
    servings = enabled(ctx.stack.serving)
    for name, drift in enabled(ctx.stack.monitoring.drift).items():
        # A check of an unknown serving is references.py's one diagnostic, not two.
        if drift.current is None and name in servings:
            ctx.warn(
                "W0713",
                f"drift check '{name}' names no current data, and nothing in the stack records "
                "the serving's requests: its job fails on every run until current is set",
                ("monitoring", "drift", name),
                "set current: to where the serving's recent inputs land (parquet or csv), "
                f"e.g. s3://BUCKET/requests/{name}/",
                key=True,
            )

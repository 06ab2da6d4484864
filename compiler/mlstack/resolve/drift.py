"""Drift checks that cannot compute anything as written.

A drift job compares `reference` with `current`, the serving's recent inputs, read as files.
Nothing in a stack writes a serving's requests as files (a KServe serving's `kserve.logger`
posts them as events to a URL; no sink is generated), so a check without `current` has no
data: its job fails on every run, saying so. A warning (W0713), not
an error: SPEC.md's drift entry needs only `reference`, `schedule` and `threshold`, and the
rest of the stack is deployed as written; the warning says what to add before the job helps.
"""

from __future__ import annotations

from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.serving import KServeServing


def check(ctx: Context) -> None:
    servings = enabled(ctx.stack.serving)
    for name, drift in enabled(ctx.stack.monitoring.drift).items():
        # A check of an unknown serving is references.py's one diagnostic, not two.
        if drift.current is None and name in servings:
            serving = servings[name]
            logger = serving.kserve.logger if isinstance(serving, KServeServing) else None
            recorded = (
                f"the serving's logger posts its requests to {logger.url} as events"
                if logger is not None
                else "nothing in the stack records the serving's requests"
            )
            where = (
                "where the logger's sink writes them"
                if logger is not None
                else "where the serving's recent inputs land"
            )
            ctx.warn(
                "W0713",
                f"drift check '{name}' names no current data, and {recorded}: its job fails "
                "on every run until current is set",
                ("monitoring", "drift", name),
                f"set current: to {where} (parquet or csv), e.g. s3://BUCKET/requests/{name}/",
                key=True,
            )

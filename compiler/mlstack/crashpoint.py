"""Named points where tests kill mlstack (SIGKILL) to prove a crash there leaves `out/` and
the deploy repository consistent: `MLSTACK_TEST_CRASH_AT=NAME` kills the process when it
reaches `crash_point(NAME)`. Unset, a point costs one environment lookup.

Points: `compile-before-swap`, `swap-after-old-rename`, `swap-after-new-rename` (emit.py);
`publish-after-apply`, `publish-before-push` (gitops/publish.py).
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "MLSTACK_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

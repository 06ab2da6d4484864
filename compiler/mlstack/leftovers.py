"""Temporary files and folders a killed process left behind, removed by a later run.

A temporary entry is named with a prefix of its own and lives beside where its content
goes (or in the system's temporary folder); a process killed by SIGKILL cannot remove it.
Entries a live process still uses are recent (each is written within seconds, a cache
entry as the environment compiles), so anything with that prefix untouched for
`STALE_SECONDS` is a leftover.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path

STALE_SECONDS = 3600


def remove_stale(
    folder: Path,
    prefix: str,
    *,
    older_than: float = STALE_SECONDS,
    ours: Callable[[Path], bool] = lambda entry: True,
) -> None:
    """Remove `folder/prefix*` entries not modified for `older_than` seconds (and, for a
    prefix others use too, that `ours` recognises). Best effort: an entry another user
    owns, or one that vanishes meanwhile, is left alone."""
    cutoff = time.time() - older_than
    with contextlib.suppress(OSError):
        for entry in folder.glob(f"{prefix}*"):
            with contextlib.suppress(OSError):
                if entry.lstat().st_mtime >= cutoff or not ours(entry):
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()

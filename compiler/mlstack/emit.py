"""Stage 5: artifacts -> `out/STACK/ENV/…` + `mlstack.lock.json`, all or nothing.

Each stack's new folder is written beside the old one (`.STACK.new`) while its environments
are compiled, each as soon as it is ready (by whichever process compiled it), so a large
stack is never held in memory whole; `commit` then adds the lock files and swaps the folders
in with renames: the old one to `.STACK.old`, the new one in, the old one removed. A failed
or killed compile leaves `out/STACK` as it was or complete, or (killed between the two
renames) the old tree in `.STACK.old`, which the next run puts back before anything else;
a stray `.STACK.new` is removed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlstack import __version__
from mlstack.crashpoint import crash_point
from mlstack.targets import Artifact

LOCK = "mlstack.lock.json"


@dataclass(frozen=True)
class Environment:
    """One compiled environment: the input it came from and the sha256 of each file it
    holds; `content` only when the caller keeps the files in memory (diff)."""

    name: str
    input_path: str
    input_sha256: str
    files: Mapping[str, str]
    content: Mapping[str, bytes] | None = None


def lock_file(environment: Environment) -> Artifact:
    lock = {
        "mlstack": __version__,
        "input": {"path": environment.input_path, "sha256": environment.input_sha256},
        "files": dict(sorted(environment.files.items())),
    }
    return Artifact(LOCK, (json.dumps(lock, indent=2, sort_keys=True) + "\n").encode())


def _write(folder: Path, artifacts: Iterable[Artifact]) -> None:
    for artifact in artifacts:
        target = folder / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.content)


class Staging:
    """New stack folders beside the old ones in `out`, swapped in by `commit`."""

    def __init__(self, out: Path, stacks: Iterable[str]) -> None:
        self.out = out
        self.stacks = sorted(set(stacks))
        out.mkdir(parents=True, exist_ok=True)
        for stack in self.stacks:
            self._recover(stack)
            self._fresh(stack).mkdir()

    def _recover(self, stack: str) -> None:
        """Settle a swap a killed run left half done: with `.STACK.old` and no `STACK` it
        stopped between the renames (the old tree goes back), with both it stopped after the
        new tree was in (the old one goes); a `.STACK.new` is always incomplete here."""
        final, fresh, old = self.out / stack, self._fresh(stack), self._old(stack)
        if old.exists() and not final.exists():
            old.rename(final)
        for leftover in (old, fresh):
            if leftover.exists():
                shutil.rmtree(leftover)

    def _fresh(self, stack: str) -> Path:
        return self.out / f".{stack}.new"

    def _old(self, stack: str) -> Path:
        return self.out / f".{stack}.old"

    def write(self, stack: str, environment: str, artifacts: Iterable[Artifact]) -> None:
        """Safe from worker processes: each environment has a folder of its own."""
        _write(self._fresh(stack) / environment, artifacts)

    def commit(self, stacks: Mapping[str, Sequence[Environment]]) -> None:
        """Lock files, then replace `out/STACK` for every stack; others are untouched."""
        for stack in self.stacks:
            for environment in stacks.get(stack, ()):
                self.write(stack, environment.name, [lock_file(environment)])
            final, fresh, old = self.out / stack, self._fresh(stack), self._old(stack)
            crash_point("compile-before-swap")
            if final.exists():
                final.rename(old)
            crash_point("swap-after-old-rename")
            fresh.rename(final)
            crash_point("swap-after-new-rename")
            if old.exists():
                shutil.rmtree(old)

    def discard(self) -> None:
        for stack in self.stacks:
            if self._fresh(stack).exists():
                shutil.rmtree(self._fresh(stack))

"""Stage 5: artifacts -> `out/STACK/ENV/…` + `mlstack.lock.json`, all or nothing.

Everything is built in memory first; each stack's folder is then written beside the old one
and swapped in with renames, so a failed or interrupted compile leaves `out/` as it was
(at worst a stray `.STACK.new` folder, removed by the next run).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlstack import __version__
from mlstack.targets import Artifact

LOCK = "mlstack.lock.json"


@dataclass(frozen=True)
class Environment:
    """One compiled environment: its artifacts and the input they came from."""

    name: str
    input_path: str
    input_sha256: str
    artifacts: Sequence[Artifact]


def lock_file(environment: Environment) -> Artifact:
    files = {a.path: hashlib.sha256(a.content).hexdigest() for a in environment.artifacts}
    lock = {
        "mlstack": __version__,
        "input": {"path": environment.input_path, "sha256": environment.input_sha256},
        "files": dict(sorted(files.items())),
    }
    return Artifact(LOCK, (json.dumps(lock, indent=2, sort_keys=True) + "\n").encode())


def _write_tree(root: Path, environments: Sequence[Environment]) -> None:
    for environment in environments:
        for artifact in [*environment.artifacts, lock_file(environment)]:
            target = root / environment.name / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(artifact.content)


def emit(out: Path, stacks: Mapping[str, Sequence[Environment]]) -> None:
    """Replace `out/STACK` for every stack given; other stacks' folders are untouched."""
    out.mkdir(parents=True, exist_ok=True)
    for stack, environments in sorted(stacks.items()):
        final, fresh, old = out / stack, out / f".{stack}.new", out / f".{stack}.old"
        for leftover in (fresh, old):
            if leftover.exists():
                shutil.rmtree(leftover)
        _write_tree(fresh, environments)
        if final.exists():
            final.rename(old)
        fresh.rename(final)
        if old.exists():
            shutil.rmtree(old)

"""The folders publish replaces in the deploy clone, checked before anything is removed or
written.

Validate rejects a `gitops.path` that leaves the repository, but publish runs `rmtree` and
copies inside a clone of a repository that others write to: a path given through the API,
or a symlink committed to the deploy repo (`stacks -> /home/me`), must not make it delete
or write anything outside the clone's working tree or inside its `.git`. So every folder is
a relative path of plain names, and its real path (symlinks resolved) must be exactly that
path under the clone's real root: no symlink anywhere on the way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

from mlstack.gitops.repo import PublishError


def _plain(folder: str) -> bool:
    parts = folder.split("/")
    return (
        bool(folder)
        and "\\" not in folder
        and not PurePosixPath(folder).is_absolute()
        and not PureWindowsPath(folder).drive
        and all(part not in ("", ".", "..") for part in parts)
        and all(part.lower() != ".git" for part in parts)
    )


def inside(work: Path, folder: str) -> Path:
    """`work / folder`, or a PublishError when it is not a folder of the working tree."""
    if not _plain(folder):
        raise PublishError(
            f"refusing to publish to '{folder}': not a relative folder inside the deploy repository"
        )
    root = Path(os.path.realpath(work))
    lexical = root.joinpath(*folder.split("/"))
    resolved = Path(os.path.realpath(lexical))
    if resolved != lexical:
        raise PublishError(
            f"refusing to publish to '{folder}': the deploy repository has a symlink on that "
            f"path (it resolves to {resolved})"
        )
    return work / folder


def clashes(folders: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of folders where one is, or is inside, the other: replacing one would replace
    (part of) the other."""
    ordered = sorted(set(folders))
    return [
        (a, b)
        for i, a in enumerate(ordered)
        for b in ordered[i + 1 :]
        if PurePosixPath(b).is_relative_to(PurePosixPath(a))
    ]

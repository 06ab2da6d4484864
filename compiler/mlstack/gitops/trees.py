"""The two sides of `mlstack diff` as file trees keyed `STACK/ENV/path`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import git

from mlstack.emit import Environment, lock_file
from mlstack.gitops.repo import PublishError, one_line, open_cache
from mlstack.pipeline import Checked, check_bytes


def compiled(stacks: Mapping[str, Sequence[Environment]]) -> dict[str, bytes]:
    """What `emit` would write, without writing it."""
    tree = {}
    for stack, environments in stacks.items():
        for environment in environments:
            if environment.content is None:
                raise ValueError(f"{stack}/{environment.name} was not kept in memory")
            lock = lock_file(environment)
            for path, content in [*environment.content.items(), (lock.path, lock.content)]:
                tree[f"{stack}/{environment.name}/{path}"] = content
    return tree


def deployed(remote: str, branch: str, targets: Mapping[str, str]) -> dict[str, bytes]:
    """What the deploy repo's `branch` holds now for each stack folder (empty if absent)."""
    repo = open_cache(remote)
    try:
        tree = repo.commit(f"origin/{branch}").tree
    except (git.BadName, ValueError):
        return {}
    out: dict[str, bytes] = {}
    for stack, folder in targets.items():
        try:
            subtree = tree / folder
        except KeyError:
            continue
        for blob in subtree.traverse():
            if blob.type == "blob":  # type: ignore[union-attr]
                relative = Path(blob.path).relative_to(folder).as_posix()  # type: ignore[union-attr]
                out[f"{stack}/{relative}"] = blob.data_stream.read()  # type: ignore[union-attr]
    return out


def at_revision(results: Sequence[Checked], ref: str) -> list[Checked]:
    """The same stack files as they were at `ref` of their git repository."""
    out = []
    for result in results:
        path = Path(result.file).resolve()
        try:
            repo = git.Repo(path.parent, search_parent_directories=True)
            relative = path.relative_to(Path(repo.working_tree_dir or "")).as_posix()
            raw = repo.git.show(f"{ref}:{relative}", stdout_as_string=False)
        except git.GitCommandError as error:
            if "exists on disk, but not in" in str(error.stderr) or "does not exist in" in str(
                error.stderr
            ):
                continue
            raise PublishError(f"cannot read {result.file} at {ref}: {one_line(error)}") from None
        except (git.InvalidGitRepositoryError, ValueError):
            raise PublishError(
                f"{result.file} is not in a git repository: --base needs one"
            ) from None
        out.append(check_bytes(raw, result.file, source_file=relative))
    return out

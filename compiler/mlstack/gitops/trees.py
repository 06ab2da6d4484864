"""The two sides of `mlstack diff` as file trees keyed `STACK/ENV/path`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import git

from mlstack.emit import Environment, lock_file
from mlstack.gitops.repo import PublishError, cache_lock, one_line, open_cache
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


def deployed(
    remote: str,
    branch: str,
    folders: Mapping[str, str],
    where: Mapping[tuple[str, str], tuple[str, str, str]],
) -> dict[str, bytes]:
    """What the deploy repo's `branch` holds now in each stack folder (`folders`: folder ->
    stack), keyed `STACK/ENV/…`. A copy of an environment that is now published elsewhere
    (`where`: (stack, environment) -> (remote, branch, folder)) is not that environment's
    deployed state and is left out; anything else in the folder, such as an environment
    removed from the stack, is in, since publish removes it."""
    with cache_lock(remote):
        repo = open_cache(remote)
        try:
            tree = repo.commit(f"origin/{branch}").tree
        except (git.BadName, ValueError):
            return {}
        out: dict[str, bytes] = {}
        for folder, stack in folders.items():
            try:
                subtree = tree / folder
            except KeyError:
                continue
            for blob in subtree.traverse():
                if blob.type != "blob":  # type: ignore[union-attr]
                    continue
                relative = Path(blob.path).relative_to(folder).as_posix()  # type: ignore[union-attr]
                home = where.get((stack, relative.split("/")[0]))
                if home is not None and home != (remote, branch, folder):
                    continue
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

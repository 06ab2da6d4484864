"""`mlstack publish`: put compiled environments into the deploy repository, one commit per
remote and branch.

Each stack folder that environments are published to is replaced by exactly those
environments (stale files and environments go, other stacks' folders stay, and so do the
deploy side's files the new kustomizations read: deploy_inputs.py), after checking that
every folder touched is inside the clone's working tree (folders.py). An environment whose
kustomization reads such a file that is nowhere is refused, so every committed tree builds.
Each stack's Applications join the branch's app-of-apps (apps.py). The commit names the
stacks, environments and source commit with trailers, and a push the remote rejects because
it moved is retried on the new tip with backoff. Nothing reaches the remote before the
push, so any earlier failure leaves it untouched.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from mlstack import __version__
from mlstack.addons import DEPLOY_FOLDER
from mlstack.crashpoint import crash_point
from mlstack.gitops import health, platform
from mlstack.gitops.apps import (
    APPS,
    ROOT,
    applications,
    argocd_namespace,
    root_application,
    root_name,
    root_repo_url,
    stack_apps,
)
from mlstack.gitops.deploy_inputs import is_kustomization, missing_inputs
from mlstack.gitops.folders import inside
from mlstack.gitops.repo import PublishError, auth_env, cache_lock, one_line, open_cache

AUTHOR = git.Actor("mlstack", "mlstack@users.noreply.localhost")


@dataclass(frozen=True)
class StackTree:
    """Environments of a compiled stack that go to one folder of one deploy branch: their
    trees `source/ENV` become `target/ENV`, and nothing else stays in `target`."""

    name: str
    source: Path
    """The stack's folder in out/."""
    target: str
    environments: tuple[str, ...]
    given: tuple[tuple[str, bytes], ...] = ()
    """Deploy-side files given for this publish (the client ids from `--terraform-outputs`),
    by path inside the stack folder: written over the compiled tree."""


@dataclass(frozen=True)
class Outcome:
    commit: str | None
    """The pushed (or, with dry_run, the would-be) commit; None when nothing changed."""
    branch: str
    changed: tuple[str, ...]
    attempts: int


def _message(stacks: Sequence[StackTree], source_repo: str, source_commit: str) -> str:
    what = "; ".join(f"{s.name} ({', '.join(s.environments)})" for s in stacks)
    return (
        f"mlstack: publish {what} from {source_commit[:12]}\n\n"
        f"Source-Repo: {source_repo}\nSource-Commit: {source_commit}\nMlstack-Version: {__version__}\n"
    )


def _start(repo: git.Repo, base: str, branch: str, *, new_branch: bool) -> None:
    """Check out `branch` at the remote's `base` (or an empty orphan for an empty repo),
    discarding whatever an interrupted run left in the cache."""
    if repo.head.is_valid():
        repo.git.reset("--hard")
    repo.git.clean("-ffdx")
    remote_refs = _remote_heads(repo)
    if base in remote_refs:
        repo.git.checkout("-B", branch, f"origin/{base}")
    elif not remote_refs or new_branch:
        if branch in [head.name for head in repo.heads]:
            # Left by an attempt whose push was rejected: start the branch again.
            repo.git.checkout("--detach")
            repo.git.branch("-D", branch)
        repo.git.checkout("--orphan", branch)
        repo.git.rm("-rf", "--ignore-unmatch", ".")
    else:
        raise PublishError(
            f"the deploy repository has no branch '{base}' (it has: {', '.join(sorted(remote_refs))})"
        )


def _deploy_side(stack: StackTree) -> set[str]:
    """Files (relative to the stack folder) its kustomizations read that compile did not write."""
    source = stack.source
    present = {
        p.relative_to(source).as_posix()
        for environment in stack.environments
        for p in (source / environment).rglob("*")
        if p.is_file()
    }
    found = {name: (source / name).read_bytes() for name in present if is_kustomization(name)}
    return missing_inputs(found, present | {name for name, _ in stack.given})


class Unbuildable(PublishError):
    """Environments whose kustomization reads a deploy-side file (the Azure client ids) that
    neither the compiled tree nor the deploy repo holds: Argo CD could not build them, so
    nothing is published (an unbuildable tree would also stop the rest of its sync)."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        super().__init__(
            f"refusing to publish: kustomize cannot build without {', '.join(missing)}; give "
            "the environments' `terraform output -json` with --terraform-outputs DIR "
            "(DIR/STACK/ENV.json), or let the cluster apply it (gitops.terraform.apply: "
            "controller)"
        )


def _apply(repo: git.Repo, request: Request) -> tuple[str, ...]:
    """Stage the stacks and their Applications; return the changed paths."""
    work = Path(repo.working_tree_dir or ".")
    stacks = request.stacks
    awaiting: list[str] = []
    # Every path is checked before the first one is touched: a refusal writes nothing.
    plans = []
    for stack in stacks:
        target = inside(work, stack.target)
        wanted = _deploy_side(stack)
        for name in wanted:
            inside(work, f"{stack.target}/{name}")
        plans.append((stack, target, wanted))
        inside(work, f"{APPS}/{stack.name}.yaml")
    inside(work, ROOT)
    inside(work, f"{APPS}/{health.FILE}")
    inside(work, f"{APPS}/{platform.FILE}")
    inside(work, DEPLOY_FOLDER)
    for stack, target, wanted in plans:
        kept = {name: (target / name).read_bytes() for name in wanted if (target / name).is_file()}
        if target.exists():
            shutil.rmtree(target)
        for environment in stack.environments:
            shutil.copytree(stack.source / environment, target / environment)
        for name, content in stack.given:
            (target / name).write_bytes(content)
        for name, content in kept.items():
            (target / name).write_bytes(content)
        awaiting += [f"{stack.target}/{name}" for name in wanted - kept.keys()]
        repo.git.add("--all", "--", stack.target)
    if awaiting:
        raise Unbuildable(tuple(sorted(awaiting)))
    _stage_apps(repo, work, request)
    return tuple(sorted(repo.git.diff("--cached", "--name-only").splitlines()))


def _stage_apps(repo: git.Repo, work: Path, request: Request) -> None:
    """Write each stack's `apps/STACK.yaml` (its Applications on this branch), then the root
    from every stack's file there (apps.py) and the add-ons of every environment they name
    (platform.py)."""
    environments: dict[str, tuple[Path, list[str]]] = {}
    for stack in request.stacks:
        environments.setdefault(stack.name, (stack.source, []))[1].extend(stack.environments)
    for name, (source, envs) in sorted(environments.items()):
        target = work / APPS / f"{name}.yaml"
        content = stack_apps(source, envs)
        if content is not None:
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(content)
        elif target.is_file():
            target.unlink()
    checks = work / APPS / health.FILE
    platform_app = work / APPS / platform.FILE
    apps = {
        p.name: p.read_bytes()
        for p in sorted((work / APPS).glob("*.yaml"))
        if p not in (checks, platform_app)
    }
    added = platform.collect(work, applications(apps)) if apps else {}
    platform.write(work, added)
    if apps:
        namespace = argocd_namespace(apps, request.remote, request.branch)
        (work / ROOT).parent.mkdir(exist_ok=True)
        (work / ROOT).write_bytes(root_application(apps, request.remote, request.branch))
        checks.write_bytes(health.configmap(namespace))
        if added:
            url = root_repo_url(apps, request.remote)
            name = root_name(url, request.branch, "platform")
            platform_app.write_bytes(platform.application(name, namespace, url, request.branch))
    if not apps:
        for path in (work / ROOT, checks):
            path.unlink(missing_ok=True)
    if not added:
        platform_app.unlink(missing_ok=True)
    tracked = repo.git.ls_files("--", APPS, ROOT, DEPLOY_FOLDER).splitlines()
    # git refuses a pathspec that matches nothing: only what exists or existed.
    paths = [
        p
        for p in (APPS, ROOT, DEPLOY_FOLDER)
        if (work / p).exists() or any(t == p or t.startswith(f"{p}/") for t in tracked)
    ]
    if paths:
        repo.git.add("--all", "--", *paths)


@dataclass(frozen=True)
class Request:
    """One publish: which stacks go to which branch of which remote, and from where."""

    remote: str
    stacks: tuple[StackTree, ...]
    branch: str = "main"
    push_branch: str | None = None
    """Push here instead of `branch` (a promotion branch for review), based on `branch`."""
    source_repo: str = "unknown"
    source_commit: str = "unknown"
    dry_run: bool = False
    new_branch: bool = False
    """Start `branch` empty when the remote lacks it (a deploy repo created just now)."""
    attempts: int = 5
    backoff: float = 0.5
    cache: Path | None = None


def publish(request: Request) -> Outcome:
    """Commit the stacks and push; a `branch` the remote lacks is an error unless
    `new_branch`. Publishers on this machine take turns on the cache."""
    with cache_lock(request.remote, request.cache):
        return _publish_locked(request)
    raise AssertionError("unreachable: the lock block returns")


def _publish_locked(request: Request) -> Outcome:
    target_branch = request.push_branch or request.branch
    message = _message(request.stacks, request.source_repo, request.source_commit)
    env = auth_env(request.remote)
    repo = open_cache(request.remote, request.cache)
    for attempt in range(1, request.attempts + 1):
        try:
            # A promotion branch that exists already is updated; a new one starts at `branch`.
            base = target_branch if target_branch in _remote_heads(repo) else request.branch
            _start(repo, base, target_branch, new_branch=request.new_branch)
            changed = _apply(repo, request)
            crash_point("publish-after-apply")
            if not changed:
                return Outcome(None, target_branch, (), attempt)
            commit = repo.index.commit(message, author=AUTHOR, committer=AUTHOR)
            if request.dry_run:
                return Outcome(commit.hexsha, target_branch, changed, attempt)
            crash_point("publish-before-push")
            with repo.git.custom_environment(**env):
                repo.git.push("origin", f"HEAD:refs/heads/{target_branch}")
            return Outcome(commit.hexsha, target_branch, changed, attempt)
        except git.GitCommandError as error:
            if not _moved(error) or attempt == request.attempts:
                raise PublishError(f"cannot push to {request.remote}: {one_line(error)}") from None
            time.sleep(request.backoff * 2 ** (attempt - 1))
            with repo.git.custom_environment(**env):
                repo.git.fetch("origin", "--prune", "--force")
    raise AssertionError("unreachable: the loop returns or raises")


def _remote_heads(repo: git.Repo) -> set[str]:
    return {ref.remote_head for ref in repo.remotes.origin.refs}


def _moved(error: git.GitCommandError) -> bool:
    """The remote moved under us (someone else pushed first), or a hook declined once."""
    text = str(error.stderr or "")
    return any(
        s in text
        for s in (
            "[rejected]",
            "fetch first",
            "non-fast-forward",
            "[remote rejected]",
            "cannot lock ref",
        )
    )


def stack_trees(
    out: Path,
    folders: Mapping[tuple[str, str], Sequence[str]],
    given: Mapping[str, Mapping[str, bytes]] | None = None,
) -> list[StackTree]:
    """(stack, folder in the deploy repo) -> the environments of out/STACK published there,
    with the deploy-side files `given` for them (stack -> path -> content)."""
    return [
        StackTree(
            stack,
            out / stack,
            folder,
            tuple(sorted(environments)),
            tuple(
                (path, content)
                for path, content in sorted((given or {}).get(stack, {}).items())
                if path.split("/")[0] in environments
            ),
        )
        for (stack, folder), environments in sorted(folders.items())
    ]

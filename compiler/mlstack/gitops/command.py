"""The bodies of `mlstack publish` and `mlstack diff`, loaded only then (GitPython stays out
of validate).

Every environment goes where its own merged `gitops` says (an overlay may move `prod` to a
release branch, another path or another repository): environments are grouped by remote
and branch, one commit each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from mlstack.build import Options, build, planned
from mlstack.diagnostics import InputError
from mlstack.emit import Environment
from mlstack.gitops import diff, remote, trees
from mlstack.gitops.apps import RESERVED, ROOT
from mlstack.gitops.folders import clashes as folders_clashes
from mlstack.gitops.outputs import client_id_files
from mlstack.gitops.publish import Outcome, Request, publish, stack_trees
from mlstack.gitops.repo import PublishError, ensure_local_bare
from mlstack.gitops.source import source_of
from mlstack.pipeline import Checked


@dataclass(frozen=True)
class Placement:
    """Where one environment's tree `out/STACK/ENV/` goes: `FOLDER/ENV` on a branch of a
    remote, FOLDER being its own (merged) `gitops.path`, as in its Argo CD Application."""

    stack: str
    environment: str
    remote: str
    branch: str
    folder: str


Targets = dict[tuple[str, str], dict[tuple[str, str], list[str]]]
"""(remote, branch) -> (stack, folder) -> environments published there."""


def _placements(results: list[Checked], repo: str | None) -> list[Placement]:
    found = []
    for result in results:
        for plan in result.plans:
            gitops = plan.spec.gitops
            url = repo or (gitops.repo if gitops else None)
            if url is None:
                raise click.UsageError(f"stack '{plan.stack}' has no gitops.repo; pass --repo")
            branch = gitops.branch if gitops else "main"
            folder = gitops.path if gitops and gitops.path else f"stacks/{plan.stack}"
            found.append(Placement(plan.stack, plan.environment, url, branch, folder))
    return found


def _targets(placements: list[Placement]) -> Targets:
    """Grouped by remote and branch; a folder two stacks would share, or one inside another,
    is an error (replacing one would replace the other)."""
    grouped: Targets = {}
    for p in placements:
        grouped.setdefault((p.remote, p.branch), {}).setdefault((p.stack, p.folder), []).append(
            p.environment
        )
    for (remote_url, branch), folders in grouped.items():
        owners: dict[str, set[str]] = {}
        for stack, folder in folders:
            owners.setdefault(folder, set()).add(stack)
        problems = (
            [
                f"'{folder}' is the folder of {' and '.join(sorted(names))}"
                for folder, names in sorted(owners.items())
                if len(names) > 1
            ]
            + [
                f"'{inner}' ({', '.join(sorted(owners[inner]))}) is inside '{outer}' "
                f"({', '.join(sorted(owners[outer]))})"
                for outer, inner in folders_clashes(owners)
            ]
            + [
                f"'{folder}' ({', '.join(sorted(owners[folder]))}) is inside '{reserved}/', where "
                "publish writes the Argo CD Applications"
                for folder in sorted(owners)
                for reserved in RESERVED
                if folder.split("/")[0] == reserved
            ]
        )
        if problems:
            raise PublishError(
                f"{remote_url} {branch}: {problems[0]}; give each stack a folder of its own "
                "(gitops.path)"
            )
    return grouped


def _one_branch_per_remote(targets: Targets, push_branch: str) -> None:
    """`--branch` pushes a remote's environments to one review branch, which is based on one
    branch: environments of that remote on two branches cannot share it."""
    branches: dict[str, list[str]] = {}
    for remote_url, branch in sorted(targets):
        branches.setdefault(remote_url, []).append(branch)
    for remote_url, names in branches.items():
        if len(names) > 1:
            raise click.UsageError(
                f"--branch {push_branch}: the environments published to {remote_url} follow "
                f"{' and '.join(names)}, and one review branch cannot be based on both; publish "
                "without --branch"
            )


def _remote_option(repo: str | None, *, create: bool) -> tuple[str | None, bool]:
    """`--repo` as git is given it (a local path made absolute) and whether it was created
    now. A bare repository is created only for a path that is local beyond doubt."""
    if repo is None:
        return None, False
    given = remote.parse(repo)
    if given.local is None:
        return repo, False
    created = False
    if create and given.explicit:
        created = ensure_local_bare(given.local)
    elif create and not given.local.exists():
        raise click.UsageError(
            f"--repo {repo}: no such repository; to create a local one, name it ./{repo}"
        )
    return str(given.local.resolve()), created


def run(
    results: list[Checked],
    stacks: dict[str, list[Environment]],
    out: Path,
    *,
    repo: str | None,
    push_branch: str | None,
    dry_run: bool,
    terraform_outputs: Path | None,
) -> None:
    repo, created = _remote_option(repo, create=True)
    source_repo, source_commit = source_of(Path(results[0].file))
    try:
        targets = _targets(_placements(results, repo))
    except PublishError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    if push_branch is not None:
        _one_branch_per_remote(targets, push_branch)
    given: dict[str, dict[str, bytes]] = {}
    if terraform_outputs is not None:
        try:
            given, said = client_id_files(terraform_outputs, out, stacks)
        except PublishError as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(1) from None
        for line in said:
            click.echo(f"client ids {line}")
    failed = False
    for (remote_url, branch), folders in sorted(targets.items()):
        try:
            outcome = publish(
                Request(
                    remote_url,
                    tuple(stack_trees(out, folders, given)),
                    branch=branch,
                    push_branch=push_branch,
                    source_repo=source_repo,
                    source_commit=source_commit,
                    dry_run=dry_run,
                    new_branch=created,
                )
            )
        except PublishError as error:
            click.echo(f"error: {error}", err=True)
            failed = True
            continue
        _say(remote_url, outcome, dry_run)
    if failed:
        raise SystemExit(1)


def _say(remote: str, outcome: Outcome, dry_run: bool) -> None:
    if outcome.commit is None:
        click.echo(f"{remote} {outcome.branch}: up to date, nothing to commit")
    else:
        verb = "would commit" if dry_run else "pushed"
        click.echo(
            f"{remote} {outcome.branch}: {verb} {outcome.commit[:12]} ({len(outcome.changed)} files changed)"
        )
        if dry_run:
            for name in outcome.changed:
                click.echo(f"  {name}")
    if ROOT in outcome.changed:
        click.echo(
            f"  {ROOT} is the app-of-apps of that branch; bootstrap a cluster with: kubectl "
            f"apply -f {ROOT} (from a checkout of it)"
        )


def run_diff(
    results: list[Checked],
    stacks: dict[str, list[Environment]],
    options: Options,
    *,
    base: str | None,
    repo: str | None,
    output_format: str,
    exit_code: bool,
) -> None:
    """Print what changes against the deploy repo (or the compile of `base`)."""
    new = trees.compiled(stacks)
    try:
        if base is not None:
            before = trees.at_revision(results, base)
            broken = [r.file for r in before if not r.ok]
            if broken:
                raise PublishError(f"the stacks at {base} do not validate: {', '.join(broken)}")
            try:
                old = trees.compiled(build(planned(before), options))
            except InputError as error:
                # A patch of nothing at the base ref: that compile never reached a cluster.
                raise PublishError(
                    f"the stacks at {base} do not compile: {error.diagnostics[0].message}"
                ) from None
        else:
            placements = _placements(results, _remote_option(repo, create=False)[0])
            where = {(p.stack, p.environment): (p.remote, p.branch, p.folder) for p in placements}
            old = {}
            for (remote_url, branch), folders in sorted(_targets(placements).items()):
                owners = {folder: stack for stack, folder in folders}
                old.update(trees.deployed(remote_url, branch, owners, where))
    except PublishError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    if output_format == "terraform":
        ci = {
            f"{p.stack}/{p.environment}"
            for r in results
            for p in r.plans
            if p.terraform_apply == "ci"
        }
        for environment in diff.terraform_changed(old, new, ci):
            click.echo(environment)
        return
    diffs = diff.compare(old, new)
    click.echo(
        diff.render_markdown(diffs) if output_format == "markdown" else diff.render_text(diffs)
    )
    if exit_code and diffs:
        raise SystemExit(1)

"""The body of `mlstack publish`, loaded only when publishing (GitPython stays out of validate)."""

from __future__ import annotations

from pathlib import Path

import click

from mlstack.build import Options, build, planned
from mlstack.emit import Environment
from mlstack.gitops import diff, trees
from mlstack.gitops.publish import Outcome, Request, publish, stack_trees
from mlstack.gitops.repo import PublishError, ensure_local_bare
from mlstack.gitops.source import source_of
from mlstack.pipeline import Checked


def _targets(results: list[Checked], repo: str | None) -> dict[tuple[str, str], dict[str, str]]:
    """(remote, branch) -> {stack: folder in the deploy repo}."""
    grouped: dict[tuple[str, str], dict[str, str]] = {}
    for result in results:
        plan = result.plans[0]
        gitops = plan.spec.gitops
        remote = repo or (gitops.repo if gitops else None)
        if remote is None:
            raise click.UsageError(f"stack '{plan.stack}' has no gitops.repo; pass --repo")
        branch = gitops.branch if gitops else "main"
        folder = gitops.path if gitops and gitops.path else f"stacks/{plan.stack}"
        grouped.setdefault((remote, branch), {})[plan.stack] = folder
    return grouped


def run(
    results: list[Checked],
    stacks: dict[str, list[Environment]],
    out: Path,
    *,
    repo: str | None,
    push_branch: str | None,
    dry_run: bool,
) -> None:
    del stacks
    created = False
    if repo is not None and "://" not in repo and not repo.startswith("git@"):
        created = ensure_local_bare(Path(repo))
        repo = str(Path(repo).resolve())
    source_repo, source_commit = source_of(Path(results[0].file))
    failed = False
    for (remote, branch), targets in sorted(_targets(results, repo).items()):
        try:
            outcome = publish(
                Request(
                    remote,
                    tuple(stack_trees(out, targets)),
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
        _say(remote, outcome, dry_run)
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
    for name in outcome.awaiting:
        # Said at every publish until it is there: that environment does not build before.
        click.echo(
            f"  awaiting {name}: kustomize cannot build that environment until the deploy step "
            "writes it (`mlstack azure-client-ids`, after `terraform apply`)"
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
            old = trees.compiled(build(planned(before), options))
        else:
            old = {}
            for (remote, branch), targets in sorted(_targets(results, repo).items()):
                old.update(trees.deployed(remote, branch, targets))
    except PublishError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    diffs = diff.compare(old, new)
    click.echo(
        diff.render_markdown(diffs) if output_format == "markdown" else diff.render_text(diffs)
    )
    if exit_code and diffs:
        raise SystemExit(1)

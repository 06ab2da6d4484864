"""The `mlstack` command: thin click wrappers over the pipeline stages.

Exit codes: 0 ok (warnings allowed), 1 invalid input, 2 usage error, 3 internal error.
"""

from __future__ import annotations

import gc
import importlib
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic_core import PydanticCustomError

from mlstack import __version__, needs, prerequisites, render
from mlstack.build import MEMORY_BUDGET_MB, Options, StackClash, build, planned
from mlstack.compile_cache import Cache, default_folder
from mlstack.diagnostics import Diagnostic, InputError, unique_sorted
from mlstack.emit import Environment, Staging
from mlstack.explain import explain_all
from mlstack.gitops.client_ids import command as azure_client_ids
from mlstack.gitops.comment import command as comment
from mlstack.load import DEFAULT_MAX_BYTES, Limits
from mlstack.pipeline import Checked, check_files, stack_files
from mlstack.progress import reporter
from mlstack.schema import render as render_schema
from mlstack.spec.types import NAME_MAX, validate_name
from mlstack.starter import starter
from mlstack.vertex_deploy import command as vertex_deploy

F = TypeVar("F", bound=Callable[..., Any])

CACHES = (
    "Caches live in $MLSTACK_CACHE_DIR (default $XDG_CACHE_HOME/mlstack/compile, else "
    "~/.cache/mlstack/compile): compiled environments, the Node runtime (runtime/) and clones "
    "of deploy repositories (deploy/). Removing the folder only costs time."
)


def _format_option(function: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(sorted(render.FORMATS)),
        default="text",
        show_default=True,
        help="text for people, json for tools, github for GitHub Actions annotations.",
    )(function)


def _out_option(function: F) -> F:
    return click.option(
        "-o",
        "--out",
        "out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("out"),
        show_default=True,
        help="Output folder: OUT/STACK/ENV/{kubernetes,terraform,argocd}/…",
    )(function)


def _limits_option(function: F) -> F:
    return click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_BYTES,
        show_default=True,
        help="Reject stack files larger than this.",
    )(function)


def _build_options(function: F) -> F:
    function = click.option(
        "--jobs",
        type=click.IntRange(min=1),
        help="Compile environments in this many processes. Default: one per CPU when the "
        "stacks are large enough to gain from it and the estimated peak memory stays "
        f"within {MEMORY_BUDGET_MB} MB, else one.",
    )(function)
    function = click.option(
        "--cache/--no-cache",
        default=True,
        show_default=True,
        help="Reuse the output of environments whose plan and compiler are unchanged "
        "(kept in $MLSTACK_CACHE_DIR, default ~/.cache/mlstack/compile).",
    )(function)
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Show compile progress on stderr. Default: on a terminal, not in CI.",
    )(function)


def _options(jobs: int | None, cache: bool, progress: bool | None) -> Options:
    return Options(
        jobs=jobs,
        cache=Cache(default_folder()) if cache else None,
        progress=reporter(progress),
    )


def _checked(paths: tuple[Path, ...], output_format: str, max_bytes: int) -> list[Checked]:
    """Validate every file (exit 1 on any error) and return the checked results."""
    files = list(stack_files(list(paths)))
    if not files:
        raise click.UsageError("no *.yaml or *.yml files found in the given paths")
    results = check_files(files, Limits(max_bytes=max_bytes))
    report(results, output_format)
    if not all(r.ok for r in results):
        sys.exit(1)
    return results


def _built(
    results: list[Checked], options: Options, out: Path | None, output_format: str = "text"
) -> dict[str, list[Environment]]:
    """Compile into `out` (all or nothing), or in memory when `out` is None. A problem only
    the compiled output shows (an escape hatch that targets nothing) is reported like any
    other diagnostic, with exit 1 and `out` as it was."""
    try:
        plans = planned(results)
    except StackClash as clash:
        raise click.UsageError(str(clash)) from None
    try:
        if out is None:
            return build(plans, options)
        staging = Staging(out, {plan.stack for _, plan in plans})
        try:
            stacks = build(plans, options, staging)
            staging.commit(stacks)
        except BaseException:
            staging.discard()
            raise
    except InputError as error:
        files = {d.span.file for d in error.diagnostics if d.span is not None}
        _show(unique_sorted(error.diagnostics), results, max(1, len(files)), output_format)
        sys.exit(1)
    return stacks


def _show(
    diagnostics: list[Diagnostic], results: list[Checked], failed: int, output_format: str
) -> None:
    """Text on stderr, json/github on stdout, each file's lines at hand for the excerpts."""
    sources = {r.file: r.lines for r in results}
    if output_format == "text":
        if diagnostics:
            click.echo(render.text(diagnostics, sources), err=True)
        if diagnostics:
            where = f" in {failed} of {len(results)} file(s)" if failed else ""
            click.echo(f"{render.summary(diagnostics)}{where}", err=True)
    elif diagnostics or output_format == "json":
        click.echo(render.FORMATS[output_format](diagnostics, sources))


def report(results: list[Checked], output_format: str) -> None:
    """Diagnostics of every file in one place."""
    failed = sum(1 for r in results if not r.ok)
    _show([d for r in results for d in r.diagnostics], results, failed, output_format)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlstack")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Validate and compile mlstack.yaml stacks into Kubernetes and Terraform.

    \b
    mlstack init --cloud aws > mlstack.yaml   write a starter stack
    mlstack validate specs/                   check every stack under specs/
    mlstack schema > mlstack.schema.json      JSON Schema for editors
    """
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_format_option
@_limits_option
def validate(paths: tuple[Path, ...], output_format: str, max_bytes: int) -> None:
    """Check stacks (files, or directories searched for *.yaml) in every environment.

    Reports every problem in one run; nothing is generated. Exit code 1 when any file
    has errors.
    """
    files = list(stack_files(list(paths)))
    if not files:
        raise click.UsageError("no *.yaml or *.yml files found in the given paths")
    results = check_files(files, Limits(max_bytes=max_bytes))
    report(results, output_format)
    if output_format == "text":
        for result in results:
            if result.ok:
                envs = ", ".join(p.environment for p in result.plans)
                click.echo(f"ok {result.file} ({envs})")
    if not all(r.ok for r in results):
        sys.exit(1)


@cli.command(name="compile", epilog=CACHES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_out_option
@_format_option
@_limits_option
@_build_options
def compile_command(
    paths: tuple[Path, ...],
    out: Path,
    output_format: str,
    max_bytes: int,
    jobs: int | None,
    cache: bool,
    progress: bool | None,
) -> None:
    """Validate stacks, then compile every environment into OUT/STACK/ENV/.

    Nothing is written unless every file is valid; each stack's folder is replaced whole,
    other stacks' folders are left alone. Identical input gives byte-identical output.
    Then, per stack, what it needs outside itself (terraform/NOTES.md: a cluster add-on, an
    account setting), each once.
    """
    results = _checked(paths, output_format, max_bytes)
    stacks = _built(results, _options(jobs, cache, progress), out, output_format)
    if output_format == "text":
        for stack, environments in sorted(stacks.items()):
            for environment in environments:
                count = len(environment.files) + 1
                click.echo(f"compiled {out / stack / environment.name} ({count} files)")
        for line in prerequisites.lines(out, stacks):
            click.echo(line)
        for line in needs.lines(plan for result in results for plan in result.plans):
            click.echo(line)


@cli.command(epilog=CACHES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--repo",
    help="Deploy repository (URL, git@host:path, or path); default: each environment's gitops.repo. A local path that does not exist is created as a bare repository when it is explicit (absolute, ./ or ../, or file://).",
)
@click.option(
    "--branch", "push_branch", help="Push to this branch (for review) instead of gitops.branch."
)
@click.option("--dry-run", is_flag=True, help="Show what would be committed; push nothing.")
@click.option(
    "--terraform-outputs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of `terraform output -json` files, DIR/STACK/ENV.json, taken after apply: "
    "the outputs the cluster needs (Azure client ids) are committed with the environment.",
)
@_out_option
@_format_option
@_limits_option
@_build_options
def publish(
    paths: tuple[Path, ...],
    repo: str | None,
    push_branch: str | None,
    dry_run: bool,
    terraform_outputs: Path | None,
    out: Path,
    output_format: str,
    max_bytes: int,
    jobs: int | None,
    cache: bool,
    progress: bool | None,
) -> None:
    """Compile stacks and commit them to the deploy repository Argo CD syncs.

    Each environment goes to its own gitops.repo, gitops.branch and folder
    gitops.path/ENV (default stacks/NAME/ENV), one commit per repository and branch; a stack
    folder is replaced by exactly the environments published there, other stacks are
    untouched. Each branch also gets its app-of-apps (argocd/root.yaml) and, for the
    environments with gitops.addons, the cluster add-ons of all its stacks (platform/). No
    change, no commit. A push rejected because the remote moved is retried on
    the new tip. A token for HTTPS remotes may be given in MLSTACK_GIT_TOKEN: it is sent to
    that remote's https origin only, never printed or stored.
    """
    results = _checked(paths, output_format, max_bytes)
    stacks = _built(results, _options(jobs, cache, progress), out, output_format)
    importlib.import_module("mlstack.gitops.command").run(
        results,
        stacks,
        out,
        repo=repo,
        push_branch=push_branch,
        dry_run=dry_run,
        terraform_outputs=terraform_outputs,
    )


@cli.command(epilog=CACHES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--base",
    metavar="REF",
    help="Compare with the compile of the stacks at this git ref of their repository, instead of the deploy repo.",
)
@click.option(
    "--repo", help="Deploy repository to compare with; default: each environment's gitops.repo."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "terraform"]),
    default="text",
    show_default=True,
    help="markdown renders a pull-request comment; terraform lists the environments whose "
    "terraform/ changed and that CI applies (gitops.terraform.apply: ci), one STACK/ENV a line.",
)
@click.option("--exit-code", is_flag=True, help="Exit with 1 when there are changes.")
@_limits_option
@_build_options
def diff(
    paths: tuple[Path, ...],
    base: str | None,
    repo: str | None,
    output_format: str,
    exit_code: bool,
    max_bytes: int,
    jobs: int | None,
    cache: bool,
    progress: bool | None,
) -> None:
    """Show what a compile would change: objects added, changed (in plain words) and
    removed per environment, then the unified diff. Each environment is compared with its
    own deploy repository, branch and folder (or with the compile at --base)."""
    results = _checked(paths, "text", max_bytes)
    options = _options(jobs, cache, progress)
    stacks = _built(results, options, None)
    importlib.import_module("mlstack.gitops.command").run_diff(
        results,
        stacks,
        options,
        base=base,
        repo=repo,
        output_format=output_format,
        exit_code=exit_code,
    )


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--spec",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The stack file to look in; default: FILE of each source, from the repository root.",
)
def explain(sources: tuple[str, ...], spec: Path | None) -> None:
    """Show the spec line behind generated objects.

    SOURCES are `mlstack.dev/source` values (FILE#POINTER, e.g.
    'specs/fraud/mlstack.yaml#/serving/fraud-api') or generated manifest files, whose
    annotations are read. Exit code 1 when a pointer names nothing in the spec any more.

    \b
    mlstack explain out/fraud/prod/kubernetes/inferenceservice-fraud-api.yaml
    """
    missing = False
    for found in explain_all(sources, spec, Path.cwd()):
        if found.span is None:
            click.echo(f"{found.source}: not in the spec (recompile?)", err=True)
            missing = True
            continue
        click.echo(f"{found.span}: {found.source}")
        click.echo(f"   {found.span.line:>4} | {found.line}")
    if missing:
        sys.exit(1)


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of mlstack.yaml (point your editor's YAML plugin at it)."""
    text = render_schema()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)


@cli.command()
@click.option(
    "--cloud",
    type=click.Choice(["aws", "gcp", "azure", "none"]),
    default="aws",
    show_default=True,
    help="Cloud the stack runs on (none: a cluster only).",
)
@click.option("--name", default="my-stack", show_default=True, help="Stack name (a DNS label).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stdout (refuses to overwrite).",
)
def init(cloud: str, name: str, output: Path | None) -> None:
    """Write a commented starter mlstack.yaml that validates as written."""
    try:
        validate_name(name)
    except PydanticCustomError:
        raise click.BadParameter(
            f"'{name}' is not a DNS label of at most {NAME_MAX} characters", param_hint="--name"
        ) from None
    text = starter(cloud, name)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists():
        raise click.UsageError(f"{output} exists; remove it or choose another path")
    output.write_text(text)
    click.echo(f"wrote {output}; next: mlstack validate {output}", err=True)


cli.add_command(azure_client_ids)
cli.add_command(comment)
cli.add_command(vertex_deploy)


def main() -> None:
    """Entry point: internal errors become exit code 3 with one line, unless --debug."""
    # A short-lived process building large acyclic trees: the cyclic GC only costs time here
    # (a quarter of a 1,000-model validate). Everything imported so far is frozen out of it.
    gc.freeze()
    gc.disable()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except SystemExit:
        raise
    except Exception as error:
        if "--debug" in sys.argv:
            traceback.print_exc()
        click.echo(
            f"internal error: {type(error).__name__}: {error} (rerun with --debug for details)",
            err=True,
        )
        sys.exit(3)

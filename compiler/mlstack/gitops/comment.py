"""`mlstack comment`: the one sticky pull-request comment, `mlstack diff` and the Terraform
plans of the environments CI applies, within GitHub's 65,536-character limit.

Each plan is folded into its own `<details>`, its summary line ("Plan: 1 to add, …" or "No
changes.") in the `<summary>`, so a reviewer sees every environment at a glance. When the
whole does not fit, the plans' bodies are cut evenly from the end (the diff keeps its place:
it is what the comment is about), each saying it was cut and where the full plan is.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

LIMIT = 65_536
"""GitHub's limit on an issue comment's body, in characters."""
MARKER = "<!-- mlstack-diff -->"
CUT = "\n… (cut to fit the comment; the full plan is in the job's log)\n"
_SUMMARY = re.compile(r"^(Plan: .*|No changes\..*|Changes to Outputs:)$", re.MULTILINE)


def summary(plan: str) -> str:
    """The plan's own one-line verdict, or a neutral word when it has none."""
    found = _SUMMARY.search(plan)
    return found.group(1).strip() if found else "plan"


def _section(environment: str, plan: str, body: str) -> str:
    return (
        f"<details><summary><code>{environment}</code> terraform: {summary(plan)}</summary>\n\n"
        f"```\n{body}\n```\n</details>\n"
    )


def render(diff: str, plans: dict[str, str], limit: int = LIMIT) -> str:
    """The comment body: marker, diff, then one folded plan per environment, at most
    `limit` characters."""
    head = f"{MARKER}\n{diff.rstrip()}\n"
    if plans:
        head += "\n### Terraform plans (applied on merge, before the Kubernetes side)\n\n"
    if len(head) > limit:
        return head[: limit - len(CUT)] + CUT
    frame = sum(len(_section(env, plan, "")) for env, plan in plans.items())
    room = limit - len(head) - frame
    bodies = {env: plan.rstrip() for env, plan in plans.items()}
    if sum(len(b) for b in bodies.values()) > room:
        share = max(0, room // max(1, len(plans)) - len(CUT))
        bodies = {env: b if len(b) <= share else b[:share] + CUT for env, b in bodies.items()}
    text = head + "".join(_section(env, plans[env], bodies[env]) for env in sorted(plans))
    return text[:limit]


def read_plans(folder: Path | None) -> dict[str, str]:
    """`FOLDER/STACK/ENV.txt` (`terraform show -no-color` of each plan) by `STACK/ENV`."""
    if folder is None:
        return {}
    return {
        path.relative_to(folder).with_suffix("").as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*/*.txt"))
    }


@click.command(name="comment")
@click.argument("diff", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--plans",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of DIR/STACK/ENV.txt, `terraform show -no-color` of each environment's plan.",
)
def command(diff: Path, plans: Path | None) -> None:
    """Print the pull-request comment: DIFF (`mlstack diff --format markdown`) and the
    plans, each folded, within GitHub's 65,536-character limit."""
    click.echo(render(diff.read_text(encoding="utf-8"), read_plans(plans)), nl=False)

"""The sticky comment: the diff first, then one folded plan per environment with the plan's
own verdict in its summary, and never more than GitHub's 65,536 characters, however large
the plans."""

from __future__ import annotations

from pathlib import Path

from mlstack.gitops.comment import CUT, LIMIT, MARKER, read_plans, render
from tests.helpers import run_mlstack

PLAN = (
    "Terraform will perform the following actions:\n\n"
    '  # azurerm_user_assigned_identity.serve_ocr will be created\n  + resource "x" "y" {}\n\n'
    "Plan: 7 to add, 0 to change, 0 to destroy.\n"
)


def test_each_environment_is_folded_under_its_verdict() -> None:
    body = render(
        "## mlstack diff\n\nvision/prod: 3 objects changed\n",
        {
            "vision/prod": PLAN,
            "vision/staging": "No changes. Your infrastructure matches the configuration.\n",
        },
    )
    assert body.startswith(f"{MARKER}\n## mlstack diff")
    assert body.index("mlstack diff") < body.index("<details>")
    assert (
        "<details><summary><code>vision/prod</code> terraform: Plan: 7 to add, 0 to change, "
        "0 to destroy.</summary>" in body
    )
    assert "<code>vision/staging</code> terraform: No changes." in body
    assert body.count("<details>") == body.count("</details>") == 2


def test_huge_plans_are_cut_evenly_to_fit() -> None:
    plans = {f"s/env{i}": PLAN + "x" * 50_000 for i in range(4)}
    body = render("diff\n", plans)
    assert len(body) <= LIMIT
    assert body.count(CUT.strip()) == 4
    assert body.count("</details>") == 4
    assert body.rstrip().endswith("</details>")


def test_the_command_reads_the_plans_folder(tmp_path: Path) -> None:
    (tmp_path / "plans/vision").mkdir(parents=True)
    (tmp_path / "plans/vision/prod.txt").write_text(PLAN)
    (tmp_path / "diff.md").write_text("no changes\n")
    assert read_plans(tmp_path / "plans") == {"vision/prod": PLAN}
    done = run_mlstack("comment", "diff.md", "--plans", "plans", cache=tmp_path, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == render("no changes\n", {"vision/prod": PLAN})

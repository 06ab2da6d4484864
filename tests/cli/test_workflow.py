"""The workflow users copy and the pre-commit hook call only commands and options that exist."""

from __future__ import annotations

import re
import shlex

import click
import yaml

from mlstack.cli import cli
from tests.helpers import ROOT


def _invocations() -> list[list[str]]:
    workflow = yaml.safe_load((ROOT / ".github/workflows/mlstack.yml").read_text())
    runs = [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    runs += [hook["entry"] for hook in hooks]
    return [
        shlex.split(line.split(">")[0])
        for run in runs
        for line in run.splitlines()
        if re.match(r"\s*mlstack ", line)
    ]


def test_workflow_commands_exist() -> None:
    invocations = _invocations()
    assert {args[1] for args in invocations} >= {"validate", "compile", "diff", "publish"}
    for args in invocations:
        command = cli.commands[args[1]]
        known = {
            opt for param in command.params if isinstance(param, click.Option) for opt in param.opts
        }
        used = {arg for arg in args[2:] if arg.startswith("--")}
        assert used <= known, (args, used - known)


def test_the_job_holding_the_push_token_restores_no_cache() -> None:
    """A restored compile cache (or the Node runtime kept in it) would decide what is pushed."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/mlstack.yml").read_text())
    holders = [
        job
        for job in workflow["jobs"].values()
        if "MLSTACK_GIT_TOKEN" in yaml.safe_dump(job.get("env", {})) + yaml.safe_dump(job["steps"])
    ]
    assert holders
    for job in holders:
        assert not [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/cache")]

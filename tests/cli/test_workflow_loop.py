"""The shipped workflow's publish job, run: its `run` steps as commands in order, in a real
config repository with a real bare deploy repository. Terraform is the one stand-in (no cloud
here): a `terraform` on PATH that records each call and answers `output -json` with the
recorded outputs of specs/vision-azure. It shows Terraform is applied before anything is
published, and that the commit carries the client ids, so the published tree builds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import git
import yaml

from mlstack.names import AZURE_CLIENT_IDS_FILE
from tests.helpers import ROOT

WORKFLOW = ROOT / ".github/workflows/mlstack.yml"
OUTPUTS = ROOT / "specs/vision-azure/terraform-outputs"

FAKE_TERRAFORM = """#!/bin/sh
# Records the call and how many commits the deploy repository has at that moment.
folder=$(printf '%s' "$1" | sed 's/^-chdir=//')
commits=$(git --git-dir="$DEPLOY" rev-list --all 2>/dev/null | wc -l | tr -d ' ')
echo "$folder $2 deploy-commits=$commits" >> "$TERRAFORM_LOG"
case "$2" in
  output) env=$(basename "$(dirname "$folder")"); cat "$RECORDED/vision/$env.json" ;;
  *) echo "recorded: terraform $2" ;;
esac
"""


def _steps(job: str) -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    return list(workflow["jobs"][job]["steps"])


def test_run_steps_take_expressions_only_through_env() -> None:
    """So the commands below are what Actions runs, once env is set."""
    for job in ("check", "publish"):
        for step in _steps(job):
            assert "${{" not in step.get("run", ""), step


def test_the_publish_job_applies_then_publishes_with_the_client_ids(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy.git"
    git.Repo.init(deploy, bare=True, initial_branch="main")
    config = git.Repo.init(tmp_path / "config", initial_branch="main")
    work = Path(config.working_tree_dir or "")
    (work / "README.md").write_text("config\n")
    config.index.add(["README.md"])
    actor = git.Actor("dev", "dev@example.com")
    before = config.index.commit("start", author=actor, committer=actor).hexsha
    spec = (ROOT / "specs/vision-azure/mlstack.yaml").read_text()
    (work / "stacks").mkdir()
    (work / "stacks/vision.yaml").write_text(
        spec.replace("git@ssh.dev.azure.com:v3/acme/platform/ml-deploy", str(deploy))
    )
    config.index.add(["stacks/vision.yaml"])
    config.index.commit("add the vision stack", author=actor, committer=actor)

    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "terraform").write_text(FAKE_TERRAFORM)
    (shims / "terraform").chmod(0o755)
    log = tmp_path / "terraform.log"
    env = {
        **os.environ,
        "PATH": f"{shims}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "MLSTACK_SPECS": "stacks/",
        "DEPLOY": str(deploy),
        "RECORDED": str(OUTPUTS),
        "TERRAFORM_LOG": str(log),
        "BEFORE": before,
        "MLSTACK_GIT_TOKEN": "",
        "GITHUB_REPOSITORY": "acme/config",
    }
    names = []
    for step in _steps("publish"):
        command = step.get("run")
        if command is None or command.startswith("pip install"):
            continue  # `uses:` steps (checkout, logins) and the install are the runner's.
        names.append(step.get("name", command))
        done = subprocess.run(
            ["bash", "-e", "-c", command],
            cwd=work,
            env={
                **env,
                **{k: str(v) for k, v in step.get("env", {}).items() if "${{" not in str(v)},
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, (names[-1], done.stdout, done.stderr)

    calls = log.read_text().splitlines()
    applied = [c for c in calls if " apply " in c]
    assert applied == [
        "out/vision/prod/terraform apply deploy-commits=0",
        "out/vision/staging/terraform apply deploy-commits=0",
    ]
    published = git.Repo(deploy).commit("main")
    assert published.message.startswith("mlstack: publish vision (prod, staging)")
    for environment in ("prod", "staging"):
        ids = json.loads((OUTPUTS / "vision" / f"{environment}.json").read_text())
        wanted = ids["azure_workload_client_ids"]["value"]
        blob = published.tree / f"stacks/vision/{environment}/kubernetes/{AZURE_CLIENT_IDS_FILE}"
        lines = blob.data_stream.read().decode().splitlines()
        assert dict(line.split("=") for line in lines if not line.startswith("#")) == wanted
    if shutil.which("kubectl"):
        checkout = git.Repo.clone_from(deploy, tmp_path / "checkout")
        folder = Path(checkout.working_tree_dir or "") / "stacks/vision/prod/kubernetes"
        subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, check=True)

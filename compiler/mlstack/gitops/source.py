"""Where the published output came from: the config repository and its commit."""

from __future__ import annotations

import os
import re
from pathlib import Path

import git


def source_of(spec: Path) -> tuple[str, str]:
    """(repository URL, commit) of the config repo holding `spec`: from GitHub Actions'
    environment when set, else from the checkout itself, else "unknown"."""
    if os.environ.get("GITHUB_SHA") and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{os.environ['GITHUB_REPOSITORY']}", os.environ["GITHUB_SHA"]
    try:
        repo = git.Repo(spec.resolve().parent, search_parent_directories=True)
        commit = repo.head.commit.hexsha
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return "unknown", "unknown"
    url = (
        repo.remotes.origin.url
        if "origin" in [r.name for r in repo.remotes]
        else str(repo.working_tree_dir)
    )
    return re.sub(r"://[^/@\s]+@", "://", url), commit

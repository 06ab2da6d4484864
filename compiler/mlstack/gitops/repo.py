"""The deploy repository's local cache, credentials, and git errors in one line.

The cache is a normal clone under the user's cache directory, one per remote. Every run
starts by fetching and hard-resetting it, so a dirty or half-written cache left by a killed
run is repaired, and a cache git cannot open is simply cloned again.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
import git

from mlstack.compile_cache import default_folder
from mlstack.gitops.remote import https_origin

TOKEN_ENV = "MLSTACK_GIT_TOKEN"
"""An HTTPS token for the deploy repo; passed to git per command, never stored or printed."""


class PublishError(Exception):
    """A git failure, already worded for the user (one line, no credentials)."""


def cache_root() -> Path:
    """Deploy clones live with mlstack's other caches (`MLSTACK_CACHE_DIR`): one setting."""
    return default_folder() / "deploy"


def auth_env(remote: str) -> dict[str, str]:
    """Per-command git config carrying the token as an HTTP header (git >= 2.31): it never
    reaches .git/config, argv or the remote URL. The header is scoped to the remote's own
    https origin (`http.<url>.*` config), so no other host sees it, and redirects are not
    followed: git would send the header on to wherever it was redirected. Plain http and
    ssh remotes get nothing."""
    token = os.environ.get(TOKEN_ENV)
    origin = https_origin(remote)
    if not token or origin is None:
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    config = {
        f"http.{origin}.extraHeader": f"Authorization: Basic {basic}",
        f"http.{origin}.followRedirects": "false",
    }
    env = {"GIT_CONFIG_COUNT": str(len(config)), "GIT_TERMINAL_PROMPT": "0"}
    for index, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def one_line(error: git.GitCommandError) -> str:
    """The useful line of git's stderr, with anything that looks like a credential removed."""
    text = str(error.stderr or error).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    picked = next(
        (line for line in lines if line.startswith(("fatal:", "error:", "remote:"))),
        lines[-1] if lines else "git failed",
    )
    picked = re.sub(r"^stderr: '?", "", picked).rstrip("'")
    token = os.environ.get(TOKEN_ENV)
    if token:
        picked = picked.replace(token, "***")
    return re.sub(r"://[^/@\s]+@", "://***@", picked)


def cache_folder(remote: str, root: Path | None = None) -> Path:
    return (root or cache_root()) / hashlib.sha256(remote.encode()).hexdigest()[:16]


@contextmanager
def cache_lock(remote: str, root: Path | None = None) -> Iterator[None]:
    """One publisher per cache at a time on this machine (others wait); publishers on other
    machines are handled by the push retry."""
    lock = cache_folder(remote, root).with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(lock):
        yield


def open_cache(remote: str, root: Path | None = None) -> git.Repo:
    """A clean clone of `remote` whose `origin` is up to date."""
    folder = cache_folder(remote, root)
    env = auth_env(remote)
    if folder.exists():
        try:
            repo = git.Repo(folder)
            if repo.remotes.origin.url == remote:
                with repo.git.custom_environment(**env):
                    repo.git.fetch("origin", "--prune", "--force")
                return repo
        except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError, AttributeError):
            pass
        except git.GitCommandError as error:
            raise PublishError(f"cannot fetch {remote}: {one_line(error)}") from None
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        return git.Repo.clone_from(remote, folder, env={**os.environ, **env}, no_checkout=True)
    except git.GitCommandError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise PublishError(f"cannot clone {remote}: {one_line(error)}") from None


def ensure_local_bare(path: Path) -> bool:
    """The demo's deploy repo: a bare repository at a local path, created when missing
    (True when it was created now)."""
    if path.exists():
        return False
    git.Repo.init(path, bare=True, initial_branch="main")
    return True

"""`--repo` and `gitops.repo`: scp-style and URL remotes are never local folders; a local bare
repository is created only for a path that is local beyond doubt."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from mlstack.gitops.remote import https_origin, parse
from tests.helpers import ROOT, run_mlstack


@pytest.mark.parametrize(
    ("given", "local", "explicit"),
    [
        ("git@github.com:acme/deploy.git", None, False),
        ("deploy@git.example:acme/deploy.git", None, False),
        ("git.example:acme/deploy.git", None, False),
        ("ssh://git@git.example:2222/acme/deploy.git", None, False),
        ("https://git.example/acme/deploy.git", None, False),
        ("/srv/deploy.git", "/srv/deploy.git", True),
        ("./deploy.git", "deploy.git", True),
        ("../deploy.git", "../deploy.git", True),
        ("./odd:name.git", "odd:name.git", True),
        ("file:///srv/deploy%20repo.git", "/srv/deploy repo.git", True),
        ("deploy.git", "deploy.git", False),
        ("sub/dir:x.git", "sub/dir:x.git", False),
    ],
)
def test_what_a_repository_string_names(given: str, local: str | None, explicit: bool) -> None:
    remote = parse(given)
    assert (str(remote.local) if remote.local else None, remote.explicit) == (local, explicit)


def test_the_https_origin_is_scheme_host_and_port_only() -> None:
    assert https_origin("https://x:tok@Git.Example/acme/d.git") == "https://git.example/"
    assert https_origin("https://git.example:8443/acme/d.git") == "https://git.example:8443/"
    assert https_origin("https://git.example:443/d.git") == "https://git.example/"
    assert https_origin("https://[::1]:9/d.git") == "https://[::1]:9/"
    for other in ("http://git.example/d.git", "ssh://git.example/d", "git@git.example:d.git"):
        assert https_origin(other) is None


def _publish(repo: str, tmp: Path) -> tuple[int, str]:
    result = run_mlstack(
        "publish",
        str(ROOT / "specs/edge-onprem/mlstack.yaml"),
        "--repo",
        repo,
        "-o",
        str(tmp / "out"),
        cache=tmp,
        cwd=tmp,
    )
    return result.returncode, result.stderr


@pytest.mark.parametrize("repo", ["deploy.invalid:org/deploy.git", "me@deploy.invalid:org/d.git"])
def test_an_scp_style_repo_is_a_remote_and_no_folder_is_created(tmp_path: Path, repo: str) -> None:
    before = sorted(tmp_path.iterdir())
    code, stderr = _publish(repo, tmp_path)
    assert code == 1 and f"error: cannot clone {repo}: " in stderr
    assert sorted(p for p in tmp_path.iterdir() if p.name != "out") == before


def test_a_bare_repository_is_created_only_for_an_explicit_local_path(tmp_path: Path) -> None:
    code, stderr = _publish("deploy.git", tmp_path)
    assert code == 2 and "name it ./deploy.git" in stderr
    assert not (tmp_path / "deploy.git").exists()
    assert _publish("./deploy.git", tmp_path)[0] == 0
    assert git.Repo(tmp_path / "deploy.git").bare
    assert _publish("deploy.git", tmp_path)[0] == 0  # it exists now: a plain local path
    assert _publish((tmp_path / "other.git").as_uri(), tmp_path)[0] == 0
    assert git.Repo(tmp_path / "other.git").heads[0].name == "lyon-plant-2"

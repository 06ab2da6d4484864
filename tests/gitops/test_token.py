"""MLSTACK_GIT_TOKEN reaches the remote's own https origin and nothing else: not a host it
redirects to, not a plain-http remote, not an ssh one. Real git against real HTTPS servers on
127.0.0.1 (git http-backend), recording the Authorization header of every request."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import git
import pytest

from mlstack.gitops.publish import Request, StackTree, publish
from mlstack.gitops.repo import PublishError, auth_env
from tests.gitops.git_server import certificate, serve
from tests.gitops.test_publish import token_forms

TOKEN = "t0ken-for-the-deploy-repo"
HEADER = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()


@pytest.fixture
def repos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of bare repositories (deploy.git with http pushes on), the token set, and
    git trusting the test certificate."""
    root = tmp_path / "repos"
    repo = git.Repo.init(root / "deploy.git", bare=True, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("http", "receivepack", "true")
    monkeypatch.setenv("MLSTACK_GIT_TOKEN", TOKEN)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return root


def _request(remote: str, tmp: Path) -> Request:
    source = tmp / "out" / "demo"
    (source / "prod").mkdir(parents=True, exist_ok=True)
    (source / "prod" / "a.yaml").write_text("a: 1\n")
    stack = StackTree("demo", source, "stacks/demo", ("prod",))
    return Request(remote, (stack,), new_branch=True, cache=tmp / "cache")


def test_the_remote_gets_the_token_and_a_host_it_redirects_to_does_not(
    tmp_path: Path, repos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = certificate(tmp_path)
    monkeypatch.setenv("GIT_SSL_CAINFO", str(tls[0]))
    with (
        serve(root=repos, tls=tls) as (origin, at_origin),
        serve(redirect=origin, tls=tls) as (redirector, at_redirector),
    ):
        outcome = publish(_request(f"{origin}/deploy.git", tmp_path))
        assert outcome.commit is not None
        assert at_origin.authorizations == {HEADER}
        assert any(method == "POST" for method, _, _ in at_origin.requests)  # pushed through it

        at_origin.requests.clear()
        with pytest.raises(PublishError):
            publish(_request(f"{redirector}/deploy.git", tmp_path / "second"))
        assert at_redirector.authorizations == {HEADER}
        assert at_origin.authorizations <= {None}
    assert git.Repo(repos / "deploy.git").commit("main").hexsha == outcome.commit


def test_a_plain_http_remote_gets_no_token(tmp_path: Path, repos: Path) -> None:
    with serve(root=repos) as (origin, seen):
        assert publish(_request(f"{origin}/deploy.git", tmp_path)).commit is not None
    assert seen.requests and seen.authorizations == {None}


def test_the_header_is_scoped_config_in_the_environment_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLSTACK_GIT_TOKEN", TOKEN)
    env = auth_env("https://user@git.example:8443/acme/deploy.git")
    assert env["GIT_CONFIG_KEY_0"] == "http.https://git.example:8443/.extraHeader"
    assert env["GIT_CONFIG_VALUE_0"] == f"Authorization: {HEADER}"
    assert "http.extraHeader" not in env.values()
    for remote in ("git@git.example:acme/d.git", "ssh://git.example/d", "http://git.example/d"):
        assert auth_env(remote) == {}


def test_token_is_never_stored(
    tmp_path: Path, repos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publish that really sends the token (the HTTPS origin records it) leaves it in no
    file: not the clone cache and its .git/config, not the deploy repository, not out/; in
    none of its forms (raw, URL-encoded, base64 at any alignment)."""
    tls = certificate(tmp_path)
    monkeypatch.setenv("GIT_SSL_CAINFO", str(tls[0]))
    with serve(root=repos, tls=tls) as (origin, at_origin):
        assert publish(_request(f"{origin}/deploy.git", tmp_path)).commit is not None
    assert at_origin.authorizations == {HEADER}, "the token was in use"
    scanned = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.match("*/.git/config") for path in scanned)
    for path in scanned:
        content = path.read_bytes()
        for form in token_forms(TOKEN):
            assert form not in content, f"{path} holds the token as {form!r}"
    assert "GIT_CONFIG_VALUE_0" not in os.environ

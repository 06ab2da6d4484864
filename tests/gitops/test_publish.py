"""Publishing into real bare repositories in temporary folders (no mocks)."""

from __future__ import annotations

import base64
import multiprocessing
import shutil
import stat
import urllib.parse
from pathlib import Path

import git
import pytest

from mlstack.gitops.publish import Request, StackTree, publish
from mlstack.gitops.repo import PublishError, cache_folder


def _bare(path: Path) -> str:
    git.Repo.init(path, bare=True, initial_branch="main")
    return str(path)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _stack(tmp: Path, name: str, files: dict[str, str]) -> StackTree:
    source = _tree(tmp / "out" / name, files)
    return StackTree(
        name, source, f"stacks/{name}", tuple(sorted({f.split("/")[0] for f in files}))
    )


def _files(remote: str, branch: str = "main") -> dict[str, str]:
    repo = git.Repo(remote)
    return {
        blob.path: blob.data_stream.read().decode()
        for blob in repo.commit(branch).tree.traverse()
        if blob.type == "blob"  # type: ignore[union-attr]
    }


def _log(remote: str, branch: str = "main") -> list[git.Commit]:
    return list(git.Repo(remote).iter_commits(branch))


def _request(remote: str, tmp: Path, *stacks: StackTree, **options: object) -> Request:
    return Request(
        remote,
        stacks,
        source_repo="https://git.example/config",
        source_commit="c0ffee" * 6 + "beef",
        new_branch=True,
        cache=tmp / "cache",
        backoff=0.01,
        **options,
    )  # type: ignore[arg-type]


def test_publish_republish_change_and_remove(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    files = {
        "prod/kubernetes/a.yaml": "replicas: 2\n",
        "prod/kubernetes/b.yaml": "b\n",
        "staging/kubernetes/a.yaml": "replicas: 1\n",
    }
    first = publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", files)))
    assert first.commit is not None and len(first.changed) == 3
    assert _files(remote) == {f"stacks/fraud/{k}": v for k, v in files.items()}
    message = _log(remote)[0].message
    assert "fraud (prod, staging)" in message
    assert "Source-Repo: https://git.example/config" in message and "Mlstack-Version: " in message

    again = publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", files)))
    assert again.commit is None and len(_log(remote)) == 1

    shutil.rmtree(tmp_path / "out")
    changed = {**files, "prod/kubernetes/a.yaml": "replicas: 4\n"}
    third = publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", changed)))
    assert third.changed == ("stacks/fraud/prod/kubernetes/a.yaml",)
    assert len(_log(remote)) == 2

    shutil.rmtree(tmp_path / "out")
    removed = {k: v for k, v in changed.items() if not k.endswith("b.yaml")}
    fourth = publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", removed)))
    assert fourth.changed == ("stacks/fraud/prod/kubernetes/b.yaml",)
    assert "stacks/fraud/prod/kubernetes/b.yaml" not in _files(remote)


def test_other_stacks_are_untouched(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    publish(_request(remote, tmp_path, _stack(tmp_path, "recsys", {"prod/x.yaml": "x\n"})))
    publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/y.yaml": "y\n"})))
    assert set(_files(remote)) == {"stacks/recsys/prod/x.yaml", "stacks/fraud/prod/y.yaml"}


def test_rejected_first_push_is_retried(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    marker = tmp_path / "rejected-once"
    hook = Path(remote) / "hooks" / "pre-receive"
    hook.write_text(
        f"#!/bin/sh\nif [ ! -e {marker} ]; then touch {marker}; echo 'busy, try again' >&2; exit 1; fi\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    outcome = publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})))
    assert outcome.attempts == 2 and marker.exists()
    assert _files(remote) == {"stacks/fraud/prod/a.yaml": "a\n"}


def test_remote_that_moved_is_rebased_onto(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})))
    # Someone else publishes another stack through another cache.
    other = _request(
        remote,
        tmp_path / "elsewhere",
        _stack(tmp_path / "elsewhere", "recsys", {"prod/r.yaml": "r\n"}),
    )
    publish(other)
    publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a2\n"})))
    assert _files(remote) == {
        "stacks/fraud/prod/a.yaml": "a2\n",
        "stacks/recsys/prod/r.yaml": "r\n",
    }
    assert len(_log(remote)) == 3


def _publish_in_process(remote: str, tmp: str, name: str, cache: str) -> None:
    root = Path(tmp) / name
    stack = _stack(root, name, {f"prod/{name}.yaml": f"{name}\n"})
    publish(
        Request(remote, (stack,), new_branch=True, cache=Path(cache), backoff=0.05, attempts=10)
    )


@pytest.mark.parametrize("shared_cache", [True, False], ids=["one-cache", "two-caches"])
def test_concurrent_publishers_lose_nothing(tmp_path: Path, shared_cache: bool) -> None:
    remote = _bare(tmp_path / "deploy.git")
    publish(_request(remote, tmp_path, _stack(tmp_path, "seed", {"prod/s.yaml": "s\n"})))
    names = ["alpha", "beta", "gamma", "delta"]
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(
            target=_publish_in_process,
            args=(remote, str(tmp_path), n, str(tmp_path / ("c" if shared_cache else f"c-{n}"))),
        )
        for n in names
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    assert set(_files(remote)) == {
        "stacks/seed/prod/s.yaml",
        *(f"stacks/{n}/prod/{n}.yaml" for n in names),
    }
    assert len(_log(remote)) == 1 + len(names)


def test_dirty_cache_is_repaired(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})))
    work = cache_folder(remote, tmp_path / "cache")
    (work / "stacks" / "fraud" / "prod" / "a.yaml").write_text("half-written")
    (work / "junk.txt").write_text("left by a killed run")
    outcome = publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})))
    assert outcome.commit is None
    shutil.rmtree(work / ".git" / "objects")
    publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})))
    assert _files(remote) == {"stacks/fraud/prod/a.yaml": "a\n"}


def test_dry_run_pushes_nothing(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    outcome = publish(
        _request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"}), dry_run=True)
    )
    assert outcome.changed == ("stacks/fraud/prod/a.yaml",)
    assert not git.Repo(remote).heads


def test_promotion_branch(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})))
    shutil.rmtree(tmp_path / "out")
    publish(
        _request(
            remote,
            tmp_path,
            _stack(tmp_path, "fraud", {"prod/a.yaml": "b\n"}),
            push_branch="promote/fraud",
        )
    )
    assert _files(remote)["stacks/fraud/prod/a.yaml"] == "a\n"
    assert _files(remote, "promote/fraud")["stacks/fraud/prod/a.yaml"] == "b\n"


def test_errors_are_one_line(tmp_path: Path) -> None:
    stack = _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})
    with pytest.raises(PublishError) as missing:
        publish(_request(str(tmp_path / "nope.git"), tmp_path, stack))
    assert "\n" not in str(missing.value) and "cannot clone" in str(missing.value)
    remote = _bare(tmp_path / "deploy.git")
    publish(_request(remote, tmp_path, stack))
    with pytest.raises(PublishError) as branch:
        publish(Request(remote, (stack,), branch="release", cache=tmp_path / "cache"))
    assert str(branch.value) == "the deploy repository has no branch 'release' (it has: main)"
    hook = Path(remote) / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'permission denied' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    shutil.rmtree(tmp_path / "out")
    with pytest.raises(PublishError) as denied:
        publish(
            _request(
                remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "z\n"}), attempts=2
            )
        )
    assert "\n" not in str(denied.value) and "cannot push" in str(denied.value)


def token_forms(token: str) -> list[bytes]:
    """Every way a token can sit in a file: raw, URL-encoded, and base64 in any of the three
    alignments it can have inside a longer base64 string (an HTTP Basic header, a config)."""
    forms = [token.encode(), urllib.parse.quote(token, safe="").encode()]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + token.encode())
        # Drop the characters the padding prefix and the ragged end touch.
        forms.append(encoded[(4 * shift + 2) // 3 : len(encoded) - 4])
    return forms


def test_token_forms_find_an_http_basic_header() -> None:
    token = "s3cr3t-t0ken/value+"
    for prefix in ("x-access-token:", "x:", "user:"):  # the three base64 alignments
        header = base64.b64encode(f"{prefix}{token}".encode())
        assert any(form in header for form in token_forms(token)[2:]), prefix
    assert urllib.parse.quote(token, safe="").encode() in token_forms(token)


def test_killed_publish_leaves_remote_untouched_and_next_run_lands(tmp_path: Path) -> None:
    remote = _bare(tmp_path / "deploy.git")
    publish(_request(remote, tmp_path, _stack(tmp_path, "fraud", {"prod/a.yaml": "a\n"})))
    started = tmp_path / "push-started"
    hook = Path(remote) / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ntouch {started}\nsleep 60\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    worker = multiprocessing.get_context("spawn").Process(
        target=_publish_in_process,
        args=(remote, str(tmp_path / "killed"), "fraud", str(tmp_path / "cache")),
    )
    worker.start()
    for _ in range(600):
        if started.exists():
            break
        worker.join(0.1)
    assert started.exists()
    worker.kill()
    worker.join(10)
    hook.unlink()
    assert _files(remote) == {"stacks/fraud/prod/a.yaml": "a\n"}
    outcome = publish(
        _request(remote, tmp_path, _stack(tmp_path / "next", "fraud", {"prod/a.yaml": "b\n"}))
    )
    assert outcome.commit is not None
    assert _files(remote) == {"stacks/fraud/prod/a.yaml": "b\n"}

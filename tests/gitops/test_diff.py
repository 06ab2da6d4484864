"""`mlstack diff` on realistic changes, checked field by field, against a real deploy repo
and against another git ref of a real config repo."""

from __future__ import annotations

from pathlib import Path

import git

from mlstack.gitops.diff import (
    compare,
    field_changes,
    render_markdown,
    render_text,
    terraform_changed,
)
from tests.helpers import REFERENCE, run_mlstack


def test_plain_words_for_well_known_fields() -> None:
    old = {
        "spec": {
            "predictor": {"canaryTrafficPercent": 10, "maxReplicas": 2},
            "template": {"containers": [{"image": "ghcr.io/acme/x:1.4.2"}]},
        }
    }
    new = {
        "spec": {
            "predictor": {"canaryTrafficPercent": 50, "maxReplicas": 4},
            "template": {"containers": [{"image": "ghcr.io/acme/x:1.5.0"}]},
        }
    }
    assert field_changes(old, new) == (
        "canary traffic 10% → 50%",
        "max replicas 2 → 4",
        "image tag 1.4.2 → 1.5.0 (spec.template.containers[0].image)",
    )


def test_objects_added_removed_and_terraform_resources() -> None:
    old = {
        "s/prod/kubernetes/a.yaml": b"kind: Service\nmetadata: {name: a}\n",
        "s/prod/terraform/main.tf.json": b'{"resource": {"aws_s3_bucket": {"models": {"bucket": "x"}}}}',
    }
    new = {
        "s/prod/kubernetes/b.yaml": b"kind: Service\nmetadata: {name: b}\n",
        "s/prod/terraform/main.tf.json": b'{"resource": {"aws_s3_bucket": {"models": {"bucket": "y"}}}}',
    }
    changes = compare(old, new)["s/prod"].changes
    assert [(c.status, c.kind, c.name, c.fields) for c in changes] == [
        ("removed", "Service", "a", ()),
        ("added", "Service", "b", ()),
        ("changed", "aws_s3_bucket", "models", ("bucket x → y",)),
    ]
    comment = render_markdown(compare(old, new))
    assert "<details><summary>diff</summary>" in comment and "- added `Service/b`" in comment


def test_diff_against_the_deploy_repo(tmp_path: Path) -> None:
    spec = tmp_path / "fraud.yaml"
    spec.write_text(REFERENCE.read_text())
    deploy = tmp_path / "deploy.git"
    published = run_mlstack(
        "publish",
        str(spec),
        "--repo",
        str(deploy),
        "-o",
        str(tmp_path / "out"),
        cwd=tmp_path,
        cache=tmp_path,
    )
    assert published.returncode == 0, published.stderr
    unchanged = run_mlstack(
        "diff", str(spec), "--repo", str(deploy), "--exit-code", cwd=tmp_path, cache=tmp_path
    )
    assert (unchanged.returncode, unchanged.stdout.strip()) == (0, "no changes")
    spec.write_text(
        REFERENCE.read_text().replace(
            "canary: {model: fraud-xgb-v8, traffic: 50}",
            "canary: {model: fraud-xgb-v8, traffic: 20}",
        )
    )
    changed = run_mlstack(
        "diff", str(spec), "--repo", str(deploy), "--exit-code", cwd=tmp_path, cache=tmp_path
    )
    assert changed.returncode == 1
    assert changed.stdout.splitlines()[:3] == [
        "== fraud/staging: 1 changed",
        "changed InferenceGraph fraud-api-graph",
        "    primary traffic 50% → 80%",
    ]
    assert "    canary traffic 50% → 20%" in changed.stdout.splitlines()


def test_diff_against_a_base_ref(tmp_path: Path) -> None:
    config = git.Repo.init(tmp_path / "config", initial_branch="main")
    spec = tmp_path / "config" / "mlstack.yaml"
    spec.write_text(REFERENCE.read_text())
    config.index.add(["mlstack.yaml"])
    config.index.commit("base", author=git.Actor("t", "t@example.com"))
    spec.write_text(
        REFERENCE.read_text().replace("replicas: {min: 4, max: 40}", "replicas: {min: 6, max: 40}")
    )
    result = run_mlstack(
        "diff",
        "mlstack.yaml",
        "--base",
        "HEAD",
        "--format",
        "markdown",
        cwd=tmp_path / "config",
        cache=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    # The primary, its canary and the graph router in front of them scale together, and the
    # quota follows `min`: a new Knative revision starts at `min` pods (quota.py).
    assert "**fraud/prod**: 4 changed" in result.stdout
    assert "- changed `InferenceService/fraud-api`: min replicas 4 → 6" in result.stdout
    assert "- changed `InferenceService/fraud-api-canary`: min replicas 4 → 6" in result.stdout
    assert "- changed `InferenceGraph/fraud-api-graph`: min replicas 4 → 6" in result.stdout


def test_files_that_are_not_manifests_are_compared_as_text() -> None:
    """NOTES.md (markdown a YAML scanner rejects), JSON and `.env` files: unified diff only."""
    notes = "# What Terraform cannot express here\n\n- `terraform apply` first: {a: b\n"
    old = {
        "s/prod/terraform/NOTES.md": notes.encode(),
        "s/prod/kubernetes/azure-client-ids.env": b"serve-a=1\n",
        "s/prod/extra.json": b'{"a": 1}',
        "s/prod/kubernetes/broken.yaml": b"kind: [",
    }
    new = {
        "s/prod/terraform/NOTES.md": (notes + "- `kubectl` needs: more\n").encode(),
        "s/prod/kubernetes/azure-client-ids.env": b"serve-a=2\n",
        "s/prod/extra.json": b"not json",
        "s/prod/kubernetes/broken.yaml": b"kind: {",
    }
    entry = compare(old, new)["s/prod"]
    assert entry.changes == []
    assert "+- `kubectl` needs: more" in entry.unified
    assert "+serve-a=2" in entry.unified and "+not json" in entry.unified
    assert render_text(compare(old, new)).startswith("== s/prod: files changed\n")


def test_diff_when_only_the_notes_changed_in_the_deploy_repo(tmp_path: Path) -> None:
    spec = tmp_path / "fraud.yaml"
    spec.write_text(REFERENCE.read_text())
    deploy = tmp_path / "deploy.git"
    out = tmp_path / "out"
    published = run_mlstack(
        "publish", str(spec), "--repo", str(deploy), "-o", str(out), cwd=tmp_path, cache=tmp_path
    )
    assert published.returncode == 0, published.stderr
    work = git.Repo.clone_from(str(deploy), tmp_path / "edit")
    notes = tmp_path / "edit" / "stacks" / "fraud" / "prod" / "terraform" / "NOTES.md"
    notes.write_text(notes.read_text() + "- `terraform apply` by hand: see the runbook\n")
    work.index.add([str(notes)])
    work.index.commit("hand edit", author=git.Actor("t", "t@example.com"))
    work.git.push("origin", "HEAD:main")
    result = run_mlstack(
        "diff", str(spec), "--repo", str(deploy), "--exit-code", cwd=tmp_path, cache=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == "== fraud/prod: files changed"
    assert "-- `terraform apply` by hand: see the runbook" in result.stdout


def test_terraform_lists_changed_environments_that_ci_applies() -> None:
    old = {"s/a/terraform/main.tf.json": b"1", "s/b/terraform/main.tf.json": b"1"}
    new = {
        "s/a/terraform/main.tf.json": b"2",
        "s/b/terraform/main.tf.json": b"1",
        "s/c/terraform/main.tf.json": b"1",
        "s/d/terraform/main.tf.json": b"1",
        "s/e/kubernetes/x.yaml": b"1",
    }
    # b unchanged, d applied by the cluster (not in the set), e has no Terraform.
    assert terraform_changed(old, new, {"s/a", "s/b", "s/c", "s/e"}) == ["s/a", "s/c"]


def test_diff_base_when_notes_change(tmp_path: Path) -> None:
    """A day-2 edit of a managed serving that changes a NOTES.md line (the image an Azure ML
    deployment runs, whose routes the note names). `diff --base` used to exit 3 (a YAML
    ScannerError on the markdown), which broke the PR-comment job; now NOTES.md is compared
    as text."""
    spec = tmp_path / "mlstack.yaml"
    spec.write_text((REFERENCE.parent.parent / "vision-azure" / "mlstack.yaml").read_text())
    repo = git.Repo.init(tmp_path)
    repo.index.add([str(spec)])
    repo.index.commit("base", author=git.Actor("t", "t@example.com"))
    text = spec.read_text()
    old = "image: acmevision.azurecr.io/vision/segmenter-server:1.0.3"
    assert text.count(old) == 1
    spec.write_text(text.replace(old, old.replace("1.0.3", "1.0.4")))
    result = run_mlstack("diff", str(spec), "--base", "HEAD", cwd=tmp_path, cache=tmp_path)
    assert result.returncode == 0, result.stderr
    changed = [line for line in result.stdout.splitlines() if line.startswith("+++ ")]
    # staging has no segmenter-online
    assert changed == [
        "+++ b/vision/prod/terraform/NOTES.md",
        "+++ b/vision/prod/terraform/main.tf.json",
    ]
    assert (
        "+- serving 'segmenter-online': the image acmevision.azurecr.io/vision/segmenter-server:1.0.4"
        in result.stdout
    )

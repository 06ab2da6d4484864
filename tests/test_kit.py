"""tests/kit holds exactly its MANIFEST, unchanged since its index entries were written, and
scripts/refresh_kit.py's offline steps (trim, CRD cut-down, body schema build) work."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import yaml

from tests.helpers import KIT, ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "refresh_kit", ROOT / "scripts" / "refresh_kit.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresh = _script()
INDEXES = ("crds/index.json", "terraform/index.json")


def _kit_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for folder in ("crds", "terraform")
        for path in (root / folder).rglob("*")
        if path.is_file()
    }


def test_kit_holds_exactly_the_manifest() -> None:
    assert _kit_files(KIT) == set(refresh.manifest()) | set(INDEXES)


def test_kit_files_match_their_index_entries() -> None:
    checked = 0
    for index in INDEXES:
        folder = KIT / index.split("/")[0]
        for entry in json.loads((KIT / index).read_text()):
            digest = hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest()
            assert digest == entry["sha256"], entry["file"]
            checked += 1
    # Every CRD and every body schema has an entry; provider_schema copies are verbatim.
    assert checked == sum("provider_schema/" not in name for name in refresh.manifest())


def test_trim_keeps_the_manifest_and_its_index_entries(tmp_path: Path) -> None:
    complete = tmp_path / "complete"
    shutil.copytree(KIT, complete)
    extra = complete / "terraform" / "aws" / "aws_unused_thing.json"
    extra.write_text("{}\n")
    index = json.loads((complete / "terraform" / "index.json").read_text())
    index.append({**index[0], "file": "aws/aws_unused_thing.json"})
    (complete / "terraform" / "index.json").write_text(json.dumps(index))
    target = tmp_path / "trimmed"
    refresh.trim(complete, target)
    assert _kit_files(target) == _kit_files(KIT)
    for name in INDEXES:
        assert json.loads((target / name).read_text()) == json.loads((KIT / name).read_text())


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {
        "name": "widgets.example.dev",
        "annotations": {"controller-gen.kubebuilder.io/version": "v0.18.0", "other": "x"},
        "labels": {"a": "b"},
    },
    "spec": {
        "group": "example.dev",
        "names": {"kind": "Widget", "plural": "widgets"},
        "scope": "Namespaced",
        "versions": [
            {"name": "v1alpha1", "served": True, "storage": False, "schema": {}},
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "description": "A widget.",
                        "type": "object",
                        "properties": {
                            "description": {"type": "string", "description": "kept name"},
                            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                        },
                    }
                },
            },
        ],
    },
    "status": {"acceptedNames": {}},
}


def test_crd_is_cut_down_like_the_kit(tmp_path: Path) -> None:
    source = tmp_path / "widgets.yaml"
    source.write_text(yaml.safe_dump(CRD))
    patch = tmp_path / "patch.json"
    patch.write_text(
        json.dumps(
            [
                {
                    "op": "add",
                    "path": "/spec/versions/1/schema/openAPIV3Schema/properties/spec/required",
                    "value": ["size"],
                }
            ]
        )
    )
    written = refresh.crd(str(source), "v1", [str(patch)], tmp_path / "kit")
    assert written == tmp_path / "kit" / "crds" / "example.dev" / "widget_v1.yaml"
    text = written.read_text()
    assert text.startswith(f"# Source: {source}\n# Transformations: only version v1 kept")
    assert "(upstream versions: v1alpha1, v1*); 2 schema `description` fields removed" in text
    crd = yaml.safe_load(text)
    assert "status" not in crd
    assert crd["metadata"] == {
        "name": "widgets.example.dev",
        "annotations": {"controller-gen.kubebuilder.io/version": "v0.18.0"},
    }
    (version,) = crd["spec"]["versions"]
    schema = version["schema"]["openAPIV3Schema"]
    assert "description" not in schema
    assert schema["properties"]["description"] == {"type": "string"}
    assert schema["properties"]["spec"]["required"] == ["size"]


def test_terraform_body_schema_is_rebuilt_byte_for_byte(tmp_path: Path) -> None:
    kit_schema = json.loads((KIT / "terraform/aws/provider_schema/aws_iam_role.json").read_text())
    output = tmp_path / "schema.json"
    output.write_text(
        json.dumps(
            {
                "format_version": "1.0",
                "provider_schemas": {
                    kit_schema["provider"]: {
                        "resource_schemas": {"aws_iam_role": kit_schema["schema"]}
                    }
                },
            }
        )
    )
    target = tmp_path / "kit"
    shutil.copytree(KIT / "terraform" / "aws", target / "terraform" / "aws")
    (target / "terraform" / "aws" / "aws_iam_role.json").unlink()
    origin = "https://github.com/lonegunmanb/terraform-aws-schema tag v6.47.0 commit "
    origin += kit_schema["source_commit"]
    refresh.terraform(str(output), "aws_iam_role", origin, target)
    rebuilt = target / "terraform" / "aws" / "aws_iam_role.json"
    assert rebuilt.read_text() == (KIT / "terraform/aws/aws_iam_role.json").read_text()


def test_provider_block_and_its_index_entry_are_rebuilt_from_the_kit(tmp_path: Path) -> None:
    """`terraform --kind provider` from the kit's own azurerm 5.2.0 provider schema writes the
    same body schema, the same index entry and no new MANIFEST line."""
    raw = json.loads((KIT / "terraform/azurerm/provider_schema/provider.json").read_text())
    output = tmp_path / "schema.json"
    address = raw["provider"]
    output.write_text(
        json.dumps(
            {
                "provider_schemas": {address: {"provider": raw["schema"]}},
                "provider_versions": {address: raw["provider_version"]},
            }
        )
    )
    target = tmp_path / "kit"
    shutil.copytree(KIT, target)
    # Another provider's block as the stale file: only its meta-arguments may survive.
    shutil.copyfile(KIT / "terraform/aws/provider.json", target / "terraform/azurerm/provider.json")
    origin = f"https://github.com/{raw['source_repository']} tag {raw['source_ref']} commit "
    origin += raw["source_commit"]
    refresh.terraform(
        str(output),
        "azurerm",
        origin,
        target,
        kind="provider",
        derivation=raw["derivation"],
        exactly_one=tuple(raw["exactly_one"]),
    )
    for name in ("terraform/azurerm/provider.json", "terraform/index.json", "MANIFEST.txt"):
        assert (target / name).read_text() == (KIT / name).read_text(), name
    schema = json.loads((KIT / "terraform/azurerm/provider.json").read_text())
    assert "features" in schema["required"]


def test_schema_repository_go_constant_is_unescaped() -> None:
    text = 'package resource\n\nconst x = `{"d": "a ` + "`" + `b"}`\n\nfunc X() {}\n'
    assert refresh.go_constant(text) == {"d": "a `b"}

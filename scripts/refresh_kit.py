"""Refresh tests/kit, the schema kit the test-suite validates compiled output against.

The kit is data only (CRD YAML, Terraform provider schemas and JSON Schemas built from them);
tests/kit/README.md says where every part came from. The repository carries just the files the
tests read (tests/kit/MANIFEST.txt, measured by running the suite), so this script always
writes that set and nothing else.

    python scripts/refresh_kit.py trim KIT
        copy the MANIFEST files from a complete kit (the layout of tests/kit/README.md, e.g.
        a checkout of the shared kit) and keep only their entries in the two index.json files
    python scripts/refresh_kit.py crd SOURCE --version V [--patch FILE.json]...
        one upstream CRD (a file or an https:// URL of the file at a release tag) into
        tests/kit/crds/GROUP/KIND_V.yaml: version V only, schema `description`s removed,
        metadata cut to the name, status dropped, JSON6902 patches (JSON list) applied
    python scripts/refresh_kit.py terraform SOURCE --type TYPE [--source TEXT]
        one resource of `terraform providers schema -json` output (a file or URL) into
        tests/kit/terraform/PROVIDER/provider_schema/TYPE.json and the body schema beside it,
        built by tests/targets/tf_schema_build.py (the rules of the README)

Fetching needs network; everything after the download runs offline and is tested by
tests/test_kit.py. Review `git diff tests/kit` after a refresh and update the README tables.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.targets.tf_schema_build import body_schema  # noqa: E402

KIT = ROOT / "tests" / "kit"
MANIFEST = KIT / "MANIFEST.txt"
INDEXES = ("crds/index.json", "terraform/index.json")


def manifest(path: Path = MANIFEST) -> list[str]:
    """Kit-relative paths of the files the tests read (comments and blanks ignored)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def trim(source: Path, target: Path = KIT, wanted: list[str] | None = None) -> list[str]:
    """Copy `wanted` (default: the MANIFEST) from a complete kit; returns the files written.

    Index entries of files left out are dropped, so the indexes describe what is here."""
    wanted = manifest() if wanted is None else wanted
    absent = [name for name in wanted if not (source / name).is_file()]
    if absent:
        raise SystemExit(f"{source} lacks {len(absent)} kit file(s), e.g. {absent[0]}")
    for folder in ("crds", "terraform"):
        shutil.rmtree(target / folder, ignore_errors=True)
    for name in wanted:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target / name)
    for index in INDEXES:
        entries = json.loads((source / index).read_text())
        folder = index.split("/")[0]
        kept = [e for e in entries if f"{folder}/{e['file']}" in wanted]
        (target / index).parent.mkdir(parents=True, exist_ok=True)
        (target / index).write_text(json.dumps(kept, indent=1) + "\n")
    return [*wanted, *INDEXES]


def _read(source: str) -> str:
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=60) as response:
            return str(response.read().decode())
    return Path(source).read_text()


def _strip_descriptions(node: Any) -> tuple[Any, int]:
    """Drop `description` of schema nodes; a *property* named description is kept."""
    if isinstance(node, list):
        pairs = [_strip_descriptions(item) for item in node]
        return [p[0] for p in pairs], sum(p[1] for p in pairs)
    if not isinstance(node, dict):
        return node, 0
    out: dict[str, Any] = {}
    removed = 0
    for key, value in node.items():
        if key == "description" and isinstance(value, str):
            removed += 1
            continue
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            children = {name: _strip_descriptions(child) for name, child in value.items()}
            out[key] = {name: pair[0] for name, pair in children.items()}
            removed += sum(pair[1] for pair in children.values())
            continue
        out[key], count = _strip_descriptions(value)
        removed += count
    return out, removed


def _apply_patch(document: Any, operations: list[dict[str, Any]]) -> Any:
    """The JSON6902 operations kustomize applies to upstream CRDs (add, replace, remove)."""
    for operation in operations:
        *parents, last = [
            p.replace("~1", "/").replace("~0", "~") for p in operation["path"].split("/")[1:]
        ]
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key: Any = int(last) if isinstance(node, list) and last != "-" else last
        if operation["op"] == "remove":
            del node[key]
        elif isinstance(node, list) and operation["op"] == "add":
            node.insert(len(node) if key == "-" else key, operation["value"])
        else:
            node[key] = operation["value"]
    return document


def crd(source: str, version: str, patches: list[str], target: Path = KIT) -> Path:
    """One upstream CRD cut down the kit's way; returns the file written."""
    upstream = yaml.safe_load(_read(source))
    for patch in patches:
        upstream = _apply_patch(upstream, json.loads(_read(patch)))
    versions = upstream["spec"]["versions"]
    kept = [v for v in versions if v["name"] == version]
    if not kept:
        raise SystemExit(f"{source} has no version {version}: {[v['name'] for v in versions]}")
    document = copy.deepcopy(upstream)
    document.pop("status", None)
    annotations = {
        k: v
        for k, v in upstream["metadata"].get("annotations", {}).items()
        if k == "controller-gen.kubebuilder.io/version"
    }
    document["metadata"] = {"name": upstream["metadata"]["name"]}
    if annotations:
        document["metadata"]["annotations"] = annotations
    document["spec"]["versions"], removed = _strip_descriptions(kept)
    listed = ", ".join(v["name"] + ("*" if v.get("storage") else "") for v in versions)
    header = (
        f"# Source: {source}\n"
        f"# Transformations: only version {version} kept (upstream versions: {listed}); "
        f"{removed} schema `description` fields removed"
        + (f"; patches applied: {', '.join(patches)}" if patches else "")
        + ".\n"
    )
    spec = document["spec"]
    path = target / "crds" / spec["group"] / f"{spec['names']['kind'].lower()}_{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(document, sort_keys=False, width=1_000_000))
    return path


def _origin(origin: str) -> dict[str, str]:
    """`https://github.com/OWNER/REPO tag REF commit SHA` as the kit's provider schemas keep it."""
    found = re.fullmatch(r"https://github\.com/(\S+) tag (\S+) commit ([0-9a-f]{7,40})", origin)
    if found is None:
        raise SystemExit(
            f"origin must read 'https://github.com/OWNER/REPO tag REF commit SHA': {origin}"
        )
    return dict(
        zip(("source_repository", "source_ref", "source_commit"), found.groups(), strict=True)
    )


def terraform(source: str, resource_type: str, origin: str, target: Path = KIT) -> list[Path]:
    """One resource type from `terraform providers schema -json` output: the verbatim provider
    schema and the body schema built from it; returns the files written."""
    document = json.loads(_read(source))
    address, schemas = next(
        (address, s)
        for address, s in document["provider_schemas"].items()
        if resource_type in s.get("resource_schemas", {})
    )
    provider = address.rsplit("/", 1)[1]
    folder = target / "terraform" / provider
    template = json.loads(
        next(p for p in sorted(folder.glob("*.json")) if p.name != "provider.json").read_text()
    )
    raw = {
        "provider": address,
        "provider_version": document.get("provider_versions", {}).get(
            address, template["x-terraform"]["provider_version"]
        ),
        "resource_type": resource_type,
        **_origin(origin),
        "schema": schemas["resource_schemas"][resource_type],
    }
    written = [
        folder / "provider_schema" / f"{resource_type}.json",
        folder / f"{resource_type}.json",
    ]
    written[0].parent.mkdir(parents=True, exist_ok=True)
    written[0].write_text(json.dumps(raw, indent=1) + "\n")
    written[1].write_text(body_schema(raw, template))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    trim_command = commands.add_parser("trim")
    trim_command.add_argument("kit", type=Path)
    crd_command = commands.add_parser("crd")
    crd_command.add_argument("source")
    crd_command.add_argument("--version", required=True)
    crd_command.add_argument("--patch", action="append", default=[])
    tf_command = commands.add_parser("terraform")
    tf_command.add_argument("source")
    tf_command.add_argument("--type", required=True)
    tf_command.add_argument("--source", dest="origin", default="")
    args = parser.parse_args(argv)
    if args.command == "trim":
        written = trim(args.kit)
    elif args.command == "crd":
        written = [str(crd(args.source, args.version, args.patch))]
    else:
        written = [str(p) for p in terraform(args.source, args.type, args.origin or args.source)]
    for name in written:
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

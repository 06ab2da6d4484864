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
    python scripts/refresh_kit.py terraform SOURCE --type TYPE [--kind resource|data|provider]
            --source "https://github.com/OWNER/REPO tag REF commit SHA" [--derivation TEXT]
            [--exactly-one BLOCK]
        one resource, data source or provider block (TYPE = the provider's name) of
        `terraform providers schema -json` output (a file, .gz or URL) into
        tests/kit/terraform/PROVIDER/[data/]provider_schema/TYPE.json, the body schema beside
        it (tests/targets/tf_schema_build.py, the rules of the README), its index entry and
        its MANIFEST lines; --derivation says how the output was made when a provider was built
        from its source (scripts/provider_schema/main.go for azurerm)
    python scripts/refresh_kit.py schema-repo GIT_DIR --repository lonegunmanb/terraform-P-schema
            --tag vX.Y.Z --type TYPE [--kind resource|data]
        the same from a git copy of a schema repository at a release tag (the kit's aws and
        google source): the JSON of generated/{resource,data}/<lowerCamelType>.go

Fetching needs network; everything after the download runs offline and is tested by
tests/test_kit.py. Review `git diff tests/kit` after a refresh and update the README tables.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
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
    if source.endswith(".gz"):
        return gzip.decompress(Path(source).read_bytes()).decode()
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


FOLDER = {"resource": "", "data": "data/", "provider": ""}
SECTION = {"resource": "resource_schemas", "data": "data_source_schemas"}


def _index_entry(raw: dict[str, Any], kind: str, file: str, body: str) -> dict[str, Any]:
    """The kit index's record of one body schema, in the shape the shared kit wrote."""
    block = raw["schema"]["block"]
    attributes = block.get("attributes", {})
    schema = json.loads(body)
    name = raw.get("resource_type") or raw.get("data_source_type") or ""
    provider = raw["provider"].rsplit("/", 1)[1]
    return {
        "file": file,
        "provider_schema_file": file.replace(
            "provider.json" if kind == "provider" else f"{name}.json",
            f"provider_schema/{'provider' if kind == 'provider' else name}.json",
        ),
        "kind": kind,
        "resource_type": f"provider.{provider}" if kind == "provider" else name,
        "provider": raw["provider"],
        "provider_version": raw["provider_version"],
        "schema_version": raw["schema"]["version"],
        "source": schema["x-terraform"]["source"],
        "required": schema.get("required", []),
        "top_level_arguments": sorted(
            [n for n, a in attributes.items() if a.get("optional") or a.get("required")]
            + list(block.get("block_types", {}))
        ),
        "computed_only_attributes": sorted(
            n
            for n, a in attributes.items()
            if a.get("computed") and not (a.get("optional") or a.get("required"))
        ),
        "jsii_crosscheck": None,
        "sha256": hashlib.sha256(body.encode()).hexdigest(),
    }


def _record(target: Path, files: list[str], entry: dict[str, Any]) -> None:
    """Replace the type's index entry and list its files in MANIFEST (kept sorted)."""
    index_path = target / "terraform" / "index.json"
    entries = json.loads(index_path.read_text()) if index_path.exists() else []
    entries = [e for e in entries if e["file"] != entry["file"]] + [entry]
    entries.sort(key=lambda e: e["file"])
    index_path.write_text(json.dumps(entries, indent=1) + "\n")
    manifest_path = target / "MANIFEST.txt"
    if not manifest_path.exists():
        return
    lines = manifest_path.read_text().splitlines()
    listed = {line.strip() for line in lines}
    first = next(i for i, line in enumerate(lines) if line.startswith("terraform/"))
    head, tail = lines[:first], lines[first:]
    tail = sorted(set(tail) | {f"terraform/{f}" for f in files if f"terraform/{f}" not in listed})
    manifest_path.write_text("\n".join(head + tail) + "\n")


def terraform(
    source: str,
    block_type: str,
    origin: str,
    target: Path = KIT,
    kind: str = "resource",
    derivation: str | None = None,
    exactly_one: tuple[str, ...] = (),
) -> list[Path]:
    """One resource, data source (`kind="data"`) or provider block (`kind="provider"`,
    `block_type` the provider's name) of `terraform providers schema -json` output: the
    verbatim provider schema, the body schema built from it, its index entry and MANIFEST
    lines; returns the files written. `derivation` says how the output was made when it is
    not a schema repository's generated file (e.g. a provider built from its source)."""
    document = json.loads(_read(source))
    if kind == "provider":
        address = next(a for a in document["provider_schemas"] if a.endswith(f"/{block_type}"))
        schema = document["provider_schemas"][address]["provider"]
    else:
        address, schemas = next(
            (address, s)
            for address, s in document["provider_schemas"].items()
            if block_type in s.get(SECTION[kind], {})
        )
        schema = schemas[SECTION[kind]][block_type]
    provider = address.rsplit("/", 1)[1]
    folder = target / "terraform" / provider
    template_name = {
        "resource": next(p.name for p in sorted(folder.glob(f"{provider}_*.json"))),
        "data": f"data/{next(p.name for p in sorted((folder / 'data').glob('*.json')))}",
        "provider": "provider.json",
    }[kind]
    template = json.loads((folder / template_name).read_text())
    name_key = {"resource": "resource_type", "data": "data_source_type", "provider": "block"}
    raw: dict[str, Any] = {
        "provider": address,
        "provider_version": document.get("provider_versions", {}).get(
            address, template["x-terraform"]["provider_version"]
        ),
        name_key[kind]: "provider" if kind == "provider" else block_type,
        **_origin(origin),
    }
    if derivation:
        raw["derivation"] = derivation
    if exactly_one:
        raw["exactly_one"] = list(exactly_one)
    raw["schema"] = schema
    stem = "provider" if kind == "provider" else block_type
    body_file = f"{provider}/{FOLDER[kind]}{stem}.json"
    raw_file = f"{provider}/{FOLDER[kind]}provider_schema/{stem}.json"
    body = body_schema(raw, template)
    written = [target / "terraform" / raw_file, target / "terraform" / body_file]
    written[0].parent.mkdir(parents=True, exist_ok=True)
    written[0].write_text(json.dumps(raw, indent=1) + "\n")
    written[1].write_text(body)
    _record(target, [body_file, raw_file], _index_entry(raw, kind, body_file, body))
    return written


def go_constant(text: str) -> dict[str, Any]:
    """The JSON a lonegunmanb/terraform-*-schema generated Go file holds in its one raw-string
    constant (the generator writes a backquote as `` ` + "`" + ` ``)."""
    found = re.search(r"= `(.*?)`\n", text.replace('` + "`" + `', "\x00"), re.DOTALL)
    if found is None:
        raise SystemExit("no raw-string constant in the generated file")
    loaded: dict[str, Any] = json.loads(found.group(1).replace("\x00", "`"))
    return loaded


def schema_repo(
    git_dir: Path, repository: str, tag: str, block_type: str, kind: str, target: Path = KIT
) -> list[Path]:
    """One type from a git copy of `lonegunmanb/terraform-PROVIDER-schema` at a release tag
    (the kit's primary source): `generated/{resource,data}/<lowerCamelType>.go`."""
    camel = "".join(p if i == 0 else p.capitalize() for i, p in enumerate(block_type.split("_")))
    path = f"generated/{'data' if kind == 'data' else 'resource'}/{camel}.go"

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True, check=True
        ).stdout

    commit = git("rev-list", "-n", "1", tag).strip()
    provider = block_type.split("_", 1)[0]
    document = {
        "format_version": "1.0",
        "provider_schemas": {
            f"registry.terraform.io/hashicorp/{provider}": {
                SECTION[kind]: {block_type: go_constant(git("show", f"{commit}:{path}"))}
            }
        },
        "provider_versions": {f"registry.terraform.io/hashicorp/{provider}": tag.lstrip("v")},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(document, handle)
    try:
        origin = f"https://github.com/{repository} tag {tag} commit {commit}"
        return terraform(handle.name, block_type, origin, target, kind)
    finally:
        Path(handle.name).unlink()


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
    tf_command.add_argument("--kind", choices=("resource", "data", "provider"), default="resource")
    tf_command.add_argument("--source", dest="origin", default="")
    tf_command.add_argument("--derivation")
    tf_command.add_argument("--exactly-one", action="append", default=[])
    repo_command = commands.add_parser("schema-repo")
    repo_command.add_argument("git_dir", type=Path)
    repo_command.add_argument("--repository", required=True)
    repo_command.add_argument("--tag", required=True)
    repo_command.add_argument("--type", required=True)
    repo_command.add_argument("--kind", choices=("resource", "data"), default="resource")
    args = parser.parse_args(argv)
    if args.command == "trim":
        written = trim(args.kit)
    elif args.command == "crd":
        written = [str(crd(args.source, args.version, args.patch))]
    elif args.command == "schema-repo":
        paths = schema_repo(args.git_dir, args.repository, args.tag, args.type, args.kind)
        written = [str(p) for p in paths]
    else:
        paths = terraform(
            args.source,
            args.type,
            args.origin or args.source,
            kind=args.kind,
            derivation=args.derivation,
            exactly_one=tuple(args.exactly_one),
        )
        written = [str(p) for p in paths]
    for name in written:
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

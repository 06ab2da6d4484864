"""mlstack.schema.json (what editors check) and `mlstack validate` (what CI checks) accept and
reject the same files: every example stack, the design's reference stack and every error case.

The schema sees the YAML as plain data (loaded by mlstack's own YAML 1.2 loader, as an editor's
YAML 1.2 parser would); validate runs once over all files with `--format json`, and a file is
rejected when it has an error diagnostic. A file that is not YAML mlstack can load at all
counts as rejected by the schema too: no editor could check it either.

A disagreement is allowed only one way, and only for a listed reason: validate rejects what the
schema cannot express (cross-references, rules between fields, cloud facts). The other way,
schema rejects what validate accepts, means one of them is wrong and is fixed, never listed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from mlstack.load import InputError, loads
from mlstack.pipeline import check
from tests.helpers import DESIGN_REFERENCE, ROOT, SPECS

ERROR_CASES = sorted((ROOT / "tests" / "errors").glob("*.yaml"))
ONLY_CLI_LIMITS = {"file-over-size-limit": "needs its .args (--max-bytes): a CLI limit, not YAML"}
PROBES = sorted((ROOT / "tests" / "spec" / "agreement").glob("*.yaml"))
"""Corner cases the other files do not hold (quantities as YAML numbers, NaN)."""
FILES = [
    *SPECS,
    DESIGN_REFERENCE,
    *PROBES,
    *(case for case in ERROR_CASES if case.stem not in ONLY_CLI_LIMITS),
]

BEYOND_THE_SCHEMA = {
    "E0102": "a field required only with some others (a SageMaker serving needs instanceType "
    "unless it is serverless): the generated schema has no if/then",
    "E0105": "YAML's .nan is a JSON Schema number; no quantity is not-a-number",
    "E0107": "a percentage above 100%: a pattern cannot bound the number it matches",
    "E0108": "cron fields out of range (hour 24, a sixth field): the schedule grammar is code",
    "E0109": "min <= max of a range: JSON Schema cannot compare two values",
    "E0110": "URI rules per scheme (bucket naming, https where a bucket is needed): code",
    "E0111": "the container image grammar (lowercase repository): code, not a pattern",
    "E0112": "a supported Kubernetes version: the supported range lives in the registry",
    "E0114": "fields that exclude each other (above/below, two backends, image and model)",
    "E0115": "an alert threshold's unit depends on its metric",
    "E0116": "a numeric bound that depends on another field (canary traffic, serverless memory)",
    "E0202": "a credential inside a free-form value (command, URI, env): a heuristic",
    "E0203": "a credential argument of a backend block: the schema lists backend arguments only",
    "E0118": "a CIDR block with its host bits zero: an address rule (ipaddress), not a pattern",
    "E0119": "a storage endpoint URL without user, query or fragment: URL parsing, not a pattern",
    "E0120": "the operand a JSON patch operation needs depends on its op: the generated schema "
    "has no if/then",
    "E0121": "label keys mlstack reserves (app.kubernetes.io/, mlstack.dev/): a rule on a map's "
    "keys beyond their form",
    "E0135": "at least one of three optional lists (an ignoreDifferences entry's fields): the "
    "generated schema has no anyOf of required fields",
}
"""Diagnostic codes of validate-only rejections, each with why the schema cannot say it. A
file the schema accepts and validate rejects must show only codes of this table (or of
SEMANTIC_PREFIXES), and each entry must still explain one such file."""

SEMANTIC_PREFIXES = {
    "E03": "resolve's cross-references and rules between sections (pools, runtimes, canaries, "
    "alerts): decided on the whole stack, after parsing",
    "E04": "cloud and runtime facts (instance types, accelerators, regions, runtime support): "
    "held by the registries, not by the field types",
    "E05": "environment overlays: what an overlay may add depends on the base stack",
    "E06": "capacity: requests against instance types and pool accelerators",
    "E07": "what a runtime or engine can do (canaries, frameworks, scale to zero, alarms)",
    "E08": "what environments may not share (state, namespaces, deploy folders) and what mlstack "
    "may not own (buckets it serves from): decided across every environment compiled together",
    "W": "warnings never make validate reject",
}


@cache
def _schema() -> Draft202012Validator:
    schema = json.loads((ROOT / "mlstack.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_accepts(path: Path) -> bool:
    try:
        data = loads(path.read_bytes(), path.name).data
    except InputError:
        return False
    return _schema().is_valid(data)


@cache
def validate_errors() -> dict[Path, frozenset[str]]:
    """Error codes per file, each validated on its own (`mlstack validate FILE`): files given
    together are also checked against each other (resolve/isolation.py), and the corpus holds
    many stacks named alike, which is no property of any one file."""
    return {
        path: frozenset(d.code for d in check(path).diagnostics if d.is_error) for path in FILES
    }


def test_validate_of_all_files_is_validate_of_each() -> None:
    """The in-process check above is what the CLI reports for a file on its own."""
    probe = ROOT / "tests" / "errors" / "serving-unknown-model.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "mlstack", "validate", "--format", "json", str(probe)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    codes = {d["code"] for d in json.loads(result.stdout) if d["severity"] == "error"}
    assert result.returncode == 1 and codes == validate_errors()[probe] == {"E0301"}


def _explained(code: str) -> bool:
    return code in BEYOND_THE_SCHEMA or code.startswith(tuple(SEMANTIC_PREFIXES))


def _verdicts() -> dict[str, tuple[bool, frozenset[str]]]:
    errors = validate_errors()
    return {
        path.relative_to(ROOT).as_posix(): (schema_accepts(path), errors[path]) for path in FILES
    }


def test_schema_never_rejects_what_validate_accepts() -> None:
    wrong = [name for name, (schema, codes) in _verdicts().items() if not schema and not codes]
    assert wrong == []


def test_validate_rejects_beyond_the_schema_only_for_listed_reasons() -> None:
    unexplained = {
        name: sorted(code for code in codes if not _explained(code))
        for name, (schema, codes) in _verdicts().items()
        if schema and codes and not all(_explained(code) for code in codes)
    }
    assert unexplained == {}


def test_every_listed_reason_is_still_needed() -> None:
    used = {code for schema, codes in _verdicts().values() if schema for code in codes}
    assert sorted(set(BEYOND_THE_SCHEMA) - used) == []
    prefixes = {prefix for prefix in SEMANTIC_PREFIXES if any(c.startswith(prefix) for c in used)}
    assert sorted(set(SEMANTIC_PREFIXES) - prefixes - {"W"}) == []


def test_the_files_cover_both_verdicts() -> None:
    verdicts = _verdicts()
    assert len(verdicts) >= len(SPECS) + 100
    assert all(not codes for name, (_, codes) in verdicts.items() if "/errors/warn-" in name)
    accepted = {name for name, (schema, codes) in verdicts.items() if schema and not codes}
    assert {path.relative_to(ROOT).as_posix() for path in SPECS} <= accepted
    assert sum(not schema for schema, _ in verdicts.values()) >= 40

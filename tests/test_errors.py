"""The error corpus: one realistic mistake per tests/errors/NAME.yaml, its diagnostics in NAME.err.

Each case runs the real CLI in a subprocess from the repository root, exactly as a user would
(`python -m mlstack validate tests/errors/NAME.yaml`), and its stderr must match NAME.err byte
for byte. Regenerate with `pytest tests/test_errors.py --update-golden`, then read every changed
.err: the line and column must point at the mistake and the hint must help.

Conventions:
- `warn-*.yaml` hold only warnings and must exit 0; every other case must exit 1.
- `compile-*.yaml` hold a mistake only the compiled output shows (an escape hatch that
  targets nothing): they run `mlstack compile -o TMP` instead of `validate`.
- `NAME.args` (optional) holds extra command-line flags, e.g. `--max-bytes` for the size limit.
- Files that cannot be written as text (non-UTF-8, tabs) are generated once from Python and
  committed as regular files.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ERRORS = ROOT / "tests" / "errors"
PACKAGE = ROOT / "compiler" / "mlstack"
DOCS = ROOT / "docs" / "errors.md"
CASES = sorted(ERRORS.glob("*.yaml"))
MIN_CASES = 45
MULTI_ERROR_CASES = ("several-reference-mistakes", "several-field-mistakes")

CODE_IN_SOURCE = re.compile(r'"([EW]0[0-9]{3})"')
HEAD = re.compile(
    r"^(?P<file>\S+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning)\[(?P<code>[EW]0[0-9]{3})\]: ",
    re.M,
)
SUMMARY = re.compile(
    r"^(?P<errors>\d+) errors?(?:, (?P<warnings>\d+) warnings?)?(?: in \d+ of \d+ file\(s\))?$",
    re.M,
)

# Codes the corpus cannot show, each with the reason and where it is tested instead; the
# coverage test fails as soon as one shows up in the corpus, so the list only ever shrinks.
UNREACHABLE = {
    "E0011": "a read error needs an unreadable file, which a checkout cannot hold (tests run "
    "as root); tests/cli/test_cli.py::test_unreadable_file_is_a_diagnostic covers it",
    "E0803": "two stacks in one deploy folder needs two files compiled together; "
    "tests/resolve/test_isolation.py::test_two_stacks_in_nested_deploy_folders_are_refused",
}


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _env() -> dict[str, str]:
    # Goldens are UTF-8 whatever the runner's locale; never colour or wrap.
    return {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200"}


def _extra_args(case: Path) -> list[str]:
    args = case.with_suffix(".args")
    return shlex.split(args.read_text()) if args.exists() else []


def run_cli(case: Path, *flags: str) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "mlstack"]
        command += ["compile", "-o", out] if case.stem.startswith("compile-") else ["validate"]
        command += [*flags, *_extra_args(case), _relative(case)]
        return subprocess.run(
            command, cwd=ROOT, capture_output=True, timeout=120, env=_env(), check=False
        )


@cache
def source_codes() -> frozenset[str]:
    """Every diagnostic code written as a string literal anywhere in the package."""
    return frozenset(
        code for path in PACKAGE.rglob("*.py") for code in CODE_IN_SOURCE.findall(path.read_text())
    )


def golden_codes() -> set[str]:
    return {
        m["code"] for err in ERRORS.glob("*.err") for m in HEAD.finditer(err.read_text("utf-8"))
    }


def _no_traceback(result: subprocess.CompletedProcess[bytes]) -> None:
    for stream in (result.stdout, result.stderr):
        text = stream.decode("utf-8", "replace")
        assert "Traceback (most recent call last)" not in text, text
        assert "internal error" not in text, text


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_error_case(case: Path, update_golden: bool) -> None:
    result = run_cli(case)
    _no_traceback(result)
    expected_exit = 0 if case.stem.startswith("warn-") else 1
    assert result.returncode == expected_exit, result.stderr.decode("utf-8", "replace")

    stderr = result.stderr.decode("utf-8")
    heads = list(HEAD.finditer(stderr))
    assert heads, "no diagnostic printed"
    assert all(h["file"] == _relative(case) for h in heads), (
        "diagnostics must name the file as given"
    )
    if case.stem.startswith("warn-"):
        assert all(h["severity"] == "warning" for h in heads), "warn-* cases hold warnings only"
    else:
        assert any(h["severity"] == "error" for h in heads)
    summary = SUMMARY.search(stderr)
    assert summary is not None, "missing summary line"
    assert int(summary["errors"]) + int(summary["warnings"] or 0) == len(heads)

    golden = case.with_suffix(".err")
    if update_golden:
        golden.write_bytes(result.stderr)
        return
    assert golden.exists(), (
        f"{golden.name} is missing: run pytest with --update-golden and review it"
    )
    expected = golden.read_bytes()
    assert stderr == expected.decode("utf-8"), (
        f"{golden.name} differs (run with --update-golden, then review)"
    )
    assert result.stderr == expected


def test_every_golden_has_its_case() -> None:
    orphans = [
        p.name
        for pattern in ("*.err", "*.args")
        for p in ERRORS.glob(pattern)
        if not os.path.lexists(p.with_suffix(".yaml"))
    ]
    assert not orphans, f"golden files without a case: {orphans}"


def test_corpus_size() -> None:
    assert len(CASES) >= MIN_CASES, (
        f"the corpus holds {len(CASES)} cases; keep at least {MIN_CASES}"
    )


def test_corpus_covers_every_code() -> None:
    codes = source_codes()
    assert codes, "no diagnostic codes found in the package"
    missing = sorted(codes - golden_codes() - UNREACHABLE.keys())
    assert not missing, f"codes no tests/errors/*.err shows: {missing}; add a case for each"
    now_reachable = sorted(UNREACHABLE.keys() & golden_codes())
    assert not now_reachable, f"remove {now_reachable} from UNREACHABLE: the corpus shows them"
    gone = sorted(UNREACHABLE.keys() - codes)
    assert not gone, f"remove {gone} from UNREACHABLE: the package no longer names them"


def test_unknown_codes_are_not_in_goldens() -> None:
    stray = sorted(golden_codes() - source_codes())
    assert not stray, f".err files show codes the package does not define: {stray}"


def _secret_cases() -> list[Path]:
    return [
        c
        for c in CASES
        if c.with_suffix(".err").exists()
        and re.search(r"error\[E02\d\d\]", c.with_suffix(".err").read_text("utf-8"))
    ]


@pytest.mark.parametrize("case", _secret_cases(), ids=lambda c: c.stem)
def test_secret_value_never_echoed(case: Path) -> None:
    """The flagged value (read back from the YAML at the diagnostic's span) is in no output."""
    lines = case.read_text("utf-8").splitlines()
    outputs = {"err": case.with_suffix(".err").read_text("utf-8")}
    reports = {}
    for fmt in ("json", "github"):
        result = run_cli(case, "--format", fmt)
        reports[fmt] = result.stdout.decode("utf-8")
        outputs[fmt] = reports[fmt] + result.stderr.decode("utf-8")
    diagnostics = [d for d in json.loads(reports["json"]) if d["code"].startswith("E02")]
    assert diagnostics
    for diagnostic in diagnostics:
        line = lines[diagnostic["line"] - 1]
        value = line[diagnostic["column"] - 1 : diagnostic["endColumn"] - 1].strip("'\"")
        assert len(value) >= 6, f"could not read the flagged value back from {line!r}"
        # The whole value, and the password alone when it is a user:password@ URL.
        secrets = [value, *re.findall(r"://[^/\s:@]+:([^/\s@]+)@", value)]
        for name, text in outputs.items():
            for secret in secrets:
                assert secret not in text, f"{case.name}: the {name} output repeats the secret"


@pytest.mark.parametrize("stem", MULTI_ERROR_CASES)
def test_formats_agree_on_count(stem: str) -> None:
    case = ERRORS / f"{stem}.yaml"
    text = run_cli(case)
    as_json = run_cli(case, "--format", "json")
    github = run_cli(case, "--format", "github")
    for result in (text, as_json, github):
        _no_traceback(result)
        assert result.returncode == 1
    text_count = len(HEAD.findall(text.stderr.decode("utf-8")))
    assert text_count > 1, "pick a case with several diagnostics"
    json_count = len(json.loads(as_json.stdout))
    github_lines = github.stdout.decode("utf-8").splitlines()
    github_count = sum(line.startswith(("::error ", "::warning ")) for line in github_lines)
    assert json_count == text_count
    assert github_count == text_count
    assert all(line.startswith("::") for line in github_lines if line), (
        "github output is annotations only"
    )


def test_docs_have_every_code() -> None:
    headings = set(re.findall(r"^## ([EW]0[0-9]{3})\b", DOCS.read_text("utf-8"), re.M))
    missing = sorted(source_codes() - headings)
    assert not missing, f"docs/errors.md has no '## CODE' heading for {missing}"
    stray = sorted(headings - source_codes())
    assert not stray, f"docs/errors.md documents codes the package does not emit: {stray}"


def test_docs_list_codes_in_order() -> None:
    order = re.findall(r"^## ([EW]0[0-9]{3})\b", DOCS.read_text("utf-8"), re.M)
    key = [(code[1:], code[0]) for code in order]
    assert key == sorted(key), "keep docs/errors.md in code order"
    assert len(order) == len(set(order)), "a code is documented twice"


def test_docs_examples_match_the_corpus() -> None:
    """Each example in docs/errors.md is the current output of the case it names."""
    text = DOCS.read_text("utf-8")
    examples = re.findall(
        r"^Example: `tests/errors/([\w-]+)\.yaml`\n.*?^```text\n(.*?)^```$", text, re.M | re.S
    )
    assert len(examples) >= len(source_codes()) - len(UNREACHABLE)
    for stem, block in examples:
        golden = ERRORS / f"{stem}.err"
        assert golden.exists(), f"docs/errors.md cites {stem}, which is not in the corpus"
        assert block in golden.read_text("utf-8"), f"docs/errors.md: the example of {stem} is stale"

"""The benchmark's generated stacks are valid, so `bench/validate.py` times the success path."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from mlstack.pipeline import check

GENERATE = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_stack_validates_in_every_environment(tmp_path: Path) -> None:
    bench = _generator()
    text = bench.generate(20)
    path = tmp_path / "stack-20.yaml"
    path.write_text(text, encoding="utf-8")

    checked = check(path)

    assert checked.diagnostics == (), "generated stacks are clean: no errors, no warnings"
    assert checked.ok is True
    environments = bench.stack(20)["environments"]
    assert len(checked.plans) == len(environments) == 2
    assert [p.environment for p in checked.plans] == list(environments)
    assert all(len(p.spec.models) == 20 and len(p.spec.serving) == 20 for p in checked.plans)


def test_generate_is_deterministic() -> None:
    bench = _generator()
    assert bench.generate(20) == bench.generate(20)

"""platform.kubernetes.versions: what a declared release lacks is refused at validate time,
and releases compare as numbers (0.9 is before 0.16)."""

from __future__ import annotations

from pathlib import Path

from mlstack.spec.versions import at_least
from tests.helpers import check_text

TRAINING = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {{name: fraud}}
platform:
  kubernetes:
    versions: {{{versions}}}
models:
  fraud-net:
    framework: pytorch
    uri: pvc://models/fraud/net/v3
    training:
      operator: pytorchjob
      image: registry.acme.example/ml/fraud-train:1.4.2
      command: [torchrun, train.py]
{extra}"""


def _errors(tmp_path: Path, versions: str, extra: str = "") -> list[str]:
    checked = check_text(tmp_path, TRAINING.format(versions=versions, extra=extra))
    return [d.message for d in checked.diagnostics if d.is_error]


def test_releases_compare_as_numbers() -> None:
    assert at_least("0.16", (0, 16)) and at_least("0.20", (0, 16))
    assert not at_least("0.9", (0, 16)) and not at_least("0.15", (0, 16))
    assert at_least("1.0", (0, 16))


def test_scheduled_training_needs_argo_schedules(tmp_path: Path) -> None:
    schedule = '      schedule: "@daily"\n'
    (error,) = _errors(tmp_path, 'argoWorkflows: "3.5"', schedule)
    assert "schedules" in error and "3.5" in error
    assert _errors(tmp_path, 'argoWorkflows: "3.6"', schedule) == []
    assert _errors(tmp_path, 'argoWorkflows: "3.5"') == []  # nothing scheduled


def test_trainjobs_need_runtime_patches(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, 'trainer: "2.1"')
    assert "runtimePatches" in error
    assert _errors(tmp_path, 'trainer: "2.2"') == []


def test_a_release_is_a_quoted_minor(tmp_path: Path) -> None:
    assert _errors(tmp_path, 'kserve: "0.20.1"') != []

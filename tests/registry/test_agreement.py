"""Validation and generation agree because both read the registry: for every in-cluster
runtime, deployment mode, framework it serves and alert metric, either `mlstack validate`
rejects the alert (E0711) or the monitoring target writes its rule, never neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstack import runtimes
from mlstack.targets.kubernetes import monitoring_rules
from tests.helpers import MINIMAL, check_text, codes

METRICS = {"error_rate": "above: 2%", "latency_p99": "above: 250ms", "throughput": "below: 1"}


def _stack(runtime: str, mode: str, framework: str, metric: str) -> str:
    return MINIMAL + (
        "platform:\n"
        f"  kubernetes: {{kserve: {{deploymentMode: {mode}}}, storageSecret: s3-credentials}}\n"
        f'models:\n  m: {{framework: {framework}, uri: "s3://models/m/v1"}}\n'
        "serving:\n"
        f'  api: {{model: m, runtime: {runtime}, image: "registry.example/server:1"}}\n'
        "monitoring:\n"
        "  prometheus: {}\n"
        "  receivers: {owners: {email: {to: [ml@example.com]}}}\n"
        "  routes: {page: [owners]}\n"
        f"  alerts:\n    a: {{serving: api, metric: {metric}, {METRICS[metric]}, severity: page}}\n"
    )


CASES = [
    (runtime.name, mode, framework)
    for runtime in runtimes.REGISTRY.values()
    if runtime.in_cluster
    for mode in (("Knative", "RawDeployment") if runtime.name == "kserve" else ("Knative",))
    for framework in runtime.serves
]


@pytest.mark.parametrize(("runtime", "mode", "framework"), CASES)
def test_an_alert_is_either_rejected_or_written(
    tmp_path: Path, runtime: str, mode: str, framework: str
) -> None:
    for metric in METRICS:
        checked = check_text(tmp_path, _stack(runtime, mode, framework, metric))
        if not checked.ok:
            assert codes(checked.diagnostics) == ["E0711"], checked.diagnostics
            assert metric == "error_rate"
            continue
        for plan in checked.plans:
            assert "a" in monitoring_rules.rules(plan), (runtime, mode, framework, metric)


def test_kserve_standard_custom_error_rate_is_rejected(tmp_path: Path) -> None:
    """The bug of issue #15: a custom image on KServe RawDeployment runs behind the same
    Python-server profile as sklearn, which counts no errors; validate used to pass it and
    the target wrote no rule."""
    checked = check_text(tmp_path, _stack("kserve", "RawDeployment", "custom", "error_rate"))
    assert codes(checked.diagnostics) == ["E0711"]

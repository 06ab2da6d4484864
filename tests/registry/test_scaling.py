"""Autoscaling is validated from each runtime's own registry entry (issue #15: Azure Functions
used to fall through to KServe's metrics, and Lambda's target had no bounds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstack import runtimes
from tests.helpers import MINIMAL, check_text, codes

LAMBDA = MINIMAL + (
    'platform: {cloud: {provider: aws, region: eu-west-1, account: "123456789012", cluster: ml}}\n'
    'models: {m: {framework: xgboost, uri: "s3://acme-models/m/v1"}}\n'
    "serving:\n"
    '  fn: {model: m, runtime: lambda, image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn:1",\n'
    "       replicas: {min: 1, max: 5}, autoscaling: {metric: concurrency, target: TARGET}}\n"
)


@pytest.mark.parametrize(
    ("target", "expected"), [(0.1, []), (0.9, []), (0.05, ["E0740"]), (1, ["E0740"])]
)
def test_lambda_takes_a_provisioned_concurrency_utilization(
    tmp_path: Path, target: float, expected: list[str]
) -> None:
    checked = check_text(tmp_path, LAMBDA.replace("TARGET", str(target)))
    assert [c for c in codes(checked.diagnostics) if not c.startswith("W")] == expected


def test_lambda_exposes_what_its_scaling_policy_tracks() -> None:
    """What the Lambda target generates from (targets/terraform/aws_lambda.py)."""
    scaling = runtimes.get("lambda").scaling
    assert scaling.metrics == ("concurrency",) and scaling.target_range == (0.1, 0.9)
    assert runtimes.awslambda.PROVISIONED_METRIC == "LambdaProvisionedConcurrencyUtilization"


@pytest.mark.parametrize("metric", ["concurrency", "rps", "cpu", "memory"])
def test_azure_functions_takes_no_autoscaling(tmp_path: Path, metric: str) -> None:
    text = MINIMAL + (
        "platform: {cloud: {provider: azure, subscription: 00000000-0000-0000-0000-000000000000,"
        " resourceGroup: ml, region: westeurope, cluster: ml}}\n"
        'models: {m: {framework: onnx, uri: "azureblob://acme/models/m/v1"}}\n'
        "serving:\n"
        # ACR names have 5-50 characters (a shorter host is E0425)
        '  fn: {model: m, runtime: azurefunctions, image: "acmeml.azurecr.io/fn:1",\n'
        f"       autoscaling: {{metric: {metric}, target: 50}}}}\n"
    )
    assert codes(check_text(tmp_path, text).diagnostics) == ["E0708"]

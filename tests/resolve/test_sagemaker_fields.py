"""A SageMaker serving's data capture and VPC against the rest of the stack: captures never
land where a model is served (any environment) or in a bucket mlstack would own, serverless
endpoints take neither setting, and a drift check cannot read captures as its current data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import MINIMAL, check_text, codes

BASE = (
    MINIMAL
    + """\
platform:
  cloud: {provider: aws, region: eu-west-1, account: "123456789012", cluster: ml-prod}
models:
  m: {framework: xgboost, uri: "s3://acme-models/fraud/xgb/v7"}
serving:
  api:
    model: m
    runtime: sagemaker
"""
)
REAL_TIME = "    instanceType: ml.m5.xlarge\n"
SERVERLESS = "    serverless: {memory: 2Gi, maxConcurrency: 5}\n    replicas: {min: 0, max: 1}\n"
VPC = "    vpc: {subnets: [subnet-0a1b2c3d, subnet-0f1e2d3c], securityGroups: [sg-01234567]}\n"


def _capture(destination: str) -> str:
    return f'    dataCapture: {{destination: "{destination}", percent: 10, capture: [input]}}\n'


@pytest.mark.parametrize(
    ("serving", "extra", "expected"),
    [
        (REAL_TIME + _capture("s3://acme-ml-data/capture/api/") + VPC, "", []),
        (REAL_TIME + _capture("s3://acme-models/fraud/xgb/v7/capture/"), "", ["E0418"]),
        (REAL_TIME + _capture("s3://acme-models/fraud/"), "", ["E0418"]),  # above the model
        (REAL_TIME + _capture("s3://acme-models/fraud/capture/"), "", []),  # beside it
        (SERVERLESS + _capture("s3://acme-ml-data/capture/api/"), "", ["E0419"]),
        (SERVERLESS + VPC, "", ["E0419"]),
        (SERVERLESS + _capture("s3://acme-ml-data/c/") + VPC, "", ["E0419", "E0419"]),
        (
            REAL_TIME + _capture("s3://acme-ml-data/capture/api/"),
            "monitoring: {drift: {api: {reference: 's3://acme-ml-data/ref.parquet', "
            "current: 's3://acme-ml-data/capture/api/2026/'}}}\n",
            ["W0417"],
        ),
        (
            REAL_TIME + _capture("s3://acme-ml-artifacts/capture/api/"),
            "tracking: {mlflow: {artifacts: 's3://acme-ml-artifacts/fraud'}}\n",
            ["E0805"],
        ),
    ],
)
def test_each_mistake_is_one_diagnostic(
    tmp_path: Path, serving: str, extra: str, expected: list[str]
) -> None:
    found = check_text(tmp_path, BASE + serving + extra).diagnostics
    assert codes(found) == expected, [d.message for d in found]


def test_a_capture_into_another_environments_model_is_caught(tmp_path: Path) -> None:
    """staging captures where prod serves: only the two together show it."""
    text = (
        BASE
        + REAL_TIME
        + _capture("s3://acme-ml-data/capture/api/")
        + """\
environments:
  staging:
    serving: {api: {dataCapture: {destination: "s3://acme-models/fraud/xgb/v8/"}}}
    models: {m: {uri: "s3://acme-models/fraud/xgb/v7"}}
  prod:
    models: {m: {uri: "s3://acme-models/fraud/xgb/v8"}}
"""
    )
    found = check_text(tmp_path, text).diagnostics
    assert codes(found) == ["E0418"], [d.message for d in found]
    assert "environment 'prod'" in found[0].message

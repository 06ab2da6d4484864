"""AWS Lambda container function behind a function URL (targets/terraform/aws_lambda.py).

Scaling: a Lambda execution environment serves one request at a time, so `concurrency` (in-
flight requests per replica) is at most 1 there, and its target is what Application Auto
Scaling tracks for provisioned concurrency: `LambdaProvisionedConcurrencyUtilization`, the
share of provisioned environments busy, 0.1 to 0.9 (aws-cdk aws-lambda
scalable-attribute-api.ts `scaleOnUtilization`: "Allowed values: 0.1 - 0.9"). The target
value of the scaling policy is `autoscaling.target` itself.
"""

from __future__ import annotations

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling

PROVISIONED_METRIC = "LambdaProvisionedConcurrencyUtilization"
"""Predefined metric of the target-tracking policy on provisioned concurrency."""

RUNTIME = Runtime(
    "lambda",
    "function",
    FRAMEWORKS,
    cloud="aws",
    scale_to_zero=True,
    scaling=Scaling(
        ("concurrency",),
        target_range=(0.1, 0.9),
        target_meaning="the share of provisioned concurrency in use",
    ),
)

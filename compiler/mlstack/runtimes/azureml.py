"""Azure ML managed online endpoint and deployment (targets/terraform/azure_serving.py)."""

from __future__ import annotations

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling

MODEL_TYPE = {"mlflow": "mlflow_model", "triton": "triton_model"}
"""Frameworks Azure ML deploys without an image of ours (no-code deployment), as the model
asset's type; every other model is a `custom_model` and needs `image`."""

RUNTIME = Runtime(
    "azureml",
    "managed",
    FRAMEWORKS,
    cloud="azure",
    prebuilt=tuple(MODEL_TYPE),
    canary=True,
    scaling=Scaling(("cpu", "memory")),
)

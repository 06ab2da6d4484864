"""Azure ML managed online endpoint and deployment (targets/terraform/azure_serving.py)."""

from __future__ import annotations

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling

MODEL_TYPE = {"mlflow": "mlflow_model", "triton": "triton_model"}
"""Frameworks Azure ML deploys without an image of ours (no-code deployment), as the model
asset's type; every other model is a `custom_model` and needs `image`."""

SCALE_METRICS = {"cpu": "CpuUtilizationPercentage", "memory": "CpuMemoryUtilizationPercentage"}
"""`autoscaling.metric` -> the online deployment's own Azure Monitor metric (per instance,
percent, one-minute grain) its autoscale setting watches (targets/terraform/azure_autoscale)."""

RUNTIME = Runtime(
    "azureml",
    "managed",
    FRAMEWORKS,
    cloud="azure",
    prebuilt=tuple(MODEL_TYPE),
    # Azure ML registers a model version from a storage path: an MLflow registry version's
    # artifacts sit under a run id the spec does not know, and hf:// or pvc:// is none.
    no_scheme=("models", "hf", "pvc"),
    no_scheme_hint="Azure ML registers models from Azure Blob storage: copy the model there and "
    "set its uri to azureblob://ACCOUNT/CONTAINER/PATH (an MLflow registry version: its "
    "artifact location)",
    canary=True,
    # Without `autoscaling`: CPU at 70 %, the example of Azure ML's autoscale docs.
    scaling=Scaling(tuple(SCALE_METRICS), default=("cpu", 70.0)),
)

"""Experiment-tracking wiring every training job and pipeline step receives."""

from __future__ import annotations

from typing import Any

from mlstack import names
from mlstack.plan import Plan

MLFLOW_PORT = 5000


def tracking_uri(plan: Plan) -> str | None:
    """The deployed server's in-cluster URL, or the external server's, or None."""
    mlflow = plan.spec.tracking.mlflow
    if mlflow is None:
        return None
    if mlflow.deploy:
        return f"http://{names.MLFLOW}.{plan.namespace}.svc.cluster.local:{MLFLOW_PORT}"
    return mlflow.uri


def tracking_env(plan: Plan) -> list[dict[str, Any]]:
    """MLFLOW_TRACKING_URI and WANDB_* (the API key from its Secret, never inline)."""
    env: list[dict[str, Any]] = []
    uri = tracking_uri(plan)
    if uri is not None:
        env.append({"name": "MLFLOW_TRACKING_URI", "value": uri})
    wandb = plan.spec.tracking.wandb
    if wandb is not None:
        env.append({"name": "WANDB_PROJECT", "value": wandb.project})
        if wandb.entity:
            env.append({"name": "WANDB_ENTITY", "value": wandb.entity})
        if wandb.host:
            env.append({"name": "WANDB_BASE_URL", "value": wandb.host})
        env.append(
            {
                "name": "WANDB_API_KEY",
                "valueFrom": {
                    "secretKeyRef": {"name": wandb.api_key_secret, "key": wandb.api_key_secret_key}
                },
            }
        )
    return env

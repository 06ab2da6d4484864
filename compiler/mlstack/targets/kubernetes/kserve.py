"""runtime: kserve -> a KServe InferenceService (serving.kserve.io/v1beta1).

A canary is KServe's own rollout: the predictor names the candidate model and
`canaryTrafficPercent` sends that share to it, the rest staying on the last ready revision.
KServe splits traffic only in Serverless mode; resolve rejects a canary in RawDeployment.
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.spec.serving import KServeServing
from mlstack.targets.kubernetes import identity, pods, quota
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.storage import storage_uri

MODEL_FORMAT = {
    "sklearn": "sklearn", "xgboost": "xgboost", "lightgbm": "lightgbm",
    "tensorflow": "tensorflow", "pytorch": "pytorch", "onnx": "onnx",
    "huggingface": "huggingface", "mlflow": "mlflow", "triton": "triton",
}  # fmt: skip
V2_ONLY = ("onnx", "triton", "mlflow")
"""Served by KServe's Triton and MLServer runtimes, which speak only the v2 protocol: with
the default (v1) KServe would find no runtime for them."""


def _predictor(plan: Plan, name: str, serving: KServeServing) -> dict[str, Any]:
    workload = plan.workload("serve", name)
    served = serving.canary.model if serving.canary else serving.model
    model = plan.spec.models[served]
    container: dict[str, Any] = {
        "storageUri": storage_uri(model.uri),
        "resources": pods.resources(serving.resources),
        "securityContext": pods.container_security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if model.framework in MODEL_FORMAT:
        container["modelFormat"] = {"name": MODEL_FORMAT[model.framework]}
    if model.framework in V2_ONLY:
        container["protocolVersion"] = "v2"
    if serving.image is not None:
        container["image"] = serving.image
    predictor: dict[str, Any] = {
        "serviceAccountName": workload.service_account,
        "minReplicas": serving.replicas.min,
        "maxReplicas": serving.replicas.max,
        "securityContext": pods.pod_security(),
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "model": container,
        **pods.placement(plan, serving.pool),
    }
    if serving.autoscaling is not None:
        predictor["scaleMetric"] = serving.autoscaling.metric
        predictor["scaleTarget"] = round(serving.autoscaling.target)
    if serving.canary is not None:
        predictor["canaryTrafficPercent"] = serving.canary.traffic
    if plan.spec.platform.kubernetes.kserve.deployment_mode == "RawDeployment":
        # KServe's own default surges a quarter; ours fits the namespace quota.
        predictor["deploymentStrategy"] = quota.rollout(serving.resources).strategy()
    labels = {**selector_labels("serving", name), **identity.pod_labels(plan, workload)}
    predictor["labels"] = labels
    return predictor


def build(plan: Plan) -> list[Manifest]:
    mode = plan.spec.platform.kubernetes.kserve.deployment_mode
    out = []
    for name, serving in plan.spec.serving.items():
        if not isinstance(serving, KServeServing):
            continue
        out.append(
            Manifest(
                "serving.kserve.io/v1beta1",
                "InferenceService",
                name,
                {"spec": {"predictor": _predictor(plan, name, serving)}},
                ("serving", name),
                labels=selector_labels("serving", name),
                annotations={"serving.kserve.io/deploymentMode": mode},
            )
        )
    return out

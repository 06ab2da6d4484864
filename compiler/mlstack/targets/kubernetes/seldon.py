"""runtime: seldon -> a Seldon Core v2 Model (mlops.seldon.io/v1alpha1), plus, for a canary, a
second Model and an Experiment that splits the serving's endpoint between them.

Seldon schedules a Model onto a Server whose capabilities include every name in
`requirements`. The names are the capabilities the default Servers advertise in Seldon
v2.10.2 (k8s/helm-charts/seldon-core-v2-setup/values.yaml `serverCapabilities`): MLServer
`sklearn, xgboost, lightgbm, mlflow, huggingface`, Triton `tensorflow, pytorch, onnx` and
`triton`; our framework names are exactly those capability names.

Objects are named after the serving, not the model, so two servings of one model stay apart
and the endpoint a client calls (`/v2/models/SERVING/infer`) does not change when the canary
is promoted. The Experiment sets `default` to the serving's Model, which makes Seldon route
that Model's own endpoint through the split (weights are relative: 100 - traffic : traffic).

Seldon downloads artifacts itself with rclone, whose remote is the URI's scheme (`s3://`,
`gs://` need remotes of those names on the Servers, as Seldon's own samples use). An
`azureblob://ACCOUNT/CONTAINER/PATH` becomes `azureblob://CONTAINER/PATH`: an rclone
azureblob remote is per account (the Server's preloaded secret names it). On a stack without a
cloud, `platform.kubernetes.storageSecret` is the Model's `secretName` (an rclone config,
Seldon's format for storage secrets).

Scaling: `replicas` starts at `replicas.min` and Seldon's model autoscaling moves between
`minReplicas` and `maxReplicas` on inference lag; `autoscaling.metric/target` has no field in
the Model and needs an HPA on Seldon's metrics, which this module does not emit. Memory from
`resources.memory` lets the scheduler pack models onto Server replicas; `pool`, cpu, GPUs and
`image` belong to the Server (a shared StatefulSet), which this module does not emit either.
`hf://` and `models:/` are written as given: rclone has no remote for either, so such a Model
needs a Server whose storage configuration provides one.
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.spec.serving import SeldonServing
from mlstack.spec.uris import parse
from mlstack.targets.kubernetes.meta import Manifest, selector_labels

API = "mlops.seldon.io/v1alpha1"
CANARY_SUFFIX = "-canary"


def seldon_uri(uri: str) -> str:
    """The storageUri Seldon's rclone copy understands for a model URI."""
    location = parse(uri)
    if location.scheme != "azureblob":
        return uri
    container = location.bucket.split("/", 1)[1]
    path = f"/{location.prefix}" if location.prefix else ""
    return f"azureblob://{container}{path}"


def _model(plan: Plan, serving: SeldonServing, model_name: str) -> dict[str, Any]:
    model = plan.spec.models[model_name]
    spec: dict[str, Any] = {
        "storageUri": seldon_uri(model.uri),
        "requirements": [model.framework],
        "replicas": serving.replicas.min,
        "minReplicas": serving.replicas.min,
        "maxReplicas": serving.replicas.max,
    }
    if serving.resources.memory is not None:
        spec["memory"] = serving.resources.memory
    if serving.server is not None:
        spec["server"] = serving.server
    secret = plan.spec.platform.kubernetes.storage_secret
    if plan.spec.platform.cloud is None and secret is not None:
        spec["secretName"] = secret
    return {"spec": spec}


def build(plan: Plan) -> list[Manifest]:
    out: list[Manifest] = []
    for name, serving in plan.spec.serving.items():
        if not isinstance(serving, SeldonServing):
            continue
        source = ("serving", name)
        labels = selector_labels("serving", name)
        out.append(
            Manifest(
                API, "Model", name, _model(plan, serving, serving.model), source, labels=labels
            )
        )
        if serving.canary is None:
            continue
        canary = f"{name}{CANARY_SUFFIX}"
        canary_source = ("serving", name, "canary")
        out.append(
            Manifest(
                API,
                "Model",
                canary,
                _model(plan, serving, serving.canary.model),
                canary_source,
                labels=labels,
            )
        )
        experiment = {
            "spec": {
                "default": name,
                "candidates": [
                    {"name": name, "weight": 100 - serving.canary.traffic},
                    {"name": canary, "weight": serving.canary.traffic},
                ],
            }
        }
        out.append(Manifest(API, "Experiment", name, experiment, canary_source, labels=labels))
    return out

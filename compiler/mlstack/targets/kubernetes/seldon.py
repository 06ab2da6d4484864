"""runtime: seldon -> Seldon Core v2 (mlops.seldon.io/v1alpha1): a Server of the serving's own
and a Model scheduled onto it, plus, for a canary, a second Model and an Experiment that
splits the serving's endpoint between them. Sources: SeldonIO/seldon-core at v2.10.2.

The Server. Seldon loads a Model onto a Server whose capabilities include every name in
`requirements`; our framework names are exactly the capabilities of Seldon's two
ServerConfigs (k8s/helm-charts/seldon-core-v2-setup/values.yaml `serverCapabilities`):
`mlserver` for sklearn, xgboost, lightgbm, mlflow, huggingface and `triton` for tensorflow,
pytorch, onnx, triton. Each serving gets a Server named after it on the ServerConfig of its
framework, so what SPEC puts on a serving's pods lands on the pods that load its model: they
run under the serving's ServiceAccount (the cloud identity that reads the model's bucket),
on its pool (node selector and tolerations of pods.placement), with its resources (GPUs
included) and `image` on the model-server container. The operator merges `podSpec` into the
ServerConfig's pod (controllers/reconcilers/common/patch_utils.go `MergePodSpecs`: fields
override, lists append, containers merge by name: `rclone`, `agent`, and the server
`mlserver` / `triton`), and copies the Server's labels onto the pods
(server/statefulset_reconciler.go), which is how Azure's workload-identity label gets there.

The agent reads its ConfigMap and the rclone storage Secrets through the Kubernetes API
(scheduler/cmd/agent/main.go; the operator's `agent-role`, created with each SeldonRuntime,
grants that). Our ServiceAccounts mount no token, and model code must not hold one that reads
Secrets, so the token is projected into the agent container alone and a RoleBinding gives the
serving's account Seldon's `agent-role`. Every container gets the restricted security context
except a read-only root: rclone keeps its remotes in /rclone/rclone.conf (`--config`) in the
image. The sidecars get fixed requests = limits (pods.SELDON_AGENT / SELDON_RCLONE, Seldon's
values) so the namespace quota can count them. The StatefulSet's volume is the agent's model
cache: deleted with the Server or its scaled-down replicas instead of left behind.

A canary shares the Server when its framework needs the same ServerConfig: each replica's
model-server memory equals the Model's `memory` (resources.memory, default
pods.DEFAULT_MEMORY), so one Server replica holds one model replica (the agent overcommits by
10% only) and the Server gets twice the replicas. A canary on the other ServerConfig gets its
own Server `S-canary`. With `server` set the Models go to that existing Server instead, and
nothing here describes its pods.

Scaling: a Model's `replicas` starts at `replicas.min`. Without `autoscaling`, Seldon scales
the Model between `minReplicas` and `maxReplicas` on inference lag (helm value
`autoscaling.autoscalingModelEnabled`). `autoscaling: {metric: rps}` is an HPA per Model on the
custom metric `infer_rps` that Seldon's Prometheus Adapter rule derives from
`seldon_model_infer_total` (docs-gb/scaling/hpa-setup.md, model-hpa-autoscaling.md); the Model
then has no min/max, which switches lag scaling off. Either way Seldon's scheduler scales the
Server between its `minReplicas` and `maxReplicas` to fit the model replicas
(docs-gb/scaling/core-autoscaling-servers.md, on by default). `cpu` and `memory` cannot scale
a Model (its pods are the Server's, and Seldon forbids a second HPA on them) and are not
emitted.

Names and storage: objects are named after the serving, not the model, so two servings of one
model stay apart and the endpoint a client calls (`/v2/models/SERVING/infer`) does not change
when the canary is promoted. The Experiment sets `default` to the serving's Model, which makes
Seldon route that Model's own endpoint through the split (weights are relative: 100 - traffic :
traffic). Seldon downloads artifacts itself with rclone, whose remote is the URI's scheme
(`s3://`, `gs://` need remotes of those names, as Seldon's own samples use). An
`azureblob://ACCOUNT/CONTAINER/PATH` becomes `azureblob://CONTAINER/PATH`: an rclone azureblob
remote is per account. On a stack without a cloud, `platform.kubernetes.storageSecret` is the
Model's `secretName` (an rclone config, Seldon's format for storage secrets).
"""

from __future__ import annotations

from typing import Any

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.runtimes.seldon import TRITON_FRAMEWORKS
from mlstack.spec.serving import SeldonServing
from mlstack.spec.uris import parse
from mlstack.targets.kubernetes import identity, pods
from mlstack.targets.kubernetes.meta import Manifest, selector_labels

API = "mlops.seldon.io/v1alpha1"
RBAC = "rbac.authorization.k8s.io/v1"
CANARY_SUFFIX = "-canary"
AGENT_ROLE = "agent-role"
"""Role the Seldon operator creates beside every SeldonRuntime for the agent
(operator/controllers/reconcilers/seldon/rbac_reconciler.go)."""
TOKEN_VOLUME = "agent-api-token"
TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
"""Where client-go's in-cluster config reads the token, CA and namespace."""
RPS_METRIC = "infer_rps"
"""Custom metric name of Seldon's Prometheus Adapter rule (docs-gb/scaling/hpa-setup.md)."""


def seldon_uri(uri: str) -> str:
    """The storageUri Seldon's rclone copy understands for a model URI."""
    location = parse(uri)
    if location.scheme != "azureblob":
        return uri
    container = location.bucket.split("/", 1)[1]
    path = f"/{location.prefix}" if location.prefix else ""
    return f"azureblob://{container}{path}"


def server_config(framework: str) -> str:
    """Seldon's ServerConfig whose capabilities include the framework."""
    return "triton" if framework in TRITON_FRAMEWORKS else "mlserver"


def placements(plan: Plan, name: str) -> dict[str, str]:
    """Seldon Model name -> the Server it is scheduled on, for one serving."""
    serving = plan.spec.serving[name]
    assert isinstance(serving, SeldonServing)
    if serving.server is not None:
        out = {name: serving.server}
        if serving.canary is not None:
            out[f"{name}{CANARY_SUFFIX}"] = serving.server
        return out
    out = {name: name}
    if serving.canary is not None:
        canary = f"{name}{CANARY_SUFFIX}"
        models = plan.spec.models
        shared = server_config(models[serving.canary.model].framework) == server_config(
            models[serving.model].framework
        )
        out[canary] = name if shared else canary
    return out


def servers(plan: Plan, name: str) -> list[str]:
    """Names of the Servers hosting a serving's Models (their pods are `SERVER-N`)."""
    return sorted(set(placements(plan, name).values()))


def _model(plan: Plan, serving: SeldonServing, model_name: str, server: str) -> dict[str, Any]:
    model = plan.spec.models[model_name]
    spec: dict[str, Any] = {
        "storageUri": seldon_uri(model.uri),
        "requirements": [model.framework],
        "server": server,
        "replicas": serving.replicas.min,
    }
    if not _scales_on_rps(serving):
        spec["minReplicas"] = serving.replicas.min
        spec["maxReplicas"] = serving.replicas.max
    # On our own Server the Model's memory is the server container's, even by default.
    memory = serving.resources.memory or (pods.DEFAULT_MEMORY if serving.server is None else None)
    if memory is not None:
        spec["memory"] = memory
    secret = plan.spec.platform.kubernetes.storage_secret
    if plan.spec.platform.cloud is None and secret is not None:
        spec["secretName"] = secret
    return {"spec": spec}


def _scales_on_rps(serving: SeldonServing) -> bool:
    return serving.autoscaling is not None and serving.autoscaling.metric == "rps"


def _rps_hpa(name: str, serving: SeldonServing, model: str, source: PathKey) -> Manifest:
    """HPA of one Model on its requests per second (the serving's `name` labels it)."""
    assert serving.autoscaling is not None
    body = {
        "spec": {
            "scaleTargetRef": {"apiVersion": API, "kind": "Model", "name": model},
            "minReplicas": serving.replicas.min,
            "maxReplicas": serving.replicas.max,
            "metrics": [
                {
                    "type": "Object",
                    "object": {
                        "metric": {"name": RPS_METRIC},
                        "describedObject": {"apiVersion": API, "kind": "Model", "name": model},
                        "target": {
                            "type": "AverageValue",
                            # A Kubernetes quantity: `20`, `2.5`.
                            "averageValue": f"{serving.autoscaling.target:g}",
                        },
                    },
                }
            ],
        }
    }
    labels = selector_labels("serving", name)
    return Manifest("autoscaling/v2", "HorizontalPodAutoscaler", model, body, source, labels=labels)


def _token_volume() -> dict[str, Any]:
    """What automounting would give the pod (token, cluster CA, namespace), as a volume."""
    namespace = {"apiVersion": "v1", "fieldPath": "metadata.namespace"}
    ca = {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}
    return {
        "name": TOKEN_VOLUME,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"path": "token"}},
                {"configMap": ca},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": namespace}]}},
            ]
        },
    }


def _server(
    plan: Plan, name: str, serving: SeldonServing, config: str, copies: int
) -> dict[str, Any]:
    workload = plan.workload("serve", name)
    secure = pods.container_security(read_only_root=False)
    model_server: dict[str, Any] = {
        "name": config,
        "resources": pods.resources(serving.resources),
        "securityContext": secure,
    }
    if serving.image is not None:
        model_server["image"] = serving.image
    if env := pods.serving_env(serving):
        model_server["env"] = env
    agent = {
        "name": "agent",
        "resources": pods.resources(pods.SELDON_AGENT),
        "securityContext": secure,
        "volumeMounts": [{"name": TOKEN_VOLUME, "mountPath": TOKEN_DIR, "readOnly": True}],
    }
    rclone = {
        "name": "rclone",
        "resources": pods.resources(pods.SELDON_RCLONE),
        "securityContext": secure,
    }
    pod: dict[str, Any] = {
        "serviceAccountName": workload.service_account,
        "automountServiceAccountToken": False,
        "securityContext": pods.pod_security(),
        "containers": [model_server, agent, rclone],
        "volumes": [_token_volume()],
        **pods.serving_placement(plan, serving),
    }
    return {
        "spec": {
            "serverConfig": config,
            "replicas": serving.replicas.min * copies,
            "minReplicas": serving.replicas.min * copies,
            "maxReplicas": serving.replicas.max * copies,
            "podSpec": pod,
            "statefulSetPersistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Delete",
                "whenScaled": "Delete",
            },
        }
    }


def _agent_binding(plan: Plan, name: str) -> Manifest:
    account = plan.workload("serve", name).service_account
    body = {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": AGENT_ROLE},
        "subjects": [{"kind": "ServiceAccount", "name": account}],
    }
    return Manifest(RBAC, "RoleBinding", f"{account}-seldon-agent", body, ("serving", name))


def _serving(plan: Plan, name: str, serving: SeldonServing) -> list[Manifest]:
    labels = selector_labels("serving", name)
    hosts = placements(plan, name)
    models = {name: serving.model}
    if serving.canary is not None:
        models[f"{name}{CANARY_SUFFIX}"] = serving.canary.model
    out: list[Manifest] = []
    for seldon_name, model in models.items():
        source = ("serving", name) if seldon_name == name else ("serving", name, "canary")
        body = _model(plan, serving, model, hosts[seldon_name])
        out.append(
            Manifest(API, "Model", seldon_name, body, source, labels={**serving.labels, **labels})
        )
        if _scales_on_rps(serving):
            out.append(_rps_hpa(name, serving, seldon_name, source))
    if serving.server is None:
        pod_labels = {
            **serving.labels,
            **labels,
            **identity.pod_labels(plan, plan.workload("serve", name)),
        }
        for server in servers(plan, name):
            hosted = [m for m, host in hosts.items() if host == server]
            config = server_config(plan.spec.models[models[hosted[0]]].framework)
            body = _server(plan, name, serving, config, len(hosted))
            source = ("serving", name) if server == name else ("serving", name, "canary")
            out.append(
                Manifest(
                    API,
                    "Server",
                    server,
                    body,
                    source,
                    labels=pod_labels,
                    annotations=dict(serving.annotations),
                )
            )
        out.append(_agent_binding(plan, name))
    if serving.canary is not None:
        canary = f"{name}{CANARY_SUFFIX}"
        experiment = {
            "spec": {
                "default": name,
                "candidates": [
                    {"name": name, "weight": 100 - serving.canary.traffic},
                    {"name": canary, "weight": serving.canary.traffic},
                ],
            }
        }
        source = ("serving", name, "canary")
        out.append(Manifest(API, "Experiment", name, experiment, source, labels=labels))
    return out


def build(plan: Plan) -> list[Manifest]:
    out: list[Manifest] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, SeldonServing):
            out.extend(_serving(plan, name, serving))
    return out

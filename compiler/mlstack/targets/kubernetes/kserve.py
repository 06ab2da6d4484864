"""runtime: kserve -> KServe InferenceServices (serving.kserve.io/v1beta1) behind an
InferenceGraph (serving.kserve.io/v1alpha1) whose `Splitter` root node is the serving's entry
point. Sources: kserve/kserve at v0.20.0.

Why two InferenceServices and a graph, not `canaryTrafficPercent`: KServe splits a predictor's
`canaryTrafficPercent` only against its previously rolled-out revision, so in a fresh namespace,
after a re-create or on a new cluster the candidate takes 100% and the champion is never
deployed. v0.20's `spec.canary` list deploys both, but only in Standard (RawDeployment) mode,
with fixed canary replicas, and it splits by pod count behind one Service (canary replicas =
ceil(min * traffic / 100), components/predictor.go `canaryReplicaCount`): 10% of two replicas
is one pod each, a 50/50 split. Here the primary InferenceService `S` always serves
`serving.model` and, with a canary, `S-canary` serves `canary.model`; both are plain
InferenceServices that KServe rolls out on the first sync. The graph `S-graph` routes every
request to one of them by weight (`100 - traffic` / `traffic`; a single step of weight 100
without a canary), in both deployment modes.

Names never depend on the canary: adding, changing or promoting it leaves `S` and `S-graph` in
place (only their specs change), so clients keep calling the graph's URL and the primary is
never recreated. The router waits for both InferenceServices to be ready before it routes
(inferencegraph/controller.go resolves each step's URL from the InferenceService status) and
calls each at its own predict path (`/v1/models/S:predict`, `/v1/models/S-canary:predict`,
or v2 `/infer`): clients post to the graph's root and never name a model.

Both InferenceServices run under the serving's ServiceAccount (its grants cover the canary's
model), with the serving's pool, resources and replica range, and label their pods
`selector_labels("serving", S)`, so the serving's PodMonitor, alerts, dashboard and quota
cover the two together. The router pods carry the graph's labels (`S-graph`, component
`serving`: reachable like any serving, not scraped as the model), no ServiceAccount of the
serving (they read no storage; KServe mounts no token) and fixed requests = limits
(`pods.KSERVE_ROUTER`), counted in the namespace quota.
"""

from __future__ import annotations

from typing import Any

from mlstack import names
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.runtimes.kserve import MODEL_FORMAT, V2_ONLY
from mlstack.spec.serving import KServeServing
from mlstack.targets.kubernetes import identity, pods, quota
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.storage import storage_uri

GRAPH_LABEL = "serving.kserve.io/inferencegraph"
"""Label KServe puts on a graph's router pods, valued with the graph's name
(inferencegraph/knative_reconciler.go and raw_ig.go)."""
LOCAL_GATEWAY_PORT = 8081
"""Container port of Knative's cluster-local gateway pods (net-istio's knative-local-gateway,
net-kourier's kourier-internal: Service port 80 -> 8081)."""


def _predictor(plan: Plan, name: str, serving: KServeServing, served: str) -> dict[str, Any]:
    workload = plan.workload("serve", name)
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
    if env := pods.serving_env(serving):
        container["env"] = env
    predictor: dict[str, Any] = {
        "serviceAccountName": workload.service_account,
        "minReplicas": serving.replicas.min,
        "maxReplicas": serving.replicas.max,
        "securityContext": pods.pod_security(),
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "model": container,
        **pods.serving_placement(plan, serving),
    }
    if serving.autoscaling is not None:
        predictor["scaleMetric"] = serving.autoscaling.metric
        predictor["scaleTarget"] = round(serving.autoscaling.target)
    if not plan.spec.platform.kubernetes.kserve.knative:
        # KServe's own default surges a quarter; ours fits the namespace quota.
        predictor["deploymentStrategy"] = quota.rollout(serving.resources).strategy()
    predictor["labels"] = {
        **serving.labels,
        **selector_labels("serving", name),
        **identity.pod_labels(plan, workload),
    }
    if serving.annotations:
        predictor["annotations"] = dict(serving.annotations)
    return predictor


def _graph(name: str, serving: KServeServing) -> dict[str, Any]:
    steps = [{"name": "primary", "serviceName": name, "weight": 100}]
    if serving.canary is not None:
        steps = [
            {"name": "primary", "serviceName": name, "weight": 100 - serving.canary.traffic},
            {
                "name": "canary",
                "serviceName": names.kserve_canary(name),
                "weight": serving.canary.traffic,
            },
        ]
    return {
        "spec": {
            "nodes": {"root": {"routerType": "Splitter", "steps": steps}},
            "minReplicas": serving.replicas.min,
            "maxReplicas": serving.replicas.max,
            "resources": pods.resources(pods.KSERVE_ROUTER),
        }
    }


def _serving(plan: Plan, name: str, serving: KServeServing) -> list[Manifest]:
    kubernetes = plan.spec.platform.kubernetes
    mode = {
        "serving.kserve.io/deploymentMode": kubernetes.kserve.annotation(kubernetes.versions.kserve)
    }
    labels = selector_labels("serving", name)
    isvc = "serving.kserve.io/v1beta1", "InferenceService"
    variants: list[tuple[str, str, PathKey]] = [(name, serving.model, ("serving", name))]
    if serving.canary is not None:
        variants.append(
            (names.kserve_canary(name), serving.canary.model, ("serving", name, "canary"))
        )
    out = [
        Manifest(
            *isvc,
            isvc_name,
            {"spec": {"predictor": _predictor(plan, name, serving, model)}},
            source,
            labels={**serving.labels, **labels},
            annotations={**serving.annotations, **mode},
        )
        for isvc_name, model, source in variants
    ]
    graph = names.kserve_graph(name)
    body = _graph(name, serving)
    if plan.spec.platform.kubernetes.image_pull_secrets:
        # The router pods would run as the namespace's default account, which mlstack does
        # not own: an account of their own (no token, no identity) carries the pull secrets.
        body["spec"]["serviceAccountName"] = graph
        out.append(
            Manifest(
                "v1",
                "ServiceAccount",
                graph,
                {"automountServiceAccountToken": False},
                ("serving", name),
                labels=selector_labels("serving", graph),
            )
        )
    out.append(
        Manifest(
            "serving.kserve.io/v1alpha1",
            "InferenceGraph",
            graph,
            body,
            ("serving", name),
            labels=selector_labels("serving", graph),
            annotations=mode,
        )
    )
    return out


def _router_egress() -> Manifest:
    """In Serverless mode an InferenceService's address is a Knative cluster-local name that
    resolves to the cluster-local gateway (Istio's knative-local-gateway or Kourier's
    kourier-internal, both listening on 8081 in their own namespace), outside what the
    namespace's default deny lets pods reach. In RawDeployment mode the router calls the
    predictor Services of this namespace, which allow-same-namespace already opens."""
    return Manifest(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        "allow-graph-router-egress",
        {
            "spec": {
                "podSelector": {"matchExpressions": [{"key": GRAPH_LABEL, "operator": "Exists"}]},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [{"namespaceSelector": {}}],
                        "ports": [{"protocol": "TCP", "port": LOCAL_GATEWAY_PORT}],
                    }
                ],
            }
        },
        ("platform", "kubernetes", "kserve"),
    )


def build(plan: Plan) -> list[Manifest]:
    out: list[Manifest] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, KServeServing):
            out.extend(_serving(plan, name, serving))
    if out and plan.spec.platform.kubernetes.kserve.knative:
        out.append(_router_egress())
    return out

"""The namespace's NetworkPolicies: default deny, then one allowance per flow the stack
needs, derived from the spec, plus the flows `platform.kubernetes.network` declares.

Kubernetes isolates a pod for a direction as soon as any policy of that type selects it, and
then allows a connection when any rule of any selecting policy allows it; `default-deny`
selects every pod for both directions, so each policy below only adds. Flows:

- every pod: DNS (kube-dns), its own namespace (workers' rendezvous, MLflow, servings, Seldon's
  scheduler and envoy), HTTPS anywhere but the node's metadata server (object storage, token
  exchange, model hubs, W&B; the API server of managed clusters), the metadata server on GKE
  (Workload Identity), the API server port 6443 on clusters without a cloud (kubeadm's),
  `storageEndpoint`'s port (its namespace when the host is a `NAME.NAMESPACE.svc` name);
- the MLflow server: its database. The URI is a Secret, so the host is unknown: PostgreSQL's
  5432 and MySQL's 3306 on any address, from this one pod only;
- each in-cluster serving: from the ingress gateway (istio-system) on its serving ports, from
  Knative (knative-serving: activator and autoscaler) on queue-proxy's ports in Serverless
  mode, and from Prometheus (monitoring) on its metrics ports when `monitoring.prometheus`;
- notebooks: from the Kubeflow gateway (istio-system) and the notebook controller's culler
  (kubeflow) on the Jupyter port;
- Kubeflow Pipelines steps: the KFP API, ML Metadata and artifact store in `kubeflow`;
- drift jobs: the Pushgateway (drift.py).
"""

from __future__ import annotations

from typing import Any

from mlstack import names, runtimes
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.resolve.references import enabled
from mlstack.spec.network import NamespacePeer, endpoint_address
from mlstack.spec.serving import KServeServing, SeldonServing
from mlstack.targets.kubernetes import mlflow_server, monitoring, notebooks, plain
from mlstack.targets.kubernetes.meta import Manifest, selector_labels

SOURCE: PathKey = ("platform", "kubernetes")
METADATA_SERVER = "169.254.169.254/32"
ANYWHERE = {"ipBlock": {"cidr": "0.0.0.0/0", "except": [METADATA_SERVER]}}
MONITORING_NAMESPACE = "monitoring"
ISTIO_NAMESPACE = "istio-system"
KNATIVE_NAMESPACE = "knative-serving"
KUBEFLOW_NAMESPACE = "kubeflow"
DATABASE_PORTS = (5432, 3306)
KUBE_API_PORT = 6443
KNATIVE_PORTS = (8012, 8013, 9090)
"""queue-proxy: HTTP/1 and h2c from the activator and gateway, autoscaler metrics."""
KSERVE_RAW_PORT = 8080
"""The port every KServe runtime's container listens on."""
KFP_PORTS = (8887, 8888, 8080, 9000)
"""ml-pipeline REST and gRPC, metadata-grpc-service, the artifact store (MinIO/SeaweedFS)."""
NAMED_METRICS_PORTS = {"http-usermetric": 9091, "metrics": 9006}
"""Named ports of containers mlstack does not write: Knative's queue-proxy, Seldon's agent."""
WORKFLOW_PODS = {
    "matchExpressions": [{"key": "workflows.argoproj.io/workflow", "operator": "Exists"}]
}
"""Argo labels every pod of a workflow (Kubeflow Pipelines' included) with its workflow."""


def namespace_peer(namespace: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}


def tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def policy(
    name: str,
    selector: dict[str, Any],
    source: PathKey,
    *,
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
) -> Manifest:
    spec: dict[str, Any] = {"podSelector": selector, "policyTypes": []}
    if ingress is not None:
        spec["policyTypes"].append("Ingress")
        spec["ingress"] = ingress
    if egress is not None:
        spec["policyTypes"].append("Egress")
        spec["egress"] = egress
    return Manifest("networking.k8s.io/v1", "NetworkPolicy", name, {"spec": spec}, source)


def _everyone(plan: Plan) -> list[Manifest]:
    dns = {
        "to": [
            {
                **namespace_peer("kube-system"),
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    out = [
        Manifest(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            "default-deny",
            {"spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
            SOURCE,
        ),
        policy("allow-dns", {}, SOURCE, egress=[dns]),
        policy(
            "allow-same-namespace",
            {},
            SOURCE,
            ingress=[{"from": [{"podSelector": {}}]}],
            egress=[{"to": [{"podSelector": {}}]}],
        ),
        policy("allow-cloud-egress", {}, SOURCE, egress=_outbound(plan)),
    ]
    endpoint = plan.spec.platform.kubernetes.storage_endpoint
    if endpoint is not None:
        host, port = endpoint_address(endpoint)
        parts = host.split(".")
        in_cluster = len(parts) >= 3 and parts[2] == "svc"
        peer = namespace_peer(parts[1]) if in_cluster else ANYWHERE
        source = (*SOURCE, "storageEndpoint")
        out.append(
            policy(
                "allow-storage-endpoint", {}, source, egress=[{"to": [peer], "ports": tcp(port)}]
            )
        )
    return out


def _outbound(plan: Plan) -> list[dict[str, Any]]:
    """HTTPS out, never the node's metadata service, except on GKE where Workload Identity
    is served from it; on clusters without a cloud also the API server's own port."""
    rules: list[dict[str, Any]] = [{"to": [ANYWHERE], "ports": tcp(443)}]
    cloud = plan.spec.platform.cloud
    if cloud is None:
        rules.append({"to": [ANYWHERE], "ports": tcp(KUBE_API_PORT)})
    elif cloud.provider == "gcp":
        rules.append({"to": [{"ipBlock": {"cidr": METADATA_SERVER}}], "ports": tcp(80)})
    return rules


def _mlflow(plan: Plan) -> list[Manifest]:
    mlflow = plan.spec.tracking.mlflow
    if mlflow is None or not mlflow.deploy or mlflow.database is None:
        return []
    selector = {"matchLabels": selector_labels(mlflow_server.COMPONENT, names.MLFLOW)}
    rule = {"to": [ANYWHERE], "ports": tcp(*DATABASE_PORTS)}
    return [
        policy("allow-mlflow-database", selector, ("tracking", "mlflow", "database"), egress=[rule])
    ]


Served = KServeServing | SeldonServing | plain.PlainServing


def _serving_ports(plan: Plan, serving: Served) -> list[dict[str, Any]]:
    """Who reaches a serving's pods from outside the namespace, on which ports."""
    if isinstance(serving, KServeServing):
        if plan.spec.platform.kubernetes.kserve.knative:
            return [
                {"from": [namespace_peer(KNATIVE_NAMESPACE)], "ports": tcp(*KNATIVE_PORTS)},
                {"from": [namespace_peer(ISTIO_NAMESPACE)], "ports": tcp(*KNATIVE_PORTS[:2])},
            ]
        return [{"from": [namespace_peer(ISTIO_NAMESPACE)], "ports": tcp(KSERVE_RAW_PORT)}]
    if isinstance(serving, SeldonServing):
        return []  # clients reach Seldon's envoy, which runs in this namespace
    ports = [port for _, port in plain.server_of(serving.runtime).ports]
    return [{"from": [namespace_peer(ISTIO_NAMESPACE)], "ports": tcp(*ports)}]


def _metrics_ports(plan: Plan, name: str, serving: Served) -> list[int]:
    found = monitoring.profile(plan, name)
    assert found is not None  # an in-cluster serving
    server = runtimes.get(serving.runtime).server
    own = dict(server.ports) if server is not None else {}
    return sorted(
        {
            port if isinstance(port, int) else {**NAMED_METRICS_PORTS, **own}[port]
            for port, _ in found.endpoints
        }
    )


def _servings(plan: Plan) -> list[Manifest]:
    out = []
    scraped = plan.spec.monitoring.prometheus is not None
    for name, serving in plan.spec.serving.items():
        if not isinstance(serving, Served):
            continue
        if isinstance(serving, SeldonServing) and serving.server is not None:
            continue  # an existing Server: its pods are not this stack's
        rules = _serving_ports(plan, serving)
        if scraped:
            ports = tcp(*_metrics_ports(plan, name, serving))
            rules.append({"from": [namespace_peer(MONITORING_NAMESPACE)], "ports": ports})
        if rules:
            selector = {"matchLabels": selector_labels("serving", name)}
            out.append(policy(f"allow-{name}-ingress", selector, ("serving", name), ingress=rules))
        if isinstance(serving, KServeServing):
            # The InferenceGraph router in front (kserve.py) is what clients call: reached
            # like the serving, on the same ports, and not scraped as the model.
            graph = names.kserve_graph(name)
            selector = {"matchLabels": selector_labels("serving", graph)}
            callers = _serving_ports(plan, serving)
            out.append(
                policy(f"allow-{graph}-ingress", selector, ("serving", name), ingress=callers)
            )
    return out


def _notebooks(plan: Plan) -> list[Manifest]:
    if not plan.spec.notebooks:
        return []
    selector = {"matchLabels": {"app.kubernetes.io/component": notebooks.COMPONENT}}
    peers = [namespace_peer(ISTIO_NAMESPACE), namespace_peer(KUBEFLOW_NAMESPACE)]
    rule = {"from": peers, "ports": tcp(notebooks.PORT)}
    return [policy("allow-notebook-ingress", selector, ("notebooks",), ingress=[rule])]


def _kubeflow_pipelines(plan: Plan) -> list[Manifest]:
    if not any(p.engine == "kubeflow" for p in enabled(plan.spec.pipelines).values()):
        return []
    rule = {"to": [namespace_peer(KUBEFLOW_NAMESPACE)], "ports": tcp(*KFP_PORTS)}
    return [policy("allow-kubeflow-pipelines", WORKFLOW_PODS, ("pipelines",), egress=[rule])]


def _peer(value: str | NamespacePeer) -> dict[str, Any]:
    return (
        namespace_peer(value.namespace)
        if isinstance(value, NamespacePeer)
        else {"ipBlock": {"cidr": value}}
    )


def _declared(plan: Plan) -> list[Manifest]:
    network = plan.spec.platform.kubernetes.network
    source = (*SOURCE, "network")
    out = []
    if network.egress:
        rules = [{"to": [_peer(r.to)], "ports": tcp(*r.ports)} for r in network.egress]
        out.append(policy("allow-declared-egress", {}, (*source, "egress"), egress=rules))
    if network.ingress:
        rules = [{"from": [_peer(r.from_)], "ports": tcp(*r.ports)} for r in network.ingress]
        out.append(policy("allow-declared-ingress", {}, (*source, "ingress"), ingress=rules))
    return out


def build(plan: Plan) -> list[Manifest]:
    return [
        *_everyone(plan),
        *_mlflow(plan),
        *_servings(plan),
        *_notebooks(plan),
        *_kubeflow_pipelines(plan),
        *_declared(plan),
    ]

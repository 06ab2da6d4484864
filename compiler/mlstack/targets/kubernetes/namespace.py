"""The namespace and its guard rails: quota, default limits, and a default-deny network
policy with exactly the allowances an ML stack needs."""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.targets.kubernetes.meta import Manifest
from mlstack.targets.kubernetes.pods import DEFAULT_CPU, DEFAULT_MEMORY, budget

SOURCE = ("platform", "kubernetes")
MONITORING_NAMESPACE = "monitoring"
METADATA_SERVER = "169.254.169.254/32"


def _policy(name: str, body: dict[str, Any]) -> Manifest:
    return Manifest("networking.k8s.io/v1", "NetworkPolicy", name, {"spec": body}, SOURCE)


def build(plan: Plan) -> list[Manifest]:
    cpu, memory, gpu = budget(plan)
    hard = {
        "requests.cpu": cpu,
        "requests.memory": memory,
        "limits.cpu": cpu,
        "limits.memory": memory,
    }
    if gpu:
        hard["requests.nvidia.com/gpu"] = str(gpu)
    return [
        Manifest(
            "v1",
            "Namespace",
            plan.namespace,
            {},
            SOURCE,
            labels={
                # Restricted is warned and audited; baseline is enforced so that operator-
                # injected sidecars that are not yet restricted-clean still start.
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
            namespaced=False,
        ),
        Manifest("v1", "ResourceQuota", "mlstack-quota", {"spec": {"hard": hard}}, SOURCE),
        Manifest(
            "v1",
            "LimitRange",
            "mlstack-defaults",
            {
                "spec": {
                    "limits": [
                        {
                            "type": "Container",
                            "default": {"cpu": DEFAULT_CPU, "memory": DEFAULT_MEMORY},
                            "defaultRequest": {"cpu": DEFAULT_CPU, "memory": DEFAULT_MEMORY},
                        }
                    ]
                }
            },
            SOURCE,
        ),
        _policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy(
            "allow-dns",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    }
                ],
            },
        ),
        _policy(
            "allow-same-namespace",
            {
                # Training workers rendezvous, pipeline steps and notebooks reach MLflow and
                # the servings: pods of this stack may talk to each other, nothing more.
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {}}]}],
                "egress": [{"to": [{"podSelector": {}}]}],
            },
        ),
        _policy(
            "allow-serving-ingress",
            {
                "podSelector": {"matchLabels": {"app.kubernetes.io/component": "serving"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {}}]}],
            },
        ),
        _policy(
            "allow-prometheus-scrape",
            {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {
                                        "kubernetes.io/metadata.name": MONITORING_NAMESPACE
                                    }
                                }
                            }
                        ]
                    }
                ],
            },
        ),
        _policy("allow-cloud-egress", _cloud_egress(plan)),
    ]


def _cloud_egress(plan: Plan) -> dict[str, Any]:
    """HTTPS out (object storage, identity token exchange, model hubs), never the node's
    metadata service, except on GKE where Workload Identity is served from it."""
    rules: list[dict[str, Any]] = [
        {
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [METADATA_SERVER]}}],
            "ports": [{"protocol": "TCP", "port": 443}],
        }
    ]
    cloud = plan.spec.platform.cloud
    if cloud is not None and cloud.provider == "gcp":
        rules.append(
            {
                "to": [{"ipBlock": {"cidr": METADATA_SERVER}}],
                "ports": [{"protocol": "TCP", "port": 80}],
            }
        )
    return {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules}

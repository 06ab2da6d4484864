"""The namespace and its guard rails: quota (quota.py), default limits and Pod Security
labels; its NetworkPolicies are network.py's."""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.targets.kubernetes import quota
from mlstack.targets.kubernetes.meta import Manifest
from mlstack.targets.kubernetes.pods import DEFAULT_CPU, DEFAULT_MEMORY

SOURCE = ("platform", "kubernetes")


def build(plan: Plan) -> list[Manifest]:
    hard = quota.hard(plan)
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
    ]

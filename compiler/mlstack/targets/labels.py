"""The labels and annotations every generated object carries, Kubernetes or Argo CD alike."""

from __future__ import annotations

from mlstack.plan import Plan

MANAGED_BY = {"app.kubernetes.io/managed-by": "mlstack"}
SYNC_WAVE = "argocd.argoproj.io/sync-wave"


def common_labels(plan: Plan) -> dict[str, str]:
    return {
        **plan.labels,
        **MANAGED_BY,
        "mlstack.dev/stack": plan.stack,
        "mlstack.dev/environment": plan.environment,
    }


def owner_annotation(plan: Plan) -> dict[str, str]:
    """`mlstack.dev/owner: OWNER` from `metadata.owner`: who to ask about an object found
    in a cluster (an annotation, since an email address is no label value)."""
    owner = plan.spec.metadata.owner
    return {"mlstack.dev/owner": owner} if owner else {}

"""Azure Workload Identity client ids, put into the ServiceAccounts when kustomize builds.

The webhook needs each ServiceAccount's `azure.workload.identity/client-id`, and Azure assigns
the managed identity's client id only at `terraform apply`, after compile. So compile writes
no placeholder: the kustomization of an Azure environment generates a ConfigMap from
`azure-client-ids.env` (`SERVICEACCOUNT=CLIENT_ID` lines, which the deploy step writes from
the Terraform output `azure_workload_client_ids` with `mlstack azure-client-ids`) and its
`replacements` copy each value into that ServiceAccount's annotation (`options.create`, the
annotation is not there yet). The ConfigMap is annotated
`config.kubernetes.io/local-config: "true"`: kustomize drops it after the transformers ran,
so it is read at build time and never applied.

Until the file is there, `kustomize build` (and so Argo CD) fails, naming it; a ServiceAccount
missing from the file fails too, naming its key. Nothing starts without its identity.
"""

from __future__ import annotations

from typing import Any

from mlstack.names import AZURE_CLIENT_ID_ANNOTATION, AZURE_CLIENT_IDS, AZURE_CLIENT_IDS_FILE
from mlstack.needs import service_accounts
from mlstack.plan import Plan
from mlstack.targets.kubernetes import tofu

LOCAL_CONFIG = "config.kubernetes.io/local-config"


def _replacement(service_account: str) -> dict[str, Any]:
    return {
        "source": {
            "kind": "ConfigMap",
            "name": AZURE_CLIENT_IDS,
            "fieldPath": f"data.{service_account}",
        },
        "targets": [
            {
                "select": {"kind": "ServiceAccount", "name": service_account},
                "fieldPaths": [f"metadata.annotations.[{AZURE_CLIENT_ID_ANNOTATION}]"],
                "options": {"create": True},
            }
        ],
    }


def kustomization_fields(plan: Plan) -> dict[str, Any]:
    """`configMapGenerator` and `replacements` for kustomization.yaml; none off Azure or
    without identities."""
    accounts = service_accounts(plan)
    if not accounts or tofu.applies(plan):
        # Under the controller the ids come from its outputs Secret (tofu.py).
        return {}
    return {
        "configMapGenerator": [
            {
                "name": AZURE_CLIENT_IDS,
                "envs": [AZURE_CLIENT_IDS_FILE],
                "options": {"annotations": {LOCAL_CONFIG: "true"}},
            }
        ],
        "replacements": [_replacement(account) for account in sorted(accounts)],
    }

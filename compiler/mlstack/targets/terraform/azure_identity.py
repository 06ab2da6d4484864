"""Azure Workload Identity: a user-assigned managed identity for every Kubernetes workload that
reads cloud storage, trusted only by its own namespace/ServiceAccount, granted exactly its
containers and prefixes.

The identity's name is the plan's identity name (`mlstack.names.cloud_identity`). Trust is
one federated identity credential on it: issuer = the AKS cluster's `oidc_issuer_url`,
subject `system:serviceaccount:NS:SA`, audience `api://AzureADTokenExchange` (what the Azure
Workload Identity webhook's projected token carries); no other subject can exchange a token.

Azure RBAC scopes stop at the blob container, so each grant is a role assignment on exactly
`.../storageAccounts/ACCOUNT/blobServices/default/containers/CONTAINER` ("Storage Blob Data
Reader", or "Storage Blob Data Contributor" when the grant writes) and, when the grant has a
prefix, an ABAC condition (azurerm 5.2 `condition` + `condition_version = "2.0"`) limiting
every data action of the role to blobs at or under the prefix: reads and writes by the
`blobs:path` resource attribute, listing by the `blobs:prefix` request attribute (Azure docs,
"Example Azure role assignment conditions for Blob Storage", read or list / write blobs in
named containers with a path). Several prefixes in one container and role share one
assignment (Azure allows one assignment per principal, role and scope), their paths OR-ed.

The ServiceAccount needs the identity's client id in `azure.workload.identity/client-id`, and
Azure assigns it only at apply: `outputs` gives one Terraform output per workload (plus one
map), which the deploy step hands to the kustomization with `mlstack azure-client-ids`
(targets/kubernetes/azure_client_ids.py; see the note).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from mlstack.plan import Grant, Plan, Workload
from mlstack.spec.platform import AzureCloud
from mlstack.targets.terraform import azure_storage
from mlstack.targets.terraform.azure_attrs import (
    FederatedIdentityCredential,
    RoleAssignment,
    UserAssignedIdentity,
)
from mlstack.targets.terraform.azure_cluster import (
    azure_cloud,
    cluster,
    container_scope,
    identities,
)
from mlstack.targets.terraform.blocks import Block, Note, resource, tags, tf_name

AUDIENCE = "api://AzureADTokenExchange"
READER = "Storage Blob Data Reader"
CONTRIBUTOR = "Storage Blob Data Contributor"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
_BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
READ = f"{_BLOBS}/read"
WRITES = (f"{_BLOBS}/write", f"{_BLOBS}/add/action", f"{_BLOBS}/delete")


def subject(namespace: str, service_account: str) -> str:
    return f"system:serviceaccount:{namespace}:{service_account}"


def _at_or_under(attribute: str, prefixes: list[str]) -> str:
    """`P` itself or anything under `P/` (so `v12` never matches `v120`)."""
    return " OR ".join(
        f"@{attribute} StringEquals '{p}' OR @{attribute} StringStartsWith '{p}/'" for p in prefixes
    )


def prefix_condition(prefixes: list[str], write: bool) -> str:
    """ABAC condition (version 2.0) limiting the role's data actions to `prefixes`."""
    path = _at_or_under(f"Resource[{_BLOBS}:path]", prefixes)
    listed = _at_or_under(f"Request[{_BLOBS}:prefix]", prefixes)
    clauses = [
        f"(!(ActionMatches{{'{READ}'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR ({path})",
        f"(!(ActionMatches{{'{READ}'}} AND SubOperationMatches{{'Blob.List'}})) OR ({listed})",
    ]
    if write:
        actions = " AND ".join(f"!(ActionMatches{{'{a}'}})" for a in WRITES)
        clauses.append(f"({actions}) OR ({path})")
    return " AND ".join(f"({clause})" for clause in clauses)


def grouped(grants: tuple[Grant, ...]) -> dict[tuple[str, bool], list[str]]:
    """Grants by (ACCOUNT/CONTAINER, write): their prefixes; [""] means the whole container."""
    found: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for grant in grants:
        if grant.scheme == "azureblob":
            found[(grant.bucket, grant.write)].append(grant.prefix)
    return dict(found)


def role_assignments(
    cloud: AzureCloud,
    name: str,
    principal_id: str,
    grants: tuple[Grant, ...],
    source: Any,
    what: str,
) -> list[Block]:
    """One assignment per container and role; the prefix condition unless a grant covers the
    whole container. Used for workload identities and for Azure ML endpoints."""
    out = []
    for index, ((bucket, write), prefixes) in enumerate(sorted(grouped(grants).items())):
        body: RoleAssignment = {
            "scope": container_scope(cloud, bucket),
            "role_definition_name": CONTRIBUTOR if write else READER,
            "principal_id": principal_id,
            "principal_type": "ServicePrincipal",
            "description": f"mlstack: {what} {'reads and writes' if write else 'reads'} "
            + ", ".join(
                f"azureblob://{bucket}/{p}" if p else f"azureblob://{bucket}" for p in prefixes
            ),
        }
        if all(prefixes):
            body["condition"] = prefix_condition(sorted(set(prefixes)), write)
            body["condition_version"] = "2.0"
        out.append(resource("azurerm_role_assignment", f"{name}_{index}", body, source))
    return out


def _workload(plan: Plan, cloud: AzureCloud, issuer: str, workload: Workload) -> list[Block]:
    assert workload.identity is not None
    name = tf_name(workload.service_account)
    identity_body: UserAssignedIdentity = {
        "name": workload.identity,
        "location": cloud.region,
        "resource_group_name": cloud.resource_group,
        "tags": tags(plan),
    }
    identity = resource("azurerm_user_assigned_identity", name, identity_body, workload.source)
    trust: FederatedIdentityCredential = {
        "name": f"{plan.namespace}-{workload.service_account}"[:120],
        "user_assigned_identity_id": identity.ref("id"),
        "issuer": issuer,
        "subject": subject(plan.namespace, workload.service_account),
        "audience": [AUDIENCE],
    }
    what = f"{plan.namespace}/{workload.service_account}"
    return [
        identity,
        resource("azurerm_federated_identity_credential", name, trust, workload.source),
        *role_assignments(
            cloud, name, identity.ref("principal_id"), workload.grants, workload.source, what
        ),
    ]


def outputs(plan: Plan) -> dict[str, dict[str, str]]:
    """Terraform outputs with each workload's client id: `azure_client_id_SA` per workload and
    `azure_workload_client_ids` (ServiceAccount name -> client id), which
    `mlstack azure-client-ids` writes as the kustomization's env file. Blocks cannot carry
    outputs, so compile_plan puts these under `output`."""
    if azure_cloud(plan) is None or not identities(plan):
        return {}
    found: dict[str, dict[str, str]] = {}
    pairs = []
    for workload in identities(plan):
        name = tf_name(workload.service_account)
        ref = f"${{azurerm_user_assigned_identity.{name}.client_id}}"
        found[f"azure_client_id_{name}"] = {
            "value": ref,
            "description": f"{CLIENT_ID_ANNOTATION} of ServiceAccount "
            f"{plan.namespace}/{workload.service_account}",
        }
        pairs.append(f'"{workload.service_account}" = {ref[2:-1]}')
    found["azure_workload_client_ids"] = {
        "value": "${{" + ", ".join(pairs) + "}}",
        "description": f"ServiceAccount name -> {CLIENT_ID_ANNOTATION}, namespace {plan.namespace}",
    }
    return found


def build(plan: Plan) -> list[Block | Note]:
    cloud = azure_cloud(plan)
    aks = cluster(plan)
    if cloud is None or aks is None or not identities(plan):
        return []
    out: list[Block | Note] = []
    for workload in identities(plan):
        out += _workload(plan, cloud, aks.ref("oidc_issuer_url"), workload)
    owned = azure_storage.artifact_container(plan)
    if owned is not None:
        # Grants on the MLflow container wait for it (azure_storage creates it).
        scope = container_scope(cloud, "/".join(owned))
        container = f"azurerm_storage_container.{tf_name(f'mlflow-{owned[1]}')}"
        for block in out:
            if isinstance(block, Block) and block.body.get("scope") == scope:
                block.body["depends_on"] = [container]
    out.append(
        Note(
            f"Azure Workload Identity needs the OIDC issuer and workload identity enabled on "
            f"cluster '{cloud.cluster}' (the mutating webhook). Prefix "
            "grants are ABAC conditions, which apply to accounts without hierarchical "
            "namespace as written (with it, rename/move and runAsSuperUser need their own "
            "clauses); role assignments take up to a few minutes to apply.",
            ("platform", "cloud"),
        )
    )
    return out

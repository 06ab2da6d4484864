"""GKE Workload Identity: a Google service account for every Kubernetes workload that reads
cloud storage, trusted only by its own namespace/ServiceAccount, granted exactly its prefixes.

The service account id is the plan's identity name (`mlstack.names.cloud_identity`), which the
Kubernetes target writes into the ServiceAccount's `iam.gke.io/gcp-service-account`
annotation, so the two can never disagree. Trust is `roles/iam.workloadIdentityUser` on that
service account for exactly one member, `serviceAccount:PROJECT.svc.id.goog[NS/KSA]` (the
project's workload identity pool), and nothing else may impersonate it.

GCS IAM is per bucket, so a grant on a prefix is a bucket binding with an IAM condition: the
objects named exactly PREFIX or under PREFIX/ (`resource.name` of an object is
`projects/_/buckets/BUCKET/objects/NAME`), plus listing requests whose prefix is PREFIX or
under it (the `storage.googleapis.com/objectListPrefix` request attribute; a list request is
checked against the bucket, not an object). Read is `roles/storage.objectViewer`, read-write
`roles/storage.objectUser` (create/overwrite/delete objects, no IAM or bucket settings); both
are predefined roles, which accept conditions (basic and legacy bucket roles do not), and
conditions need uniform bucket-level access on the bucket.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlstack.load import PathKey
from mlstack.plan import Grant, Plan, Workload
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name
from mlstack.targets.terraform.gcp_attrs import (
    ServiceAccount,
    ServiceAccountIamMember,
    StorageBucketIamMember,
)
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, identities

READ_ROLE = "roles/storage.objectViewer"
WRITE_ROLE = "roles/storage.objectUser"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"


def workload_member(project: str, namespace: str, service_account: str) -> str:
    """The Kubernetes ServiceAccount as an IAM principal of the project's workload pool."""
    return f"serviceAccount:{project}.svc.id.goog[{namespace}/{service_account}]"


def prefix_condition(bucket: str, prefix: str) -> str:
    """CEL: objects at or under `prefix`, and listing at or under it (never a sibling such as
    `v12` matching `v120`)."""
    objects = f"projects/_/buckets/{bucket}/objects/{prefix}"
    listed = 'api.getAttribute("storage.googleapis.com/objectListPrefix", "")'
    return (
        f'resource.name == "{objects}" || resource.name.startsWith("{objects}/") || '
        f'{listed} == "{prefix}" || {listed}.startsWith("{prefix}/")'
    )


def bucket_grants(name: str, member: str, grants: Iterable[Grant], source: PathKey) -> list[Block]:
    """One bucket binding per grant (gs:// only): its role, and its prefix as a condition."""
    out = []
    for index, grant in enumerate(g for g in grants if g.scheme == "gs"):
        body: StorageBucketIamMember = {
            "bucket": grant.bucket,
            "role": WRITE_ROLE if grant.write else READ_ROLE,
            "member": member,
        }
        if grant.prefix:
            body["condition"] = [
                {
                    "title": f"{'read-write' if grant.write else 'read'} {grant.prefix}"[:100],
                    "description": f"gs://{grant.bucket}/{grant.prefix} only (mlstack)",
                    "expression": prefix_condition(grant.bucket, grant.prefix),
                }
            ]
        out.append(resource("google_storage_bucket_iam_member", f"{name}_{index}", body, source))
    return out


def service_account(name: str, account_id: str, display: str, source: PathKey) -> Block:
    body: ServiceAccount = {
        "account_id": account_id,
        "display_name": display[:100],
        "description": "Managed by mlstack",
    }
    return resource("google_service_account", name, body, source)


def workload_account(workload: Workload) -> str:
    """Block name of the Google service account of an in-cluster workload."""
    return tf_name(workload.service_account)


def serving_account(kind: str, serving: str) -> str:
    """Block name of the Google service account of a cloud serving (`vertex` or `run`)."""
    return f"{kind}_{tf_name(serving)}"


def training_account(role: str, model: str) -> str:
    """Block name of a Vertex AI training account (`train`) or of its scheduler's."""
    return f"vertex_{role}_{tf_name(model)}"


def _workload(plan: Plan, project: str, workload: Workload) -> list[Block]:
    assert workload.identity is not None
    name = workload_account(workload)
    account = service_account(
        name,
        workload.identity,
        f"{plan.stack}/{plan.environment} {plan.namespace}/{workload.service_account}",
        workload.source,
    )
    trust: ServiceAccountIamMember = {
        "service_account_id": account.ref("name"),
        "role": WORKLOAD_IDENTITY_USER,
        "member": workload_member(project, plan.namespace, workload.service_account),
    }
    member = f"serviceAccount:{account.ref('email')}"
    return [
        account,
        resource("google_service_account_iam_member", name, trust, workload.source),
        *bucket_grants(name, member, workload.grants, workload.source),
    ]


def build(plan: Plan) -> list[Block | Note]:
    cloud = gcp_cloud(plan)
    if cloud is None or not identities(plan):
        return []
    out: list[Block | Note] = []
    for workload in identities(plan):
        out += _workload(plan, cloud.project, workload)
    buckets = sorted({g.bucket for w in identities(plan) for g in w.grants if g.scheme == "gs"})
    out.append(
        Note(
            f"Workload Identity needs it enabled on cluster '{cloud.cluster}' (workload pool "
            f"{cloud.project}.svc.id.goog) and GKE_METADATA on its node pools; the prefix "
            "grants are IAM conditions, which need uniform bucket-level access on "
            + ", ".join(f"gs://{b}" for b in buckets)
            + ".",
            ("platform", "cloud"),
        )
    )
    return out

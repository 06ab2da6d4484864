"""The EKS cluster the stack lands in, and an IAM role for every Kubernetes workload.

The cluster is not ours: a `data.aws_eks_cluster` reads it (by `platform.cloud.cluster`) for its
OIDC issuer (IRSA), its name (Pod Identity) and subnets (node pools). Each workload of
`plan.workloads` with an identity gets an IAM role of exactly that name whose inline policy
reaches exactly the workload's grants, and which trusts only that namespace/ServiceAccount:

- `identity: irsa`: the Kubernetes target writes the role into the ServiceAccount's
  `eks.amazonaws.com/role-arn`; the role trusts the cluster's OIDC provider (`sub` and `aud`
  both pinned).
- `identity: pod-identity`: an `aws_eks_pod_identity_association` binds the role to the
  ServiceAccount (no annotation); the role trusts `pods.eks.amazonaws.com` for `sts:AssumeRole`
  and `sts:TagSession`, limited by the session tags EKS sets (cluster name, namespace,
  ServiceAccount), so no other association in the account can use it.
"""

from __future__ import annotations

from mlstack import names
from mlstack.plan import Plan, Workload
from mlstack.spec.platform import AwsCloud
from mlstack.targets.terraform.aws_attrs import (
    DataEksCluster,
    EksPodIdentityAssociation,
    IamRole,
    Statement,
)
from mlstack.targets.terraform.aws_iam import document, inline_policy, s3_statements
from mlstack.targets.terraform.blocks import Block, Note, data, resource, tf_name

AUDIENCE = "sts.amazonaws.com"


def scoped(plan: Plan, name: str, limit: int = 63) -> str:
    """`STACK-ENV-NAME`: unique in an account or cluster that several stacks and environments
    share; cut with a short hash past `limit` (63 for EKS node groups and SageMaker names)."""
    return names.scoped(plan.stack, plan.environment, name, limit)


def aws_cloud(plan: Plan) -> AwsCloud | None:
    cloud = plan.spec.platform.cloud
    return cloud if isinstance(cloud, AwsCloud) else None


def identities(plan: Plan) -> list[Workload]:
    return [w for w in plan.workloads if w.identity is not None]


def needs_cluster(plan: Plan) -> bool:
    return bool(plan.spec.compute) or bool(identities(plan))


def cluster(plan: Plan) -> Block | None:
    """The cluster data source (emitted once, by `build`; other modules only reference it)."""
    cloud = aws_cloud(plan)
    if cloud is None or cloud.cluster is None or not needs_cluster(plan):
        return None
    body: DataEksCluster = {"name": cloud.cluster}
    return data("aws_eks_cluster", tf_name(cloud.cluster), body, ("platform", "cloud", "cluster"))


def issuer_host(eks: Block) -> str:
    """The issuer without its 8-character `https://` scheme, as IAM names the OIDC provider and
    its condition keys (`substr` keeps the JSON free of string literals and of `//`)."""
    issuer = eks.ref("identity[0].oidc[0].issuer")[2:-1]
    return f"${{substr({issuer}, 8, -1)}}"


def subject(plan: Plan, workload: Workload) -> str:
    return f"system:serviceaccount:{plan.namespace}:{workload.service_account}"


def _irsa_trust(plan: Plan, cloud: AwsCloud, eks: Block, workload: Workload) -> Statement:
    host = issuer_host(eks)
    return {
        "sid": "ServiceAccount",
        "effect": "Allow",
        "actions": ["sts:AssumeRoleWithWebIdentity"],
        "principals": [
            {
                "type": "Federated",
                "identifiers": [f"arn:aws:iam::{cloud.account}:oidc-provider/{host}"],
            }
        ],
        "condition": [
            {
                "test": "StringEquals",
                "variable": f"{host}:sub",
                "values": [subject(plan, workload)],
            },
            {"test": "StringEquals", "variable": f"{host}:aud", "values": [AUDIENCE]},
        ],
    }


POD_IDENTITY = "pods.eks.amazonaws.com"
"""The service principal of EKS Pod Identity (EKS user guide, pod-id-role)."""


def _pod_identity_trust(plan: Plan, cloud: AwsCloud, workload: Workload) -> Statement:
    """The session tags EKS Pod Identity sets on every AssumeRole (unless an association
    disables them, which ours never do) pin the cluster, namespace and ServiceAccount."""
    tags = {
        "eks-cluster-name": cloud.cluster or "",
        "kubernetes-namespace": plan.namespace,
        "kubernetes-service-account": workload.service_account,
    }
    return {
        "sid": "PodIdentity",
        "effect": "Allow",
        "actions": ["sts:AssumeRole", "sts:TagSession"],
        "principals": [{"type": "Service", "identifiers": [POD_IDENTITY]}],
        "condition": [
            {"test": "StringEquals", "variable": f"aws:RequestTag/{tag}", "values": [value]}
            for tag, value in tags.items()
        ],
    }


def _role(plan: Plan, cloud: AwsCloud, eks: Block, workload: Workload) -> list[Block]:
    assert workload.identity is not None
    name = tf_name(workload.service_account)
    pod_identity = cloud.identity == "pod-identity"
    statement = (
        _pod_identity_trust(plan, cloud, workload)
        if pod_identity
        else _irsa_trust(plan, cloud, eks, workload)
    )
    trust = document(f"{name}_trust", [statement], workload.source)
    mechanism = "EKS Pod Identity" if pod_identity else "IRSA"
    body: IamRole = {
        "name": workload.identity,
        "description": f"{mechanism} role of ServiceAccount {plan.namespace}/{workload.service_account}",
        "assume_role_policy": trust.ref("json"),
    }
    role = resource("aws_iam_role", name, body, workload.source)
    grants = [g for g in workload.grants if g.scheme == "s3"]
    policy = inline_policy(name, "storage", role, s3_statements(grants), workload.source)
    out = [trust, role, *policy]
    if pod_identity:
        association: EksPodIdentityAssociation = {
            "cluster_name": eks.ref("name"),
            "namespace": plan.namespace,
            "service_account": workload.service_account,
            "role_arn": role.ref("arn"),
        }
        out.append(resource("aws_eks_pod_identity_association", name, association, workload.source))
    return out


PREREQUISITE = {
    "irsa": "IRSA roles trust the IAM OIDC provider of EKS cluster '{cluster}'; it must be "
    "registered in the account (eksctl utils associate-iam-oidc-provider, or the cluster's "
    "own Terraform).",
    "pod-identity": "Pod Identity associations need the EKS Pod Identity Agent add-on "
    "(eks-pod-identity-agent) on EKS cluster '{cluster}' (aws eks create-addon, or the "
    "cluster's own Terraform); without it pods get no AWS credentials.",
}


def build(plan: Plan) -> list[Block | Note]:
    cloud = aws_cloud(plan)
    eks = cluster(plan)
    if cloud is None or eks is None:
        return []
    out: list[Block | Note] = [eks]
    for workload in identities(plan):
        out += _role(plan, cloud, eks, workload)
    if identities(plan):
        text = PREREQUISITE[cloud.identity].format(cluster=cloud.cluster)
        out.append(Note(text, ("platform", "cloud", "cluster")))
    return out

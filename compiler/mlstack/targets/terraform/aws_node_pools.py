"""`compute` pools as EKS managed node groups that the Kubernetes side can target.

Every group carries the `mlstack.dev/pool` label the workloads select, the GPU taint on
accelerator pools and the spot taint on spot pools (the same `mlstack.names` constants the
Kubernetes target tolerates), so a pod lands exactly where the spec put it. The groups join the
existing cluster: subnets are the pool's `subnets` or else the cluster's `vpc_config`, and one node role per stack/environment
holds the three policies EKS documents for managed nodes.
"""

from __future__ import annotations

import re
from typing import Literal

from mlstack import names
from mlstack.plan import Plan
from mlstack.spec.compute import Pool, disk_gib, node_taints
from mlstack.targets.terraform.aws_attrs import EksNodeGroup, IamRolePolicyAttachment, Taint
from mlstack.targets.terraform.aws_cluster import aws_cloud, cluster, scoped
from mlstack.targets.terraform.aws_iam import service_role
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name

NODE_POLICIES = {
    # AWS managed policies a managed node group's role needs (EKS User Guide, "Amazon EKS
    # node IAM role"): join the cluster, run the VPC CNI, pull images from ECR.
    "worker": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "cni": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "ecr": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
}
Effect = Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]
EFFECT: dict[str, Effect] = {
    "NoSchedule": "NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
}
_ARM = re.compile(r"^(a1|[a-z]+[0-9]+g[a-z]*)\.")
"""Graviton families (m7g, c7gn, g5g, a1): they need the arm64 AMI types."""


def ami_type(pool: Pool) -> str:
    """EKS AMI type: Amazon Linux 2023, with the NVIDIA driver on accelerator pools."""
    arch = "ARM_64" if _ARM.match(pool.instance_type) else "x86_64"
    return f"AL2023_{arch}_{'NVIDIA' if pool.accelerator else 'STANDARD'}"


def taints(pool: Pool) -> list[Taint]:
    return [
        {"key": key, "value": value, "effect": EFFECT[effect]}
        for key, value, effect in node_taints(pool, "aws")
    ]


def build(plan: Plan) -> list[Block | Note]:
    cloud = aws_cloud(plan)
    eks = cluster(plan)
    if cloud is None or eks is None or not plan.spec.compute:
        return []
    source = ("compute",)
    trust, role = service_role(
        "nodes",
        names.cloud_identity("aws", plan.stack, plan.environment, "eks-nodes"),
        "ec2.amazonaws.com",
        f"EKS node role of stack {plan.stack} ({plan.environment})",
        source,
    )
    out: list[Block | Note] = [trust, role]
    attachments = []
    for key, arn in NODE_POLICIES.items():
        body: IamRolePolicyAttachment = {"role": role.ref("name"), "policy_arn": arn}
        attachment = resource("aws_iam_role_policy_attachment", f"nodes_{key}", body, source)
        attachments.append(f"{attachment.type}.{attachment.name}")
        out.append(attachment)
    for name, pool in plan.spec.compute.items():
        group: EksNodeGroup = {
            "cluster_name": eks.ref("name"),
            "node_group_name": scoped(plan, name),
            "node_role_arn": role.ref("arn"),
            "subnet_ids": list(pool.subnets) or eks.ref("vpc_config[0].subnet_ids"),
            "instance_types": [pool.instance_type],
            "capacity_type": "SPOT" if pool.spot else "ON_DEMAND",
            "ami_type": ami_type(pool),
            "labels": {**pool.labels, **names.pool_labels(plan.stack, plan.environment, name)},
            "scaling_config": [
                {
                    "desired_size": pool.nodes.min,
                    "min_size": pool.nodes.min,
                    "max_size": pool.nodes.max,
                }
            ],
            "update_config": [{"max_unavailable": 1}],
            # Policies first, so nodes can join; desired_size belongs to the autoscaler.
            "depends_on": attachments,
            "lifecycle": {"ignore_changes": ["scaling_config[0].desired_size"]},
        }
        if taints(pool):
            group["taint"] = taints(pool)
        if (size := disk_gib(pool)) is not None:
            group["disk_size"] = size
        if pool.ami_release_version is not None:
            group["release_version"] = pool.ami_release_version
        out.append(resource("aws_eks_node_group", tf_name(name), group, ("compute", name)))
    out.append(
        Note(
            f"Node groups without `subnets` use the subnets of cluster '{cloud.cluster}' (its "
            "vpc_config); scaling "
            "between nodes.min and nodes.max needs Cluster Autoscaler or Karpenter in the cluster.",
            source,
        )
    )
    return out

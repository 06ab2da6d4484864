"""Identities of what the cloud runs are decided in resolve (`Plan.cloud_roles`): the
Terraform target renders exactly those names and grants, and computes none of its own."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mlstack import runtimes
from mlstack.plan import Grant, Plan
from tests.helpers import cloud_plans
from tests.targets import tf_output as tf


def _identities(doc: dict[str, object], provider: str) -> set[str]:
    if provider == "aws":
        return {b["name"] for b in tf.blocks(doc, "aws_iam_role").values()}
    return {b["account_id"] for b in tf.blocks(doc, "google_service_account").values()}


@pytest.mark.parametrize("provider", ["aws", "gcp"])
def test_every_cloud_role_is_the_role_the_target_writes(provider: str) -> None:
    plans = cloud_plans(provider)
    assert any(plan.cloud_roles for plan in plans)
    for plan in plans:
        written = _identities(tf.document(plan), provider)
        for role in plan.cloud_roles:
            assert role.identity in written, (plan.stack, role)


def test_cloud_servings_read_exactly_their_models() -> None:
    (plan,) = [p for p in cloud_plans("aws") if p.stack == "fraud" and p.environment == "prod"]
    role = plan.cloud_role("sagemaker", "fraud-batch")
    assert runtimes.get("sagemaker").identity == "sagemaker"
    assert role.identity is not None and role.identity.endswith("sagemaker-fraud-batch")
    location = plan.spec.models[plan.spec.serving["fraud-batch"].model].uri
    assert [f"s3://{g.bucket}/{g.prefix}" for g in role.grants] == [location]


def test_the_target_renders_the_plans_grants_not_its_own() -> None:
    """Change the decision in the plan: the IAM policy follows it."""
    (plan,) = [p for p in cloud_plans("aws") if p.stack == "fraud" and p.environment == "prod"]
    wider = Grant("s3", "acme-elsewhere", "other", False)
    roles = tuple(
        replace(r, grants=(wider,)) if r.kind == "sagemaker" else r for r in plan.cloud_roles
    )
    changed: Plan = replace(plan, cloud_roles=roles)
    assert "acme-elsewhere" not in json.dumps(tf.document(plan))
    assert "acme-elsewhere" in json.dumps(tf.document(changed))

"""The Terraform target: `Plan` -> `terraform/main.tf.json` through cdktf, for stacks with a
cloud. Each module returns `Block`s for one concern of one cloud (plus `Note`s for NOTES.md and
`File`s written beside the JSON); this module adds the `terraform` settings (pinned providers,
the backend) and provider blocks, and writes sorted, pretty JSON that
`terraform init && terraform plan` reads as is, with the spec's overrides beside it in
override.tf.json."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from mlstack import prerequisites
from mlstack.plan import Plan
from mlstack.spec.platform import AwsCloud, AzureCloud, GcpCloud
from mlstack.targets import Artifact
from mlstack.targets.terraform import (
    aws_alarms,
    aws_cluster,
    aws_features,
    aws_lambda,
    aws_node_pools,
    aws_serving,
    aws_storage,
    aws_training,
    azure_alarms,
    azure_cluster,
    azure_functions,
    azure_identity,
    azure_node_pools,
    azure_registrations,
    azure_registry,
    azure_serving,
    azure_storage,
    azure_training,
    controller,
    gcp_alarms,
    gcp_cluster,
    gcp_features,
    gcp_identity,
    gcp_invokers,
    gcp_node_pools,
    gcp_serving,
    gcp_storage,
    gcp_training,
    overrides,
)
from mlstack.targets.terraform.blocks import PROVIDERS, Block, File, Note, gcp_labels, tags
from mlstack.targets.terraform.synth import synthesize

Builder = Callable[[Plan], Sequence[Block | Note | File]]

BUILDERS: dict[str, tuple[Builder, ...]] = {
    "aws": (
        aws_cluster.build,
        aws_node_pools.build,
        aws_storage.build,
        aws_serving.build,
        aws_lambda.build,
        aws_alarms.build,
        aws_training.build,
        aws_features.build,
    ),
    "gcp": (
        gcp_cluster.build,
        gcp_node_pools.build,
        gcp_identity.build,
        gcp_storage.build,
        gcp_serving.build,
        gcp_invokers.build,
        gcp_alarms.build,
        gcp_training.build,
        gcp_features.build,
    ),
    "azure": (
        azure_cluster.build,
        azure_node_pools.build,
        azure_identity.build,
        azure_storage.build,
        azure_registry.build,
        azure_serving.build,
        azure_functions.build,
        azure_alarms.build,
        azure_training.build,
    ),
}

FOLDER = "terraform"


def _providers(plan: Plan, used: set[str]) -> dict[str, Any]:
    """One configuration per provider, as an object (not Terraform JSON's list form, which
    checkov's parser rejects; there are no aliases to need it)."""
    cloud = plan.spec.platform.cloud
    blocks: dict[str, Any] = {}
    if isinstance(cloud, AwsCloud):
        blocks["aws"] = {
            "region": cloud.region,
            "allowed_account_ids": [cloud.account],
            "default_tags": [{"tags": tags(plan)}],
        }
    elif isinstance(cloud, GcpCloud):
        blocks["google"] = {
            "project": cloud.project,
            "region": cloud.region,
            "default_labels": gcp_labels(plan),
        }
    elif isinstance(cloud, AzureCloud):
        blocks["azurerm"] = {"features": [{}], "subscription_id": cloud.subscription}
        if "azapi" in used:
            blocks["azapi"] = {"subscription_id": cloud.subscription}
    return blocks


def _provider_of(block_type: str) -> str:
    return {"aws": "aws", "google": "google", "azurerm": "azurerm", "azapi": "azapi"}[
        block_type.split("_", 1)[0]
    ]


def notes_file(plan: Plan, notes: list[Note]) -> bytes:
    """NOTES.md: the prerequisites under one heading, which mlstack/prerequisites.py reads
    back for `compile`."""
    items = [f"- {n.text} ({plan.source(n.source)})" for n in notes]
    return ("\n".join([prerequisites.HEADING, "", *items]) + "\n").encode()


def compile_plan(plan: Plan) -> list[Artifact]:
    cloud = plan.spec.platform.cloud
    if cloud is None:
        return []
    builders = (*BUILDERS[cloud.provider], controller.build)
    produced = [item for build in builders for item in build(plan)]
    blocks = [item for item in produced if isinstance(item, Block)]
    notes = [item for item in produced if isinstance(item, Note)]
    if cloud.provider == "azure" and (registrations := azure_registrations.note(blocks)):
        notes.append(registrations)
    files = sorted((item for item in produced if isinstance(item, File)), key=lambda f: f.path)
    paths = Counter(f.path for f in files)
    if clashes := sorted(path for path, count in paths.items() if count > 1):
        raise AssertionError(f"two Terraform files share a path: {clashes}")
    addresses = Counter((b.kind, b.type, b.name) for b in blocks)
    duplicates = sorted(address for address, count in addresses.items() if count > 1)
    if duplicates:
        raise AssertionError(f"two Terraform blocks share an address: {duplicates}")
    primary = {"aws": "aws", "gcp": "google", "azure": "azurerm"}[cloud.provider]
    used = {primary} | {_provider_of(b.type) for b in blocks}
    backend = plan.spec.platform.terraform.backend
    settings = {
        "terraform": {
            "required_providers": {name: PROVIDERS[name] for name in sorted(used)},
            "backend": {backend.kind: backend.arguments()},
        },
        "provider": _providers(plan, used),
    }
    if cloud.provider == "azure" and (outputs := azure_identity.outputs(plan)):
        # Client ids exist only after apply: outputs hand them to the deploy step.
        settings["output"] = outputs
    generated: dict[str, dict[str, Any]] = {"provider": settings["provider"]}
    for b in blocks:
        generated.setdefault(b.kind, {}).setdefault(b.type, {})[b.name] = True
    generated["output"] = settings.get("output", {})
    override = overrides.override_file(plan, generated)
    # Large stacks hold tens of MB per copy: synthesize frees each block once it is written.
    del produced
    artifacts = [Artifact(f"{FOLDER}/main.tf.json", synthesize(settings, blocks))]
    if notes:
        artifacts.append(Artifact(f"{FOLDER}/NOTES.md", notes_file(plan, notes)))
    artifacts += [Artifact(f"{FOLDER}/{f.path}", f.content) for f in files]
    artifacts += [Artifact(f"{FOLDER}/{a.path}", a.content) for a in override]
    return artifacts

"""Pool node settings against the stack's cloud: each field that would reach no node is one
diagnostic at its key, each malformed subnet or zone one at its value, and the fields a cloud
takes pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import MINIMAL, check_text, codes

CLOUD = {
    "aws": '{provider: aws, region: us-east-1, account: "210987654321", cluster: c}',
    "gcp": "{provider: gcp, region: europe-west4, project: acme-ml-prod, cluster: c}",
    "azure": "{provider: azure, region: westeurope, subscription: "
    "6f1c2a9e-3b4d-4c8e-9a17-52d0e8b3c4f1, resourceGroup: rg, cluster: c}",
}
SUBNET = {
    "aws": "subnet-0a1b2c3d4e5f60718",
    "azure": "/subscriptions/6f1c2a9e-3b4d-4c8e-9a17-52d0e8b3c4f1/resourceGroups/rg/providers/"
    "Microsoft.Network/virtualNetworks/vnet/subnets/nodes",
}


INSTANCE = {"aws": "m6i.2xlarge", "gcp": "n2-standard-8", "azure": "Standard_D8s_v5"}


def _stack(cloud: str | None, pool: str) -> str:
    platform = f"platform: {{cloud: {CLOUD[cloud]}}}\n" if cloud else ""
    instance = INSTANCE[cloud] if cloud else "bare-metal"
    return f"{MINIMAL}{platform}compute:\n  cpu: {{instanceType: {instance}, {pool}}}\n"


def _diagnostics(tmp_path: Path, cloud: str | None, pool: str) -> list[str]:
    return [d.message for d in check_text(tmp_path, _stack(cloud, pool)).diagnostics]


@pytest.mark.parametrize(
    ("cloud", "pool"),
    [
        ("aws", f"diskSize: 200Gi, labels: {{a: b}}, subnets: [{SUBNET['aws']}]"),
        ("aws", "amiReleaseVersion: 1.33.0-20250704"),
        ("gcp", "diskSize: 100Gi, zones: [europe-west4-a, europe-west4-c]"),
        ("azure", f'diskSize: 128Gi, zones: ["1", "3"], subnets: ["{SUBNET["azure"]}"]'),
        (None, "taints: [{key: dedicated, value: ml, effect: NoSchedule}]"),
    ],
)
def test_fields_the_cloud_takes_pass(tmp_path: Path, cloud: str | None, pool: str) -> None:
    assert _diagnostics(tmp_path, cloud, pool) == []


@pytest.mark.parametrize(
    ("cloud", "pool", "expected"),
    [
        (None, "labels: {a: b}", ["E0416"]),
        (None, "diskSize: 200Gi, zones: [z1]", ["E0416", "E0416"]),
        ("aws", "zones: [us-east-1a]", ["E0416"]),
        ("gcp", "subnets: [default], amiReleaseVersion: 1.33.0-20250704", ["E0416", "E0416"]),
        ("azure", "amiReleaseVersion: 1.33.0-20250704", ["E0416"]),
        ("azure", f'subnets: ["{SUBNET["azure"]}", "{SUBNET["azure"]}"]', ["E0416"]),
        ("gcp", "zones: [europe-west4-a, us-east1-b]", ["E0417"]),
        ("azure", "zones: [westeurope-1]", ["E0417"]),
        ("aws", "subnets: [subnet-0a1b2c3d4e5f60718, vpc-0a1b2c3d, subnet-xyz]", ["E0417"] * 2),
        ("aws", "labels: {mlstack.dev/pool: gpu}", ["E0130"]),
        ("aws", "taints: [{key: mlstack.dev/spot, value: x, effect: NoSchedule}]", ["E0130"]),
        ("azure", "labels: {kubernetes.azure.com/scalesetpriority: spot}", ["E0130"]),
        ("aws", "diskSize: 10Gi", ["E0131"]),
        ("aws", "diskSize: 1500Mi", ["E0131"]),
    ],
)
def test_each_mistake_is_one_diagnostic(
    tmp_path: Path, cloud: str | None, pool: str, expected: list[str]
) -> None:
    found = check_text(tmp_path, _stack(cloud, pool)).diagnostics
    assert codes(found) == expected, [d.message for d in found]

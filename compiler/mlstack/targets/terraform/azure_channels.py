"""Alert receivers as Azure Monitor action groups, one per receiver:
- pagerduty: a webhook receiver to PagerDuty's Microsoft Azure integration URL (common alert
  schema), the integration key read from the Key Vault `platform.cloud.keyVault` (secret
  named by `routingKeySecret`);
- email: one email receiver per address;
- webhook: a webhook receiver to the URL read from the `urlSecret` Key Vault secret.
The vault is the user's (E0409 when unnamed): a vault mlstack created in the same apply could
not hold the secret before the first plan reads it."""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Receiver
from mlstack.spec.platform import AzureCloud
from mlstack.targets.terraform.azure_attrs import Action
from mlstack.targets.terraform.azure_cluster import scoped
from mlstack.targets.terraform.blocks import Block, data, resource, tags, tf_name
from mlstack.targets.terraform.channel_attrs import MonitorActionGroup
from mlstack.targets.terraform.channels import PAGERDUTY_ENQUEUE

GROUP = "azurerm_monitor_action_group"


def group_block(name: str) -> str:
    return f"alerts_{tf_name(name)}"


def vault_id(cloud: AzureCloud) -> str:
    return (
        f"/subscriptions/{cloud.subscription}/resourceGroups/{cloud.resource_group}"
        f"/providers/Microsoft.KeyVault/vaults/{cloud.key_vault}"
    )


def channel(plan: Plan, cloud: AzureCloud, name: str, receiver: Receiver) -> list[Block]:
    source: PathKey = ("monitoring", "receivers", name)
    block = group_block(name)
    body: MonitorActionGroup = {
        "name": scoped(plan, f"alerts-{name}", 260),
        "resource_group_name": cloud.resource_group,
        "short_name": name[:12],
        "tags": tags(plan),
    }
    if receiver.email:
        body["email_receiver"] = [
            {"name": f"{name}-{i}", "email_address": to, "use_common_alert_schema": True}
            for i, to in enumerate(receiver.email.to)
        ]
        return [resource(GROUP, block, body, source)]
    assert receiver.secret is not None
    secret = data(
        "azurerm_key_vault_secret",
        block,
        {"name": receiver.secret, "key_vault_id": vault_id(cloud)},
        source,
    )
    value = secret.ref("value")
    uri = PAGERDUTY_ENQUEUE.format(key=value) if receiver.pagerduty else value
    body["webhook_receiver"] = [{"name": name, "service_uri": uri, "use_common_alert_schema": True}]
    return [secret, resource(GROUP, block, body, source)]


def actions(names: tuple[str, ...]) -> list[Action]:
    return [{"action_group_id": f"${{{GROUP}.{group_block(n)}.id}}"} for n in names]

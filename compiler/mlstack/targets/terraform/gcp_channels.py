"""Alert receivers as Cloud Monitoring notification channels:
- pagerduty: type `pagerduty`, the service's Events API v2 integration key in
  `sensitive_labels.service_key`, read from Secret Manager (the secret named by
  `routingKeySecret`, latest version);
- email: one `email` channel per address;
- webhook: type `webhook_tokenauth` with the URL read from the `urlSecret` secret.
Secret values are read by data sources, never Terraform variables."""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Receiver
from mlstack.targets.terraform.blocks import Block, data, gcp_labels, resource, tf_name
from mlstack.targets.terraform.channel_attrs import MonitoringNotificationChannel

CHANNEL = "google_monitoring_notification_channel"


def channel_blocks(name: str, receiver: Receiver) -> list[str]:
    block = f"alerts_{tf_name(name)}"
    if receiver.email:
        return [f"{block}_{index}" for index in range(len(receiver.email.to))]
    return [block]


def channel(plan: Plan, name: str, receiver: Receiver) -> list[Block]:
    source: PathKey = ("monitoring", "receivers", name)
    display = f"mlstack {plan.stack}/{plan.environment} alerts: {name}"
    blocks = channel_blocks(name, receiver)
    base: MonitoringNotificationChannel = {"display_name": display, "user_labels": gcp_labels(plan)}
    if receiver.email:
        return [
            resource(
                CHANNEL, block, {**base, "type": "email", "labels": {"email_address": to}}, source
            )
            for block, to in zip(blocks, receiver.email.to, strict=True)
        ]
    assert receiver.secret is not None
    secret = data(
        "google_secret_manager_secret_version", blocks[0], {"secret": receiver.secret}, source
    )
    value = secret.ref("secret_data")
    body: MonitoringNotificationChannel = {
        **base,
        "type": "webhook_tokenauth",
        "labels": {"url": value},
    }
    if receiver.pagerduty:
        body = {**base, "type": "pagerduty", "sensitive_labels": [{"service_key": value}]}
    return [secret, resource(CHANNEL, blocks[0], body, source)]


def actions(plan: Plan, names: tuple[str, ...]) -> list[str]:
    receivers = plan.spec.monitoring.receivers
    return [f"${{{CHANNEL}.{b}.id}}" for n in names for b in channel_blocks(n, receivers[n])]

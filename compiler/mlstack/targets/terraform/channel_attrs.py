"""Typed bodies of the alert channels and secret reads (tests check them against the schemas
of tests/data/terraform, like the *_attrs modules)."""

from __future__ import annotations

from typing import Literal, TypedDict


class SnsTopic(TypedDict, total=False):
    name: str
    display_name: str
    kms_master_key_id: str
    tags: dict[str, str]


class SnsTopicSubscription(TypedDict, total=False):
    topic_arn: str
    protocol: Literal["https", "email"]
    endpoint: str
    endpoint_auto_confirms: bool


class DataSecretsmanagerSecretVersion(TypedDict, total=False):
    secret_id: str


class SensitiveLabels(TypedDict, total=False):
    service_key: str


class MonitoringNotificationChannel(TypedDict, total=False):
    display_name: str
    type: Literal["pagerduty", "email", "webhook_tokenauth"]
    labels: dict[str, str]
    sensitive_labels: list[SensitiveLabels]
    user_labels: dict[str, str]


class DataSecretManagerSecretVersion(TypedDict, total=False):
    secret: str


class EmailReceiver(TypedDict, total=False):
    name: str
    email_address: str
    use_common_alert_schema: bool


class WebhookReceiver(TypedDict, total=False):
    name: str
    service_uri: str
    use_common_alert_schema: bool


class MonitorActionGroup(TypedDict, total=False):
    name: str
    resource_group_name: str
    short_name: str
    location: str
    email_receiver: list[EmailReceiver]
    webhook_receiver: list[WebhookReceiver]
    tags: dict[str, str]


class DataKeyVaultSecret(TypedDict, total=False):
    name: str
    key_vault_id: str


MODELS: dict[str, tuple[str, type]] = {
    "aws_sns_topic": ("resource", SnsTopic),
    "aws_sns_topic_subscription": ("resource", SnsTopicSubscription),
    "aws_secretsmanager_secret_version": ("data", DataSecretsmanagerSecretVersion),
    "google_monitoring_notification_channel": ("resource", MonitoringNotificationChannel),
    "google_secret_manager_secret_version": ("data", DataSecretManagerSecretVersion),
    "azurerm_monitor_action_group": ("resource", MonitorActionGroup),
    "azurerm_key_vault_secret": ("data", DataKeyVaultSecret),
}

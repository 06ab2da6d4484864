"""Alert receivers as SNS topics: one topic per receiver (encrypted with the AWS-managed SNS
key), subscribed the way each receiver is reached from SNS:
- pagerduty: HTTPS to PagerDuty's CloudWatch integration URL, whose key is read from Secrets
  Manager (the secret named by `routingKeySecret`, SecretString = the integration key);
  PagerDuty confirms the subscription itself (`endpoint_auto_confirms`);
- email: one `email` subscription per address (each recipient confirms once, by mail);
- webhook: HTTPS to the URL in the `urlSecret` secret (the endpoint must confirm SNS's
  SubscriptionConfirmation).
Secret values are read at plan time by data sources, never Terraform variables; they are in
the state as every data source's result is."""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Receiver
from mlstack.targets.terraform.aws_cluster import scoped
from mlstack.targets.terraform.blocks import Block, data, resource, tf_name
from mlstack.targets.terraform.channel_attrs import SnsTopic, SnsTopicSubscription
from mlstack.targets.terraform.channels import PAGERDUTY_ENQUEUE


def topic_block(name: str) -> str:
    return f"alerts_{tf_name(name)}"


def channel(plan: Plan, name: str, receiver: Receiver) -> list[Block]:
    source: PathKey = ("monitoring", "receivers", name)
    block = topic_block(name)
    body: SnsTopic = {
        "name": scoped(plan, f"alerts-{name}", 256),
        "display_name": f"mlstack {plan.stack}/{plan.environment} alerts: {name}",
        "kms_master_key_id": "alias/aws/sns",
    }
    topic = resource("aws_sns_topic", block, body, source)
    out = [topic]
    endpoints: list[tuple[str, SnsTopicSubscription]] = []
    if receiver.email:
        for index, address in enumerate(receiver.email.to):
            email: SnsTopicSubscription = {"protocol": "email", "endpoint": address}
            endpoints.append((f"{block}_{index}", email))
    else:
        assert receiver.secret is not None
        secret = data(
            "aws_secretsmanager_secret_version", block, {"secret_id": receiver.secret}, source
        )
        out.append(secret)
        value = secret.ref("secret_string")
        url = PAGERDUTY_ENQUEUE.format(key=value) if receiver.pagerduty else value
        endpoints.append(
            (block, {"protocol": "https", "endpoint": url, "endpoint_auto_confirms": True})
        )
    for sub_name, sub in endpoints:
        out.append(
            resource(
                "aws_sns_topic_subscription",
                sub_name,
                {"topic_arn": topic.ref("arn"), **sub},
                source,
            )
        )
    return out


def actions(names: tuple[str, ...]) -> list[str]:
    return [f"${{aws_sns_topic.{topic_block(n)}.arn}}" for n in names]

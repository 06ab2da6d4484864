"""Do alerts reach people: every alert has a receiver, and every receiver can be reached from
where the alert is evaluated (Alertmanager in the cluster, or the serving's cloud).

Why these are checked here and not left to the targets: an alert that pages nobody, or a
receiver a cloud cannot call, deploys fine and fails silently at 3 a.m.; the only useful moment
to say so is `mlstack validate`.
"""

from __future__ import annotations

from mlstack import clouds
from mlstack.load import PathKey
from mlstack.parse import describe
from mlstack.resolve.context import Context
from mlstack.resolve.fit import CLOUD_OF
from mlstack.resolve.references import enabled
from mlstack.spec.monitoring import alert_receivers


def check(ctx: Context) -> None:
    monitoring = ctx.stack.monitoring
    cloud = ctx.stack.platform.cloud
    slack_on_cloud: dict[str, str] = {}
    vault_needed: list[str] = []
    alerts = enabled(monitoring.alerts)
    if alerts and not monitoring.receivers:
        # One mistake, one diagnostic: the stack routes nothing, not each alert on its own.
        ctx.warn(
            "W0311",
            f"{len(alerts)} alert(s) reach no receiver: monitoring has no receivers",
            ("monitoring", "alerts"),
            "add monitoring.receivers (pagerduty, slack, email or webhook) and monitoring.routes",
            key=True,
        )
        return
    for name, alert in alerts.items():
        path: PathKey = ("monitoring", "alerts", name)
        reached = alert_receivers(monitoring, alert)
        if not (alert.receivers or getattr(monitoring.routes, alert.severity)):
            # Names that are unknown or disabled are errors of their own (E0310, E0307).
            ctx.warn(
                "W0311",
                f"{describe(path)} reaches no receiver: severity '{alert.severity}' has no "
                "route and the alert names no receivers",
                path,
                f"add monitoring.routes.{alert.severity}: [RECEIVER], or receivers: [...] on the alert",
                key=True,
            )
            continue
        serving = ctx.stack.serving.get(alert.serving or "")
        runtime = serving.runtime if serving is not None else None
        if (
            cloud is None
            or CLOUD_OF.get(runtime or "") != cloud.provider
            or alert.metric == "drift"
        ):
            continue
        for receiver in reached:
            kind = monitoring.receivers[receiver].kind
            if kind == "slack":
                slack_on_cloud.setdefault(receiver, name)
            elif kind != "email" and cloud.provider == "azure":
                vault_needed.append(name)
    for receiver, alert_name in slack_on_cloud.items():
        assert cloud is not None
        ctx.warn(
            "W0410",
            f"receiver '{receiver}' is a Slack webhook, which {clouds.get(cloud.provider).channels} cannot "
            f"post to: alert '{alert_name}' and the other {cloud.provider} alarms reach their "
            "other receivers only",
            ("monitoring", "receivers", receiver, "slack"),
            "add a pagerduty, email or webhook receiver to the route (e.g. a chat bridge)",
            key=True,
        )
    if vault_needed and getattr(cloud, "key_vault", None) is None:
        ctx.error(
            "E0411",
            f"alert '{vault_needed[0]}' routes to a receiver with a secret, which Azure reads "
            "from a Key Vault, and platform.cloud names none",
            ("platform", "cloud"),
            "set platform.cloud.keyVault to the vault that holds the receivers' secrets",
            key=True,
        )

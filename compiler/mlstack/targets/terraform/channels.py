"""Which receivers a cloud alarm notifies: the alert's receivers (spec.monitoring.
alert_receivers) that the cloud can call. Slack incoming webhooks take only Slack's own JSON,
which no cloud's alarm channel sends, so they stay with Alertmanager (W0410 at validate)."""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert, Receiver, alert_receivers

PAGERDUTY_ENQUEUE = "https://events.pagerduty.com/integration/{key}/enqueue"
"""PagerDuty's endpoint for its Amazon CloudWatch and Microsoft Azure integrations: the key is
the integration key of that integration on the PagerDuty service."""


def reached(plan: Plan, alert: Alert) -> tuple[str, ...]:
    receivers = plan.spec.monitoring.receivers
    return tuple(
        n for n in alert_receivers(plan.spec.monitoring, alert) if receivers[n].kind != "slack"
    )


def used(plan: Plan, alerts: list[Alert]) -> dict[str, Receiver]:
    """Receivers the given alarms notify, in spec order (one channel each)."""
    names = {name for alert in alerts for name in reached(plan, alert)}
    return {n: r for n, r in plan.spec.monitoring.receivers.items() if n in names}

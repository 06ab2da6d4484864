"""`monitoring.receivers` + `routes` -> one AlertmanagerConfig (monitoring.coreos.com/v1alpha1)
per environment, routing the alerts this stack evaluates in the cluster (monitoring_rules.py)
to the people named in the spec.

Why this shape:
- The top route matches `mlstack_stack` and `mlstack_environment`, labels every rule of this
  stack carries, so two stacks (or two environments) sharing an Alertmanager never catch each
  other's alerts; the operator adds `namespace="NS"` in front (its default `OnNamespace`
  matcher strategy), which the rules carry as a static label because their aggregations drop
  the series' own.
- One child route per receiver, matching the exact alerts that reach it (`mlstack_alert=~"a|b"`,
  from spec.monitoring.alert_receivers: an alert's own `receivers`, else its severity's route),
  each with `continue: true`, so an alert fans out to all its receivers and nothing else. An
  alert that reaches no receiver ends at `mlstack-none`, a receiver without integrations
  (validate warned about it, W0311).
- Secrets are Kubernetes Secrets in the stack's namespace (the operator reads only those),
  named by the receiver's secret and read at the fixed keys SECRET_KEYS.
Selection: labelled `release: kube-prometheus-stack` like the rules; the Alertmanager must
select AlertmanagerConfigs in this namespace (`alertmanagerConfigSelector` /
`alertmanagerConfigNamespaceSelector`). Email needs the Alertmanager's global SMTP settings.
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.spec.monitoring import Receiver, alert_receivers
from mlstack.targets.kubernetes import monitoring as m
from mlstack.targets.kubernetes.meta import Manifest
from mlstack.targets.kubernetes.monitoring_rules import ENVIRONMENT_LABEL, STACK_LABEL, rules

NAME = "mlstack-alerts"
NOBODY = "mlstack-none"
SECRET_KEYS = {"pagerduty": "routingKey", "slack": "url", "webhook": "url"}
"""Key inside each receiver's Kubernetes Secret (docs/choices.md)."""
_TEXT = "{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}"


def _secret(receiver: Receiver) -> dict[str, str]:
    assert receiver.secret is not None
    return {"name": receiver.secret, "key": SECRET_KEYS[receiver.kind]}


def receiver_body(name: str, receiver: Receiver) -> dict[str, Any]:
    """The AlertmanagerConfig receiver of one spec receiver."""
    if receiver.pagerduty:
        config = {
            "routingKey": _secret(receiver),
            "description": "{{ .CommonAnnotations.summary }}",
        }
        return {"name": name, "pagerdutyConfigs": [{**config, "sendResolved": True}]}
    if receiver.slack:
        slack = {
            "apiURL": _secret(receiver),
            "channel": receiver.slack.channel,
            "title": "{{ .CommonAnnotations.summary }}",
            "text": _TEXT,
        }
        return {"name": name, "slackConfigs": [{**slack, "sendResolved": True}]}
    if receiver.email:
        email = {"to": ", ".join(receiver.email.to), "sendResolved": True}
        return {"name": name, "emailConfigs": [email]}
    return {
        "name": name,
        "webhookConfigs": [{"urlSecret": _secret(receiver), "sendResolved": True}],
    }


def _match(name: str, value: str, match_type: str = "=") -> dict[str, str]:
    return {"name": name, "matchType": match_type, "value": value}


def routed(plan: Plan) -> dict[str, list[str]]:
    """Receiver -> the in-cluster alerts it gets, in spec order of receivers."""
    monitoring = plan.spec.monitoring
    out: dict[str, list[str]] = {name: [] for name in monitoring.receivers}
    for alert_name in rules(plan):
        for receiver in alert_receivers(monitoring, monitoring.alerts[alert_name]):
            out[receiver].append(alert_name)
    return {name: alerts for name, alerts in out.items() if alerts}


def build(plan: Plan) -> list[Manifest]:
    routes = routed(plan)
    if not routes:
        return []
    receivers = plan.spec.monitoring.receivers
    body = {
        "spec": {
            "route": {
                "receiver": NOBODY,
                "matchers": [
                    _match(STACK_LABEL, plan.stack),
                    _match(ENVIRONMENT_LABEL, plan.environment),
                ],
                "groupBy": ["mlstack_alert", m.SERVING_LABEL],
                "routes": [
                    {
                        "receiver": name,
                        "matchers": [_match("mlstack_alert", "|".join(alerts), "=~")],
                        "continue": True,
                    }
                    for name, alerts in routes.items()
                ],
            },
            "receivers": [
                {"name": NOBODY},
                *(receiver_body(name, receivers[name]) for name in routes),
            ],
        }
    }
    return [
        Manifest(
            "monitoring.coreos.com/v1alpha1",
            "AlertmanagerConfig",
            NAME,
            body,
            ("monitoring", "receivers"),
            labels=dict(m.RELEASE_LABEL),
        )
    ]

"""The alertmanager.yml the Prometheus Operator makes of an AlertmanagerConfig, for amtool.

The translation (prometheus-operator v0.93, pkg/alertmanager/amcfg.go, default matcher
strategy `OnNamespace`), written down here because amtool knows only alertmanager.yml:
- receiver names become `NAMESPACE/CONFIG/NAME`, in the receivers and in every route;
- the config's top route becomes a child of the root route, with `namespace="NAMESPACE"`
  prepended to its matchers and `continue: true` (other configs are still evaluated);
- camelCase fields become snake_case (`routingKey` -> `routing_key`, `apiURL` -> `api_url`,
  `urlSecret` -> `url`, `sendResolved` -> `send_resolved`, `groupBy` -> `group_by`), and a
  SecretKeySelector becomes the secret's value (a placeholder here);
- the root route and the SMTP settings come from the Alertmanager's own base configuration
  (placeholders here: a `null` root receiver, a local smarthost).
"""

from __future__ import annotations

from typing import Any

SECRET = {
    "routing_key": "0123456789abcdef0123456789abcdef",
    "api_url": "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
    "url": "https://alerts.acme.example/hook",
}


def _matchers(matchers: list[dict[str, str]]) -> list[str]:
    return [f'{m["name"]}{m.get("matchType", "=")}"{m["value"]}"' for m in matchers]


def _route(route: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {"receiver": prefix + route["receiver"]}
    if route.get("matchers"):
        out["matchers"] = _matchers(route["matchers"])
    if "groupBy" in route:
        out["group_by"] = route["groupBy"]
    if route.get("continue"):
        out["continue"] = True
    if route.get("routes"):
        out["routes"] = [_route(child, prefix) for child in route["routes"]]
    return out


def _receiver(receiver: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": prefix + receiver["name"]}
    for config in receiver.get("pagerdutyConfigs", []):
        out.setdefault("pagerduty_configs", []).append(
            {"routing_key": SECRET["routing_key"], "description": config["description"],
             "send_resolved": config["sendResolved"]}
        )  # fmt: skip
    for config in receiver.get("slackConfigs", []):
        out.setdefault("slack_configs", []).append(
            {"api_url": SECRET["api_url"], "channel": config["channel"], "title": config["title"],
             "text": config["text"], "send_resolved": config["sendResolved"]}
        )  # fmt: skip
    for config in receiver.get("emailConfigs", []):
        out.setdefault("email_configs", []).append(
            {"to": config["to"], "send_resolved": config["sendResolved"]}
        )
    for config in receiver.get("webhookConfigs", []):
        out.setdefault("webhook_configs", []).append(
            {"url": SECRET["url"], "send_resolved": config["sendResolved"]}
        )
    return out


def render(configs: list[dict[str, Any]]) -> dict[str, Any]:
    """alertmanager.yml for the given AlertmanagerConfig objects."""
    routes, receivers = [], [{"name": "null"}]
    for config in configs:
        prefix = f"{config['metadata']['namespace']}/{config['metadata']['name']}/"
        spec = config["spec"]
        route = _route(spec["route"], prefix)
        namespace = {"name": "namespace", "value": config["metadata"]["namespace"]}
        route["matchers"] = _matchers([namespace]) + route.get("matchers", [])
        route["continue"] = True
        routes.append(route)
        receivers += [_receiver(r, prefix) for r in spec["receivers"]]
    return {
        "global": {
            "smtp_smarthost": "smtp.acme.example:587",
            "smtp_from": "alertmanager@acme.example",
        },
        "route": {"receiver": "null", "routes": routes},
        "receivers": receivers,
    }

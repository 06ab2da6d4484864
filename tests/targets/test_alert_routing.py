"""Alerts reach people and say something true, checked with Prometheus' own tools.

- Every generated rule file passes `promtool check rules`.
- `promtool test rules` with small synthetic series: the throughput, error-rate and latency
  alerts of specs/recsys-gcp's KServe serving `candidates` fire on an outage (including no series at all) and stay quiet on a
  healthy primary with a healthy 10% canary.
- The AlertmanagerConfig, rendered to the alertmanager.yml the operator makes of it
  (alertmanager_yml.py), passes `amtool check-config`, and `amtool config routes test` sends
  every alert of every example to exactly its receivers.
- Cloud alarms notify the receivers' channels; a canary's throughput threshold is its share.
Under CI=true a missing promtool/amtool fails; elsewhere the test skips naming the install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert, alert_receivers
from mlstack.spec.serving import IN_CLUSTER
from mlstack.targets.kubernetes import compile_plan
from mlstack.targets.kubernetes.alertmanager_config import NOBODY
from mlstack.targets.terraform import compile_plan as compile_terraform
from mlstack.targets.terraform.aws_alarms import alarm_body, sagemaker
from mlstack.targets.terraform.channel_attrs import MODELS
from tests.helpers import ROOT, SPECS
from tests.targets.alertmanager_yml import render
from tests.targets.schemas import problems
from tests.targets.tf_schemas import problems as tf_problems
from tests.targets.tf_schemas import typed_model_problems

INSTALL = "apt-get install -y prometheus prometheus-alertmanager"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: .ci/run installs it ({INSTALL})")
        pytest.skip(f"{name} is not installed here: {INSTALL}")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)


@cache
def _plans() -> dict[str, Plan]:
    return {f"{p.stack}-{p.environment}": p for path in SPECS for p in check(path).plans}


KEYS = sorted(_plans())
ROUTED = [k for k in KEYS if _plans()[k].spec.monitoring.receivers]
"""specs/fraud is the design's reference stack (tests/data/reference-stack.yaml, a copy of the design docs' file), which
has no receivers yet: its alerts route nowhere (W0311), the others' everywhere."""


@cache
def _objects(key: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        yaml.safe_load(a.content)
        for a in compile_plan(_plans()[key])
        if not a.path.endswith("kustomization.yaml")
    )


def _kind(key: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in _objects(key) if o["kind"] == kind]


def _rule_file(tmp_path: Path, key: str, *, annotations: bool = True) -> Path:
    groups = [g for obj in _kind(key, "PrometheusRule") for g in obj["spec"]["groups"]]
    if not annotations:
        # promtool compares annotations exactly; their value templates are checked above.
        groups = [
            {**g, "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]}
            for g in groups
        ]
    path = tmp_path / f"{key}.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}))
    return path


@pytest.mark.parametrize("key", KEYS)
def test_every_rule_file_passes_promtool_check(tmp_path: Path, key: str) -> None:
    promtool = _tool("promtool")
    result = _run(promtool, "check", "rules", str(_rule_file(tmp_path, key)))
    assert result.returncode == 0, result.stdout + result.stderr


def _series(pods: dict[str, tuple[float, float, bool]]) -> list[dict[str, str]]:
    """KServe Serverless (queue-proxy) counters for pods given as (rps, 5xx share, slow)."""
    metric = "kn_serving_invocation_duration_seconds"
    out = []
    for pod, (rps, errors, slow) in pods.items():
        base = f'namespace="recsys",serving="candidates",pod="{pod}"'
        per_minute = rps * 60
        for code, share in (("200", 1 - errors), ("500", errors)):
            step = per_minute * share
            labels = f'{base},http_response_status_code="{code}"'
            out.append({"series": f"{metric}_count{{{labels}}}", "values": f"0+{step:g}x40"})
            fast = 0.0 if slow else step
            for le, count in (("0.1", fast), ("0.5", step), ("+Inf", step)):
                out.append(
                    {
                        "series": f'{metric}_bucket{{{labels},le="{le}"}}',
                        "values": f"0+{count:g}x40",
                    }
                )
    return out


HEALTHY = {
    "candidates-predictor-00001-a": (18.0, 0.0, False),
    "candidates-canary-b": (2.0, 0.0, False),
}
CASES = {
    "healthy primary and 10% canary": (HEALTHY, set()),
    "no series at all": ({}, {"candidates-throughput"}),
    "traffic gone to 1 request/s": (
        {
            "candidates-predictor-00001-a": (0.9, 0.0, False),
            "candidates-canary-b": (0.1, 0.0, False),
        },
        {"candidates-throughput"},
    ),
    "half the requests fail": (
        {pod: (rps, 0.5, False) for pod, (rps, _, _) in HEALTHY.items()},
        {"candidates-errors"},
    ),
    "every request slow": (
        {pod: (rps, 0.0, True) for pod, (rps, _, _) in HEALTHY.items()},
        {"candidates-latency"},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_candidates_alerts_fire_on_an_outage_and_stay_quiet_when_healthy(
    tmp_path: Path, case: str
) -> None:
    promtool = _tool("promtool")
    pods, firing = CASES[case]
    rules = {
        r["labels"]["mlstack_alert"]: r
        for obj in _kind("recsys-prod", "PrometheusRule")
        for g in obj["spec"]["groups"]
        for r in g["rules"]
    }
    watched = ("candidates-throughput", "candidates-errors", "candidates-latency")
    tests = [
        {
            "eval_time": "30m",
            "alertname": rules[name]["alert"],
            "exp_alerts": [{"exp_labels": rules[name]["labels"]}] if name in firing else [],
        }
        for name in watched
    ]
    unit = {
        "rule_files": [str(_rule_file(tmp_path, "recsys-prod", annotations=False))],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": _series(pods), "alert_rule_test": tests}],
    }
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(unit))
    result = _run(promtool, "test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@cache
def _alertmanager_yml(key: str) -> str:
    return yaml.safe_dump(render(_kind(key, "AlertmanagerConfig")))


def test_the_reference_stack_gets_no_alertmanager_config() -> None:
    assert "fraud-prod" not in ROUTED
    assert _kind("fraud-prod", "AlertmanagerConfig") == []


@pytest.mark.parametrize("key", ROUTED)
def test_alertmanager_config_is_crd_valid_and_passes_amtool(tmp_path: Path, key: str) -> None:
    configs = _kind(key, "AlertmanagerConfig")
    assert len(configs) == 1
    assert problems(configs[0], _plans()[key].spec.platform.kubernetes.version) == []
    amtool = _tool("amtool")
    path = tmp_path / "alertmanager.yml"
    path.write_text(_alertmanager_yml(key))
    result = _run(amtool, "check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("key", ROUTED)
def test_amtool_routes_every_alert_to_exactly_its_receivers(tmp_path: Path, key: str) -> None:
    amtool = _tool("amtool")
    plan = _plans()[key]
    path = tmp_path / "alertmanager.yml"
    path.write_text(_alertmanager_yml(key))
    prefix = f"{plan.namespace}/mlstack-alerts/"
    rules = [
        r for obj in _kind(key, "PrometheusRule") for g in obj["spec"]["groups"] for r in g["rules"]
    ]
    assert rules
    for rule in rules:
        alert = plan.spec.monitoring.alerts[rule["labels"]["mlstack_alert"]]
        wanted = alert_receivers(plan.spec.monitoring, alert) or (NOBODY,)
        labels = [f"{k}={v}" for k, v in rule["labels"].items()]
        result = _run(
            amtool, "config", "routes", "test", f"--config.file={path}",
            "--verify.receivers=" + ",".join(prefix + r for r in wanted), *labels,
        )  # fmt: skip
        assert result.returncode == 0, (rule["alert"], result.stdout + result.stderr)


def test_another_stacks_alert_reaches_nobody_here(tmp_path: Path) -> None:
    """Same namespace and labels but another stack: the top route's matchers keep it out."""
    amtool = _tool("amtool")
    path = tmp_path / "alertmanager.yml"
    path.write_text(_alertmanager_yml("recsys-prod"))
    labels = ["namespace=recsys", "mlstack_stack=other", "mlstack_environment=prod",
              "mlstack_alert=candidates-latency", "severity=page"]  # fmt: skip
    result = _run(amtool, "config", "routes", "test", f"--config.file={path}",
                  "--verify.receivers=null", *labels)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _terraform(key: str) -> dict[str, Any]:
    artifacts = [a for a in compile_terraform(_plans()[key]) if a.path.endswith("main.tf.json")]
    return dict(json.loads(artifacts[0].content))


ALARMS = {
    "aws_cloudwatch_metric_alarm": ("alarm_actions", "aws_sns_topic"),
    "google_monitoring_alert_policy": (
        "notification_channels",
        "google_monitoring_notification_channel",
    ),
    "azurerm_monitor_metric_alert": ("action", "azurerm_monitor_action_group"),
}


CLOUD_ALERTED = [
    k
    for k in ROUTED
    if _plans()[k].spec.platform.cloud
    and any(
        _plans()[k].spec.serving[a.serving].runtime not in IN_CLUSTER
        for a in _plans()[k].spec.monitoring.alerts.values()
        if a.serving
    )
]
"""Routed cloud stacks with an alert on a managed serving, which becomes a cloud alarm
(specs/search-aws alerts only in the cluster)."""


@pytest.mark.parametrize("key", CLOUD_ALERTED)
def test_every_cloud_alarm_notifies_existing_channels(key: str) -> None:
    document = _terraform(key)
    alarms = 0
    for type_, (field, channel) in ALARMS.items():
        for name, body in document["resource"].get(type_, {}).items():
            alarms += 1
            actions = [a["action_group_id"] if isinstance(a, dict) else a for a in body[field]]
            assert actions, name
            for action in actions:
                block = action.split(".")[1]
                assert block in document["resource"][channel], (name, action)
    assert alarms


def test_channel_models_match_the_provider_schemas() -> None:
    assert typed_model_problems(MODELS) == []


def _throughput(below: float) -> Alert:
    return Alert.model_validate(
        {"serving": "fraud-batch", "metric": "throughput", "below": below, "for": "10m"}
    )


def test_a_canary_throughput_threshold_is_its_share_and_says_so() -> None:
    plan = _plans()["fraud-prod"]
    alert = _throughput(10)
    primary = alarm_body(plan, "t", alert, sagemaker("fraud-batch", "primary"), "")
    canary = alarm_body(plan, "t", alert, sagemaker("fraud-batch", "canary"), "-canary", 5)
    assert primary["threshold"] == 10.0 and primary["treat_missing_data"] == "breaching"
    assert canary["threshold"] == 0.5
    assert "5% of the traffic" in canary["alarm_description"]
    # 0.5 requests/s is 30 a minute: an empty minute is an outage, so it still breaches ...
    assert canary["treat_missing_data"] == "breaching"
    # ... while at 0.01 requests/s a healthy canary has empty minutes: no page for those.
    thin = alarm_body(plan, "t", _throughput(0.2), sagemaker("fraud-batch", "canary"), "-c", 5)
    assert thin["threshold"] == 0.01 and thin["treat_missing_data"] == "notBreaching"
    latency = Alert.model_validate(
        {"serving": "fraud-batch", "metric": "latency_p99", "above": "500ms", "for": "10m"}
    )
    body = alarm_body(plan, "l", latency, sagemaker("fraud-batch", "canary"), "-canary", 5)
    assert body["threshold"] == 500000.0 and "unscaled" in body["alarm_description"]


def test_the_reference_stack_with_receivers_pages_through_sns(tmp_path: Path) -> None:
    """specs/fraud plus SPEC.md's receivers: every CloudWatch alarm notifies SNS topics whose
    subscriptions reach PagerDuty (key from Secrets Manager) and email, all schema-valid."""
    text = (ROOT / "specs" / "fraud" / "mlstack.yaml").read_text()
    receivers = (
        "  receivers:\n"
        "    oncall: {pagerduty: {routingKeySecret: pd-fraud-oncall}}\n"
        "    owners: {email: {to: [fraud-ml@acme.example]}}\n"
        "  routes: {page: [oncall], ticket: [owners]}\n"
        "  alerts:\n"
    )
    spec = tmp_path / "mlstack.yaml"
    spec.write_text(text.replace("  alerts:\n", receivers, 1))
    result = check(spec)
    # Routed now; only the reference's drift check without current data is left (W0713).
    assert [d.code for d in result.diagnostics] == ["W0713"]
    plan = next(p for p in result.plans if p.environment == "prod")
    artifacts = [a for a in compile_terraform(plan) if a.path.endswith("main.tf.json")]
    document = json.loads(artifacts[0].content)
    assert tf_problems(document) == []
    alarm = document["resource"]["aws_cloudwatch_metric_alarm"]["fraud_batch_latency"]
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alerts_oncall.arn}"]
    subscription = document["resource"]["aws_sns_topic_subscription"]["alerts_oncall"]
    assert subscription["endpoint"] == (
        "https://events.pagerduty.com/integration/"
        "${data.aws_secretsmanager_secret_version.alerts_oncall.secret_string}/enqueue"
    )
    secret = document["data"]["aws_secretsmanager_secret_version"]["alerts_oncall"]
    assert secret == {"secret_id": "pd-fraud-oncall"}

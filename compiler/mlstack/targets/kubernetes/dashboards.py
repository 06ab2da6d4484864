"""`monitoring.dashboards: true` -> a Grafana dashboard ConfigMap per in-cluster serving.

The Grafana sidecar of kube-prometheus-stack / the grafana chart loads every ConfigMap
labelled `grafana_dashboard: "1"`; it must search this namespace too
(`sidecar.dashboards.searchNamespace: ALL`), and files it into the folder named by the
`grafana_folder` annotation when `folderAnnotation` is set to that name.

Panels: latency p50/p99 (or the mean where the runtime has no histogram), throughput, error
rate (where the runtime counts errors), GPU utilisation from NVIDIA DCGM exporter's
`DCGM_FI_DEV_GPU_UTIL` when the serving requests GPUs, and the drift score when the serving
has a drift check. Every query comes from the functions the alerts use (monitoring.py), so a
dashboard always shows the series an alert fires on. DCGM's pod labels are `pod`/`namespace`
when its ServiceMonitor honours labels and `exported_pod`/`exported_namespace` otherwise; the
query accepts both, matching the serving's pods by name prefix (for Seldon: the pods of the
Servers that host its Models).

Output is deterministic: sorted keys, panel ids 1..n in a fixed order, a uid hashed from
stack, environment and serving (Grafana uids are at most 40 characters), no timestamps.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mlstack.plan import Plan
from mlstack.spec.serving import InClusterServing
from mlstack.targets.kubernetes import monitoring as m
from mlstack.targets.kubernetes import seldon
from mlstack.targets.kubernetes.meta import Manifest, selector_labels

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GPU_METRIC = "DCGM_FI_DEV_GPU_UTIL"


def dashboard_name(serving: str) -> str:
    return f"{serving}-dashboard"


def _seconds(query: str, unit: float) -> str:
    return query if unit == 1.0 else f"({query}) / {m.number(1 / unit)}"


def _gpu_pods(plan: Plan, name: str) -> str:
    """Pod-name pattern of the serving's pods: its own (`S-...`), or for Seldon the pods of the
    Servers hosting its Models (StatefulSet pods `SERVER-N`, seldon.servers)."""
    if plan.spec.serving[name].runtime != "seldon":
        return f"{name}-.*"
    return f"({'|'.join(seldon.servers(plan, name))})-[0-9]+"


def _gpu(plan: Plan, name: str) -> str:
    pod = f'"{_gpu_pods(plan, name)}"'
    own = f'{GPU_METRIC}{{namespace="{plan.namespace}",pod=~{pod}}}'
    exported = f'{GPU_METRIC}{{exported_namespace="{plan.namespace}",exported_pod=~{pod}}}'
    return f"avg(({own}) or ({exported}))"


def panels(plan: Plan, name: str) -> list[dict[str, Any]]:
    """(title, unit, [(legend, query)]) per panel, in display order."""
    found = m.profile(plan, name)
    assert found is not None
    rows: list[tuple[str, str, list[tuple[str, str]]]] = []
    if found.histogram:
        latency = [
            (f"p{round(q * 100)}", _seconds(m.latency(plan, name, q), found.unit))
            for q in (0.5, 0.99)
        ]
        rows.append(("Latency p50 / p99", "s", latency))
    else:
        rows.append(
            ("Mean latency", "s", [("mean", _seconds(m.latency(plan, name, 0.5), found.unit))])
        )
    rows.append(("Throughput", "reqps", [("requests/s", m.throughput(plan, name))]))
    errors = m.error_percent(plan, name)
    if errors is not None:
        rows.append(("Error rate", "percent", [("errors %", errors)]))
    serving = plan.spec.serving[name]
    if isinstance(serving, InClusterServing) and serving.resources.gpu:
        rows.append(("GPU utilisation", "percent", [("GPU %", _gpu(plan, name))]))
    if name in plan.spec.monitoring.drift:
        rows.append(("Drift score", "none", [("drift", m.drift_score(plan, name))]))
    out = []
    for index, (title, unit, targets) in enumerate(rows):
        out.append(
            {
                "id": index + 1,
                "type": "timeseries",
                "title": title,
                "datasource": DATASOURCE,
                "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [
                    {
                        "refId": chr(ord("A") + i),
                        "expr": expr,
                        "legendFormat": legend,
                        "datasource": DATASOURCE,
                    }
                    for i, (legend, expr) in enumerate(targets)
                ],
            }
        )
    return out


def dashboard_uid(plan: Plan, name: str) -> str:
    """Stable per stack, environment and serving; alerts link to it (monitoring_rules.py)."""
    digest = hashlib.sha256(f"{plan.stack}/{plan.environment}/{name}".encode()).hexdigest()
    return f"mlstack-{digest[:24]}"


def dashboard(plan: Plan, name: str) -> dict[str, Any]:
    found = m.profile(plan, name)
    assert found is not None
    return {
        "uid": dashboard_uid(plan, name),
        "title": f"{plan.stack} / {plan.environment} / {name}",
        "tags": ["mlstack", found.runtime, plan.stack],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "timezone": "utc",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "hide": 0,
                }
            ]
        },
        "annotations": {"list": []},
        "panels": panels(plan, name),
    }


def build(plan: Plan) -> list[Manifest]:
    if not plan.spec.monitoring.dashboards:
        return []
    return [
        Manifest(
            "v1",
            "ConfigMap",
            dashboard_name(name),
            {
                "data": {
                    f"{name}.json": json.dumps(dashboard(plan, name), sort_keys=True, indent=2)
                    + "\n"
                }
            },
            ("monitoring", "dashboards"),
            labels={**selector_labels("dashboard", name), "grafana_dashboard": "1"},
            annotations={"grafana_folder": plan.stack},
        )
        for name in m.in_cluster(plan)
    ]

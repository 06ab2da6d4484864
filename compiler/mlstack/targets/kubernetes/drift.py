"""`monitoring.drift.S` -> an Evidently drift-report CronJob (batch/v1) per checked serving, and
the one NetworkPolicy that lets drift pods reach the Prometheus Pushgateway.

A batch job cannot be scraped (it is gone before the next scrape), so it pushes its result to
the Pushgateway, `http://prometheus-pushgateway.monitoring.svc:9091` (the Service of the
prometheus-community/prometheus-pushgateway chart installed as `prometheus-pushgateway` in the
`monitoring` namespace; its ServiceMonitor must keep `honorLabels: true`, the chart's default,
so the pushed `namespace`/`serving` labels survive). The alerts and dashboards then read
`mlstack_drift_score{namespace=NS, serving=S}`.

The schedule is passed through: Kubernetes CronJobs accept five-field cron and the macros
`@hourly @daily @weekly @monthly @yearly` (robfig/cron descriptors), and `timeZone: Etc/UTC`
pins when they fire whatever the controller's zone. `concurrencyPolicy: Forbid` keeps a slow
run from overlapping the next; `activeDeadlineSeconds` stops a stuck one, so Forbid never
blocks the schedule for good.

Contract of the drift image (`monitoring.drift.S.image`, default mlstack's own,
`images.reference("drift")`, built from images/drift/ where drift.py implements it):
- arguments: `--serving=S --namespace=NS --reference=URI [--current=URI] --threshold=X
  --pushgateway=URL --job=mlstack-drift`; URIs are s3://, gs://, azureblob://ACCOUNT/CONTAINER/
  PATH, or a local path (pvc:// data is mounted read-only at /mnt/pvc/CLAIM and passed as a
  path); parquet or csv, a file or a folder of files. Without `--current` it exits 2
  saying so: nothing records a serving's requests yet (W0713 at validate time).
- it runs Evidently's DataDriftPreset on reference vs current, then pushes to
  `URL/metrics/job/mlstack-drift/namespace/NS/serving/S` the gauges `mlstack_drift_score`
  (share of drifted columns, 0..1), `mlstack_drift_detected` (1 when score > threshold, else
  0) and `mlstack_drift_last_run_timestamp_seconds`; it exits non-zero if it could not
  compute or push, so failed runs show up as failed Jobs.
- it runs as uid 1000 with a read-only root filesystem and writes only under /tmp (HOME is
  /tmp); cloud credentials come from workload identity, or, on a stack without a cloud, from
  the storage Secret's keys as environment variables (AWS_*, GOOGLE_*, AZURE_*), with
  `platform.kubernetes.storageEndpoint` as AWS_ENDPOINT_URL (boto3 / s3fs read it).
"""

from __future__ import annotations

from typing import Any

from mlstack import names
from mlstack.plan import Plan
from mlstack.spec.base import Resources
from mlstack.spec.monitoring import Drift
from mlstack.spec.uris import CLOUD_SCHEMES, parse
from mlstack.targets.kubernetes import identity, pods
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.network import MONITORING_NAMESPACE

PUSHGATEWAY_SERVICE = "prometheus-pushgateway"
PUSHGATEWAY_PORT = 9091
PUSHGATEWAY = f"http://{PUSHGATEWAY_SERVICE}.{MONITORING_NAMESPACE}.svc:{PUSHGATEWAY_PORT}"
JOB = "mlstack-drift"
PVC_ROOT = "/mnt/pvc"
DEADLINE_SECONDS = 3600


def _location(uri: str) -> tuple[str, str | None]:
    """(argument value, claim to mount or None)."""
    location = parse(uri)
    if location.scheme != "pvc":
        return uri, None
    path = f"{PVC_ROOT}/{location.bucket}"
    return (f"{path}/{location.prefix}" if location.prefix else path), location.bucket


def _pod(plan: Plan, name: str, check: Drift) -> dict[str, Any]:
    workload = plan.workload("drift", name)
    reference, ref_claim = _location(check.reference)
    args = [f"--serving={name}", f"--namespace={plan.namespace}", f"--reference={reference}"]
    claims = [ref_claim]
    if check.current is not None:
        current, claim = _location(check.current)
        args.append(f"--current={current}")
        claims.append(claim)
    args += [f"--threshold={check.threshold:g}", f"--pushgateway={PUSHGATEWAY}", f"--job={JOB}"]
    mounts: list[dict[str, Any]] = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    for claim in sorted({c for c in claims if c is not None}):
        volume = f"pvc-{claim}"[:63].rstrip("-")
        mounts.append({"name": volume, "mountPath": f"{PVC_ROOT}/{claim}", "readOnly": True})
        volumes.append(
            {"name": volume, "persistentVolumeClaim": {"claimName": claim, "readOnly": True}}
        )
    container: dict[str, Any] = {
        "name": "drift",
        "image": check.image,
        # Pinned tags are never re-pushed (.github/workflows/images.yml): pull once per node.
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "env": [{"name": "HOME", "value": "/tmp"}],
        "resources": pods.resources(Resources()),
        "securityContext": pods.container_security(),
        "volumeMounts": mounts,
    }
    uris = [check.reference, *([check.current] if check.current else [])]
    if any(parse(uri).scheme in CLOUD_SCHEMES for uri in uris):
        container = pods.with_storage(plan, container)
    return {
        "metadata": {
            "labels": {**selector_labels("drift", name), **identity.pod_labels(plan, workload)}
        },
        "spec": {
            "serviceAccountName": workload.service_account,
            "automountServiceAccountToken": False,
            "restartPolicy": "Never",
            "securityContext": pods.pod_security(),
            "containers": [container],
            "volumes": volumes,
        },
    }


def _cronjob(plan: Plan, name: str, check: Drift) -> Manifest:
    spec = {
        "schedule": check.schedule,
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {
            "metadata": {"labels": selector_labels("drift", name)},
            "spec": {
                "backoffLimit": 2,
                "activeDeadlineSeconds": DEADLINE_SECONDS,
                "ttlSecondsAfterFinished": 86400,
                "template": _pod(plan, name, check),
            },
        },
    }
    return Manifest(
        "batch/v1",
        "CronJob",
        names.drift(name),
        {"spec": spec},
        ("monitoring", "drift", name),
        labels=selector_labels("drift", name),
    )


def _egress_policy() -> Manifest:
    """Default-deny (namespace.py) also blocks egress: open exactly the Pushgateway."""
    return Manifest(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        "allow-drift-pushgateway",
        {
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/component": "drift"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {
                                        "kubernetes.io/metadata.name": MONITORING_NAMESPACE
                                    }
                                },
                                "podSelector": {
                                    "matchLabels": {"app.kubernetes.io/name": PUSHGATEWAY_SERVICE}
                                },
                            }
                        ],
                        "ports": [{"protocol": "TCP", "port": PUSHGATEWAY_PORT}],
                    }
                ],
            }
        },
        ("monitoring", "drift"),
    )


def build(plan: Plan) -> list[Manifest]:
    checks = plan.spec.monitoring.drift
    if not checks:
        return []
    return [*(_cronjob(plan, name, check) for name, check in checks.items()), _egress_policy()]

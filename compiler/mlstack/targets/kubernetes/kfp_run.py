"""Start one Kubeflow Pipelines run of a pipeline version and wait for its end.

This file is not imported by the compiler: `kfp_schedule.py` embeds its text as the `source`
of the Argo script template that a scheduled Kubeflow pipeline's CronWorkflow runs, in a
plain Python image. So it uses the standard library only, and everything it needs comes from
the environment the CronWorkflow sets.

Why a run per tick and not a KFP recurring run: recurring runs live in the KFP database, not
in Kubernetes, so Argo CD could neither create, diff nor prune them; the CronWorkflow is an
object in the deploy repository like everything else, and KFP still records each run
(visible in its UI, in the experiment named after the pipeline).

The calls are KFP's v2beta1 REST API (backend/api/v2beta1/*.proto): the pipeline by name, its
version by name (mlstack names versions after their content, kfp.py), the experiment by
display name (created on first use), then the run. With multi-user KFP, the API server
authenticates the projected ServiceAccount token whose audience is pipelines.kubeflow.org
(the KFP SDK's KF_PIPELINES_SA_TOKEN_PATH) and authorizes it with SubjectAccessReviews on
pipelines.kubeflow.org resources; standalone KFP ignores the header.

The step ends when the run does: 0 if it succeeded, 1 otherwise, so a failed nightly run is
a failed CronWorkflow run (and `Forbid` keeps runs from piling up).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

DONE = {"SUCCEEDED", "SKIPPED"}
FAILED = {"FAILED", "CANCELED"}


def _call(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    token_path = os.environ["KFP_TOKEN_PATH"]
    if os.path.exists(token_path):
        with open(token_path, encoding="utf-8") as token:
            headers["Authorization"] = f"Bearer {token.read().strip()}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        os.environ["KFP_API"] + path, data=data, method=method, headers=headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read() or b"{}")
        return answer


def _named(key: str, value: str) -> str:
    predicate = {"key": key, "operation": "EQUALS", "string_value": value}
    return urllib.parse.quote(json.dumps({"predicates": [predicate]}))


def _experiment(namespace: str, name: str) -> str:
    query = f"namespace={namespace}&filter={_named('display_name', name)}"
    found = _call("GET", f"/apis/v2beta1/experiments?{query}").get("experiments", [])
    for experiment in found:
        if experiment.get("display_name") == name:
            return str(experiment["experiment_id"])
    body = {"display_name": name, "namespace": namespace}
    return str(_call("POST", "/apis/v2beta1/experiments", body)["experiment_id"])


def main() -> int:
    namespace = os.environ["KFP_NAMESPACE"]
    pipeline_name = os.environ["KFP_PIPELINE"]
    version_name = os.environ["KFP_PIPELINE_VERSION"]
    quoted = urllib.parse.quote(pipeline_name)
    pipeline = _call("GET", f"/apis/v2beta1/pipelines/names/{quoted}?namespace={namespace}")
    pipeline_id = pipeline["pipeline_id"]
    versions = _call(
        "GET",
        f"/apis/v2beta1/pipelines/{pipeline_id}/versions?filter={_named('name', version_name)}",
    ).get("pipeline_versions", [])
    version = next((v for v in versions if v.get("name") == version_name), None)
    if version is None:
        print(f"pipeline {pipeline_name} has no version {version_name} yet", file=sys.stderr)
        return 1
    run = _call(
        "POST",
        "/apis/v2beta1/runs",
        {
            "display_name": os.environ["KFP_RUN_NAME"],
            "experiment_id": _experiment(namespace, pipeline_name),
            "pipeline_version_reference": {
                "pipeline_id": pipeline_id,
                "pipeline_version_id": version["pipeline_version_id"],
            },
            "service_account": os.environ["KFP_SERVICE_ACCOUNT"],
        },
    )
    run_id = run["run_id"]
    print(f"run {run_id} of {version_name} started", flush=True)
    while True:
        state = str(_call("GET", f"/apis/v2beta1/runs/{run_id}").get("state", ""))
        if state in DONE | FAILED:
            print(f"run {run_id} ended {state}", flush=True)
            return 0 if state in DONE else 1
        time.sleep(float(os.environ["KFP_POLL_SECONDS"]))


if __name__ == "__main__":
    sys.exit(main())

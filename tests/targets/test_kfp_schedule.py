"""A scheduled Kubeflow pipeline runs: its CronWorkflow's step, the exact script in the
compiled object run as a real process, starts a run of the current pipeline version through
an HTTP server that answers KFP's v2beta1 REST API (backend/api/v2beta1/*.proto) as a KFP
API server holding the compiled Pipeline and PipelineVersion would; no KFP runs here."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mlstack.targets.kubernetes import kfp
from tests.targets.schemas import problems
from tests.targets.test_training import _objects, _plan

STACK, ENVIRONMENT, PIPELINE = "recsys-gcp", "prod", "ranker-eval"


class FakeKfp:
    """The pipeline and versions KFP would hold after Argo CD synced the deploy tree, the
    experiments and runs created through the API, and the token each request carried."""

    def __init__(self, versions: list[str], final_state: str) -> None:
        self.versions = versions
        self.final_state = final_state
        self.experiments: list[dict[str, Any]] = []
        self.runs: list[dict[str, Any]] = []
        self.tokens: set[str | None] = set()

    def answer(self, method: str, url: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        path, _, query = url.partition("?")
        params = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
        if method == "GET" and path == f"/apis/v2beta1/pipelines/names/{PIPELINE}":
            assert params["namespace"] == "recsys"
            return 200, {"pipeline_id": "uid-pipeline", "name": PIPELINE}
        if method == "GET" and path == "/apis/v2beta1/pipelines/uid-pipeline/versions":
            wanted = json.loads(params["filter"])["predicates"][0]
            assert (wanted["key"], wanted["operation"]) == ("name", "EQUALS")
            found = [
                {"pipeline_version_id": f"uid-{v}", "name": v}
                for v in self.versions
                if v == wanted["string_value"]
            ]
            return 200, {"pipeline_versions": found} if found else {}
        if path == "/apis/v2beta1/experiments" and method == "GET":
            return 200, {"experiments": self.experiments} if self.experiments else {}
        if path == "/apis/v2beta1/experiments" and method == "POST":
            assert body is not None
            self.experiments.append({**body, "experiment_id": f"exp-{len(self.experiments)}"})
            return 200, self.experiments[-1]
        if path == "/apis/v2beta1/runs" and method == "POST":
            assert body is not None
            self.runs.append({**body, "run_id": f"run-{len(self.runs)}", "polls": 0})
            return 200, {"run_id": self.runs[-1]["run_id"], "state": "PENDING"}
        if method == "GET" and path.startswith("/apis/v2beta1/runs/"):
            run = next(r for r in self.runs if r["run_id"] == path.rsplit("/", 1)[1])
            run["polls"] += 1
            return 200, {"state": "RUNNING" if run["polls"] < 3 else self.final_state}
        return 404, {"error": f"no route {method} {path}"}


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(state: FakeKfp) -> str:
        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                state.tokens.add(self.headers.get("Authorization"))
                status, answer = state.answer(method, self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._reply("GET")

            def do_POST(self) -> None:
                self._reply("POST")

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()


def _cron() -> dict[str, Any]:
    return _objects(STACK, ENVIRONMENT)[("CronWorkflow", PIPELINE)]


def _run_step(cron: dict[str, Any], api: str, token_dir: Path) -> subprocess.CompletedProcess[str]:
    """The step as Argo runs it: `python` on the script's source, with the template's env,
    the API address and token path moved to this machine, and no wait between polls."""
    script = cron["spec"]["workflowSpec"]["templates"][0]["script"]
    env = {e["name"]: e["value"] for e in script["env"]}
    env["KFP_RUN_NAME"] = "ranker-eval-1764572400"  # Argo's {{workflow.name}}
    env |= {"KFP_API": api, "KFP_TOKEN_PATH": str(token_dir / "token"), "KFP_POLL_SECONDS": "0"}
    return subprocess.run(
        [sys.executable, "-c", script["source"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _version() -> str:
    objects = _objects(STACK, ENVIRONMENT)
    return next(name for kind, name in objects if kind == "PipelineVersion")


def test_a_tick_runs_the_current_version_as_the_pipeline_account(
    serve: Any, tmp_path: Path
) -> None:
    (tmp_path / "token").write_text("projected-token\n")
    kfp_api = FakeKfp([f"{PIPELINE}-0000000000", _version()], "SUCCEEDED")
    api = serve(kfp_api)
    first = _run_step(_cron(), api, tmp_path)
    assert first.returncode == 0, first.stderr
    second = _run_step(_cron(), api, tmp_path)
    assert second.returncode == 0, second.stderr
    assert [r["pipeline_version_reference"] for r in kfp_api.runs] == 2 * [
        {"pipeline_id": "uid-pipeline", "pipeline_version_id": f"uid-{_version()}"}
    ]
    assert {r["service_account"] for r in kfp_api.runs} == {"pipeline-ranker-eval"}
    # one experiment, named after the pipeline, in the stack's namespace, reused
    assert [(e["display_name"], e["namespace"]) for e in kfp_api.experiments] == [
        (PIPELINE, "recsys")
    ]
    assert {r["experiment_id"] for r in kfp_api.runs} == {"exp-0"}
    assert kfp_api.tokens == {"Bearer projected-token"}
    assert "ended SUCCEEDED" in first.stdout


def test_a_failed_run_fails_the_cron_run(serve: Any, tmp_path: Path) -> None:
    result = _run_step(_cron(), serve(FakeKfp([_version()], "FAILED")), tmp_path)
    assert result.returncode == 1 and "ended FAILED" in result.stdout


def test_a_version_kfp_does_not_hold_is_not_replaced_by_another(serve: Any, tmp_path: Path) -> None:
    kfp_api = FakeKfp([f"{PIPELINE}-0000000000"], "SUCCEEDED")
    result = _run_step(_cron(), serve(kfp_api), tmp_path)
    assert result.returncode == 1 and _version() in result.stderr
    assert kfp_api.runs == []


def test_the_schedule_follows_the_pipeline_version() -> None:
    """An edited step is a new version (immutable in KFP); the CronWorkflow names it, so the
    next tick cannot run the old one."""
    plan = _plan(STACK, ENVIRONMENT)
    pipeline = plan.spec.pipelines[PIPELINE]
    step = pipeline.steps["report"].model_copy(
        update={"image": "europe-west4-docker.pkg.dev/x/y:2"}
    )
    edited = pipeline.model_copy(update={"steps": {**pipeline.steps, "report": step}})
    manifests = {(m.kind, m.name): m for m in kfp.build_pipeline(plan, PIPELINE, edited)}
    version = next(name for kind, name in manifests if kind == "PipelineVersion")
    assert version != _version()
    script = manifests[("CronWorkflow", PIPELINE)].body["spec"]["workflowSpec"]["templates"][0]
    assert {"name": "KFP_PIPELINE_VERSION", "value": version} in script["script"]["env"]


def test_the_schedule_holds_no_kubernetes_token_and_is_schema_valid() -> None:
    objects = _objects(STACK, ENVIRONMENT)
    cron = _cron()
    assert problems(cron, "1.32") == []
    assert cron["spec"]["schedules"] == ["0 7 * * mon"]
    spec = cron["spec"]["workflowSpec"]
    script = spec["templates"][0]["script"]
    mounts = {m["mountPath"]: m["name"] for m in script["volumeMounts"]}
    assert mounts["/var/run/secrets/kubernetes.io/serviceaccount"] == "no-api-token"
    volumes = {v["name"]: v for v in spec["volumes"]}
    token = volumes[mounts["/var/run/secrets/kubeflow/pipelines"]]["projected"]["sources"][0]
    assert token["serviceAccountToken"]["audience"] == "pipelines.kubeflow.org"
    rules = objects[("Role", spec["serviceAccountName"])]["rules"]
    kfp_rules = {
        r["resources"][0]: r["verbs"] for r in rules if r["apiGroups"] == ["pipelines.kubeflow.org"]
    }
    assert kfp_rules == {
        "pipelines": ["get", "list"],
        "experiments": ["get", "list", "create"],
        "runs": ["get", "create"],
    }
    # the unscheduled Pipeline carries no schedule left for someone else to set up
    assert "mlstack.dev/schedule" not in objects[("Pipeline", PIPELINE)]["metadata"]["annotations"]

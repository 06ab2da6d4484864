"""The cdk8s pass: objects go into one cdk8s Chart and come back as cdk8s synthesizes them.

Each object crosses into Node once, as a whole body (ApiObject + one JSON patch per
top-level field), and the chart is read back in one `to_json` call; the per-call cost of
jsii (~0.17 ms) is what compile time is made of.
"""

from __future__ import annotations

from typing import Any

from mlstack.targets.node_runtime import configure

configure()

import cdk8s  # noqa: E402  (after configure(): jsii reads JSII_NODE when it starts)


def synthesize(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "mlstack", disable_resource_name_hashes=True)
    for index, body in enumerate(objects):
        api = cdk8s.ApiObject(
            chart,
            f"o{index}",
            api_version=body["apiVersion"],
            kind=body["kind"],
            metadata=body["metadata"],
        )
        for key in sorted(body):
            if key not in ("apiVersion", "kind", "metadata"):
                api.add_json_patch(cdk8s.JsonPatch.add(f"/{key}", body[key]))
    result: list[dict[str, Any]] = chart.to_json()
    return result

"""Can KServe serve each KServe serving's models the way `serving.S.kserve` asks: the named
ServingRuntime serves the model's format, and some runtime speaks the protocol.

KServe accepts either mistake and leaves the InferenceService unready ("No runtime found"
or a runtime that cannot load the model), so the only useful moment to say so is validate.
The canary's model is checked too: the settings apply to both InferenceServices.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.runtimes import kserve
from mlstack.spec.predictor import KServePredictor
from mlstack.spec.serving import KServeServing


def check(ctx: Context) -> None:
    for name, serving in enabled(ctx.stack.serving).items():
        if not isinstance(serving, KServeServing):
            continue
        settings = serving.kserve
        path: PathKey = ("serving", name, "kserve")
        served = [serving.model] + ([serving.canary.model] if serving.canary else [])
        for model_name in dict.fromkeys(served):
            model = ctx.stack.models.get(model_name)
            if model is None:
                continue  # reported as a reference
            if _one_model(ctx, name, settings, model_name, model.framework, path):
                break  # one mistake, one diagnostic


def _one_model(
    ctx: Context,
    name: str,
    settings: KServePredictor,
    model_name: str,
    framework: str,
    path: PathKey,
) -> bool:
    """Report what keeps KServe from serving this model; True when something was."""
    runtime = settings.runtime
    known = kserve.SERVING_RUNTIMES.get(runtime or "")
    if known is not None and framework != "custom" and framework not in known.formats:
        servers = [r for r, facts in kserve.SERVING_RUNTIMES.items() if framework in facts.formats]
        ctx.error(
            "E0729",
            f"serving '{name}' names runtime '{runtime}', which does not serve {framework} "
            f"models (model '{model_name}')",
            (*path, "runtime"),
            f"use {' or '.join(servers)}, or remove runtime to let KServe choose"
            if servers
            else "remove runtime to let KServe choose",
        )
        return True
    protocol = settings.protocol_version or kserve.default_protocol(framework) or "v1"
    possible = kserve.protocols(framework, runtime)
    if possible is None or protocol in possible:
        return False
    on = f"runtime '{runtime}'" if runtime else "any runtime KServe selects"
    # Without protocolVersion the default clashes with the named runtime (V2_DEFAULT covers
    # every format whose selected runtimes lack v1).
    field = "protocolVersion" if settings.protocol_version else "runtime"
    ctx.error(
        "E0728",
        f"serving '{name}': {on} serves {framework} models (model '{model_name}') with "
        f"protocol {' or '.join(possible)}, not {protocol}"
        + ("" if settings.protocol_version else " (the default)"),
        (*path, field),
        f"set protocolVersion: {possible[0]}",
    )
    return True

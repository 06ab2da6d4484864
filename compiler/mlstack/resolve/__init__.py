"""Stage 3: `Document` + `Stack` -> one frozen `Plan` per environment, or every problem found.

Each environment's document is the base with its overlay merged in; it is validated again
(an overlay can break a field), then every cross-layer check runs on it. Problems shared by
all environments come from the base and are reported once (see `unique_sorted`).
"""

from __future__ import annotations

from typing import Any

from mlstack.diagnostics import Diagnostic
from mlstack.load import Document, PathKey
from mlstack.parse import validate_data
from mlstack.plan import Plan
from mlstack.resolve import capacity, fit, references
from mlstack.resolve.context import Context
from mlstack.resolve.identity import workloads
from mlstack.resolve.names_check import check as check_names
from mlstack.resolve.overlay import merge_environment
from mlstack.resolve.prune import prune
from mlstack.spec import Stack

DEFAULT_ENVIRONMENT = "default"


def environment_names(doc: Document) -> list[str]:
    envs = doc.data.get("environments")
    return list(envs) if isinstance(envs, dict) and envs else [DEFAULT_ENVIRONMENT]


def resolve(
    doc: Document, stack: Stack | None, hidden: tuple[PathKey, ...] = ()
) -> tuple[list[Plan], list[Diagnostic]]:
    """Plans for every environment, in file order, and all diagnostics (warnings included).

    With an invalid base (`stack` None) each overlay is still merged and validated, so a
    mistake in an environment is reported in the same run as one in the base. `hidden` are
    the document's credential paths (see `parse.find_secrets`)."""
    plans: list[Plan] = []
    diagnostics: list[Diagnostic] = []
    overlays = environment_names(doc) != [DEFAULT_ENVIRONMENT] or "environments" in doc.data
    for environment in environment_names(doc):
        merged_doc, problems = merge_environment(doc, environment)
        diagnostics += problems
        env_stack: Any = stack
        if overlays:
            prefix = ("environments", environment)
            env_hidden = tuple(
                p[2:] if p[:2] == prefix else p
                for p in hidden
                if p[:1] != ("environments",) or p[:2] == prefix
            )
            env_stack, problems = validate_data(merged_doc, merged_doc.data, env_hidden)
            diagnostics += problems
        if env_stack is None:
            continue
        plan, problems = resolve_environment(merged_doc, env_stack, environment)
        diagnostics += problems
        if plan is not None:
            plans.append(plan)
    return plans, diagnostics


def resolve_environment(
    doc: Document, stack: Stack, environment: str
) -> tuple[Plan | None, list[Diagnostic]]:
    ctx = Context(doc, stack, environment)
    references.check(ctx)
    fit.check(ctx)
    capacity.check(ctx)
    found = workloads(stack, environment)
    check_names(ctx, found)
    if any(d.is_error for d in ctx.diagnostics):
        return None, ctx.diagnostics
    # Workloads skip disabled things themselves, so they are the same for the pruned spec.
    pruned = prune(stack)
    labels = dict(pruned.metadata.labels)
    plan = Plan(
        stack=stack.metadata.name,
        environment=environment,
        file=doc.file,
        spec=pruned,
        namespace=pruned.platform.kubernetes.namespace or pruned.metadata.name,
        workloads=found,
        labels=labels,
        spans=doc.value_spans,
    )
    return plan, ctx.diagnostics

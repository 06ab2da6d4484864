"""Stage 3: `Document` + `Stack` -> one frozen `Plan` per environment, or every problem found.

Each environment's document is the base with its overlay merged in; it is validated again
(an overlay can break a field), then every cross-layer check runs on it. Problems shared by
all environments come from the base and are reported once (see `unique_sorted`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mlstack.diagnostics import Diagnostic
from mlstack.load import Document, PathKey
from mlstack.parse import misspelt_sections, validate_data
from mlstack.plan import Plan
from mlstack.resolve import (
    addons,
    azure_limits,
    capacity,
    drift,
    fit,
    images,
    ingress,
    managed,
    managed_limits,
    managed_serving,
    pools,
    predictor,
    references,
    routing,
    trainer,
    unused,
    versions,
)
from mlstack.resolve.context import Context
from mlstack.resolve.identity import cloud_roles, workloads
from mlstack.resolve.names_check import check as check_names
from mlstack.resolve.overlay import merge_environment
from mlstack.resolve.prune import prune
from mlstack.resolve.salvage import salvage
from mlstack.spec import Stack

DEFAULT_ENVIRONMENT = "default"


def environment_names(doc: Document) -> list[str]:
    envs = doc.data.get("environments")
    return list(envs) if isinstance(envs, dict) and envs else [DEFAULT_ENVIRONMENT]


def resolve(
    doc: Document,
    stack: Stack | None,
    hidden: tuple[PathKey, ...] = (),
    known: list[Diagnostic] | None = None,
) -> tuple[list[Plan], list[Diagnostic]]:
    """Plans for every environment, in file order, and all diagnostics (warnings included).

    With an invalid base (`stack` None) each overlay is still merged and validated, so a
    mistake in an environment is reported in the same run as one in the base. `hidden` are
    the document's credential paths (see `parse.find_secrets`); `known` what parse already
    reported. A problem found in some environments but not all names its environment."""
    plans: list[Plan] = []
    per_environment: dict[str, list[Diagnostic]] = {}
    overlays = environment_names(doc) != [DEFAULT_ENVIRONMENT] or "environments" in doc.data
    # A mistake in the base is seen again in every environment it reaches, at the span of
    # the overlay that touches it: it was reported once, where it was made.
    reported = {(d.code, d.message) for d in known or []}
    misspelt = misspelt_sections(doc.data)
    for environment in environment_names(doc):
        merged_doc, problems = merge_environment(doc, environment)
        diagnostics = per_environment.setdefault(environment, problems)
        env_stack: Any = stack
        broken: frozenset[PathKey] = frozenset()
        if overlays:
            prefix = ("environments", environment)
            env_hidden = tuple(
                p[2:] if p[:2] == prefix else p
                for p in hidden
                if p[:1] != ("environments",) or p[:2] == prefix
            )
            env_stack, problems = validate_data(
                merged_doc, merged_doc.data, (*env_hidden, *misspelt)
            )
            diagnostics += [p for p in problems if (p.code, p.message) not in reported]
        if env_stack is None:
            env_stack, broken = salvage(merged_doc.data)
            if env_stack is None:
                continue
        plan, problems = resolve_environment(merged_doc, env_stack, environment, broken)
        diagnostics += problems
        if plan is not None and not broken:
            plans.append(plan)
    return plans, _name_environments(per_environment, known or [])


def _name_environments(
    per_environment: dict[str, list[Diagnostic]], known: list[Diagnostic]
) -> list[Diagnostic]:
    """Diagnostics of all environments; one seen in only some of them says which."""

    def key(d: Diagnostic) -> tuple[object, ...]:
        return (d.code, d.span, d.message)

    seen_in: dict[tuple[object, ...], list[str]] = {}
    for environment, diagnostics in per_environment.items():
        for diagnostic in diagnostics:
            seen_in.setdefault(key(diagnostic), []).append(environment)
    everywhere = len(per_environment)
    base = {key(d) for d in known}
    out = list(known)
    for environment, diagnostics in per_environment.items():
        for found in diagnostics:
            k = key(found)
            partial = len(set(seen_in[k])) < everywhere and k not in base
            if partial and "environment '" not in found.message:
                out.append(
                    replace(found, message=f"{found.message} (in environment '{environment}')")
                )
            else:
                out.append(found)
    return out


def resolve_environment(
    doc: Document, stack: Stack, environment: str, broken: frozenset[PathKey] = frozenset()
) -> tuple[Plan | None, list[Diagnostic]]:
    ctx = Context(doc, stack, environment, broken)
    references.check(ctx)
    fit.check(ctx)
    azure_limits.check(ctx)
    pools.check(ctx)
    managed.check(ctx)
    managed_serving.check(ctx)
    routing.check(ctx)
    trainer.check(ctx)
    versions.check(ctx)
    addons.check(ctx)
    ingress.check(ctx)
    predictor.check(ctx)
    capacity.check(ctx)
    images.check(ctx)
    drift.check(ctx)
    managed_limits.check(ctx)
    found = workloads(stack, environment)
    check_names(ctx, found)
    if any(d.is_error for d in ctx.diagnostics):
        return None, ctx.diagnostics
    if not broken:
        # Only on a whole, valid environment: a serving dropped by a mistake of its own
        # would leave its model looking unused (one mistake, one diagnostic).
        unused.check(ctx)
    # Workloads skip disabled things themselves, so they are the same for the pruned spec.
    pruned = prune(stack)
    labels = dict(pruned.metadata.labels)
    plan = Plan(
        stack=stack.metadata.name,
        environment=environment,
        file=doc.file,
        source_file=doc.source_file,
        spec=pruned,
        namespace=pruned.platform.kubernetes.namespace or pruned.metadata.name,
        workloads=found,
        cloud_roles=cloud_roles(stack, environment),
        labels=labels,
        spans=doc.value_spans,
        addons=addons.chosen(pruned),
    )
    return plan, ctx.diagnostics

"""What no two environments may share, checked across every environment compiled together.

An environment is safe on its own and dangerous next to another (SPEC.md, "Environments" and
"Monitoring and identity"): two Terraform configurations on one state each plan to destroy
what the other created; two Argo CD Applications on one cluster namespace prune each other's
objects; two stacks publishing into one deploy folder replace each other's trees; a training
that writes where a serving of any environment serves replaces a production model outside
review; and a bucket that holds what the stack serves cannot be one mlstack creates, protects
and expires as its own. So these checks run on the plans of all environments of all files
given to one command (`check`, per file, and `across`, between files), never on one alone.

Costs stay linear: claims are grouped by key, and output/served overlaps are found through
the set of every served location's ancestors, not by comparing pairs.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mlstack.diagnostics import Diagnostic
from mlstack.load import PathKey
from mlstack.plan import Plan, created_bucket, training_output
from mlstack.resolve import DEFAULT_ENVIRONMENT
from mlstack.resolve.references import enabled
from mlstack.spec.uris import parse

STATE_KEY = {"s3": "key", "gcs": "prefix", "azurerm": "key", "local": "path"}
"""The backend argument that tells two states in one place apart: what an overlay sets."""
STATE_PLACE = {
    "s3": ("bucket", "key"),
    "gcs": ("bucket", "prefix"),
    "azurerm": ("storage_account_name", "container_name", "key"),
    "local": ("path",),
}


@dataclass(frozen=True)
class Claim:
    """Something an environment takes for itself: `key` names it, `path` is the spec value
    that decides it (where the diagnostic points), `fix` the key the user sets."""

    key: tuple[str, ...]
    plan: Plan
    path: PathKey
    fix: str


def _who(plan: Plan, other: Plan) -> str:
    if plan.stack == other.stack and plan.file == other.file:
        return f"environment '{plan.environment}'"
    return f"environment '{plan.environment}' of stack '{plan.stack}' ({plan.file})"


def _overlay_key(plan: Plan, key: str) -> str:
    """The key to set for this environment: in its overlay when the stack has overlays."""
    if plan.environment == DEFAULT_ENVIRONMENT:
        return key
    return f"environments.{plan.environment}.{key}"


def _state(plan: Plan) -> Claim | None:
    """The Terraform state an environment uses; only stacks with a cloud have Terraform."""
    if plan.spec.platform.cloud is None:
        return None
    backend = plan.spec.platform.terraform.backend
    arguments = backend.arguments()
    if backend.kind == "local":
        # A relative path (or none: terraform.tfstate) is inside the environment's own folder.
        file = str(arguments.get("path") or "terraform.tfstate")
        where = posixpath.normpath(posixpath.join(plan.stack, plan.environment, "terraform", file))
        place: tuple[str, ...] = (file if file.startswith("/") else f"OUT/{where}",)
    else:
        place = tuple(str(arguments.get(name, "")) for name in STATE_PLACE[backend.kind])
    path: PathKey = ("platform", "terraform", "backend", backend.kind, STATE_KEY[backend.kind])
    fix = _overlay_key(plan, ".".join(str(part) for part in path))
    return Claim((backend.kind, *place), plan, path, fix)


def _destination(plan: Plan) -> Claim | None:
    """The cluster and namespace an environment's Argo CD Application deploys to."""
    gitops = plan.spec.gitops
    if gitops is None:
        return None
    cluster = gitops.argocd.destination.key()
    return Claim(
        (cluster, plan.namespace),
        plan,
        ("platform", "kubernetes", "namespace"),
        _overlay_key(plan, "platform.kubernetes.namespace")
        + " (or gitops.argocd.destination, for another cluster)",
    )


def _describe_state(claim: Claim) -> str:
    kind, *place = claim.key
    names = STATE_PLACE[kind]
    return f"{kind} " + ", ".join(f"{n} '{v}'" for n, v in zip(names, place, strict=True))


def _clashes(claims: Sequence[Claim], across: bool) -> Iterator[tuple[Claim, Claim]]:
    """(later, first) for every claim whose key an earlier one holds; `across`: only pairs
    from different files (pairs within a file are found by `check` on that file)."""
    first: dict[tuple[str, ...], list[Claim]] = {}
    for claim in claims:
        holders = first.setdefault(claim.key, [])
        for holder in holders:
            if not across or holder.plan.file != claim.plan.file:
                yield claim, holder
                break
        holders.append(claim)


def _shared(plans: Sequence[Plan], across: bool) -> Iterator[Diagnostic]:
    states = [c for p in plans if (c := _state(p)) is not None]
    for claim, holder in _clashes(states, across):
        yield Diagnostic(
            "E0801",
            f"{_who(claim.plan, holder.plan)} uses the same Terraform state as "
            f"{_who(holder.plan, claim.plan)} ({_describe_state(claim)}): applying one "
            "would destroy the other's resources",
            claim.plan.span(claim.path),
            f"give it a state of its own: set {claim.fix}",
        )
    destinations = [c for p in plans if (c := _destination(p)) is not None]
    for claim, holder in _clashes(destinations, across):
        cluster, namespace = claim.key
        yield Diagnostic(
            "E0802",
            f"{_who(claim.plan, holder.plan)} deploys to namespace '{namespace}' of the same "
            f"cluster ({cluster}) as {_who(holder.plan, claim.plan)}: their Argo CD "
            "Applications would prune each other's objects",
            claim.plan.span(claim.path),
            f"give it a namespace of its own: set {claim.fix}",
        )
    yield from _folders(plans, across)


def _folders(plans: Sequence[Plan], across: bool) -> Iterator[Diagnostic]:
    """Two stacks whose deploy folders on one branch are the same or nested: publishing one
    replaces the other's tree. Environments of one stack are sub-folders of one folder."""
    seen: dict[tuple[str, str], list[tuple[str, Plan]]] = {}
    reported: set[str] = set()
    for plan in plans:
        gitops = plan.spec.gitops
        if gitops is None:
            continue
        folder = gitops.path or f"stacks/{plan.stack}"
        for other_folder, other in seen.setdefault((gitops.repo, gitops.branch), []):
            if other.stack == plan.stack or (across and other.file == plan.file):
                continue
            if _nested(folder, other_folder) and plan.stack not in reported:
                reported.add(plan.stack)
                yield Diagnostic(
                    "E0803",
                    f"stack '{plan.stack}' publishes to '{folder}' on branch '{gitops.branch}' "
                    f"of {gitops.repo}, which overlaps stack '{other.stack}''s folder "
                    f"'{other_folder}': publishing one would replace the other's tree",
                    plan.span(("gitops", "path")),
                    "give each stack a folder of its own: set gitops.path",
                )
        seen[gitops.repo, gitops.branch].append((folder, plan))


def _nested(a: str, b: str) -> bool:
    return a == b or a.startswith(f"{b}/") or b.startswith(f"{a}/")


Served = dict[tuple[str, ...], tuple[Plan, str, str]]


def _served(plans: Sequence[Plan]) -> tuple[Served, Served]:
    """Every location a serving of any environment serves, as (scheme, bucket, *segments)
    -> (plan, serving, uri) of the first that serves it; and the same for each ancestor."""
    exact: Served = {}
    above: Served = {}
    for plan in plans:
        for name, serving in enabled(plan.spec.serving).items():
            models = [serving.model] + ([serving.canary.model] if serving.canary else [])
            for model in models:
                entry = plan.spec.models.get(model)
                if entry is None or entry.uri.startswith(("hf://", "models:/")):
                    continue
                parts = _parts(entry.uri)
                exact.setdefault(parts, (plan, name, entry.uri))
                for cut in range(2, len(parts) + 1):
                    above.setdefault(parts[:cut], (plan, name, entry.uri))
    return exact, above


def _parts(uri: str) -> tuple[str, ...]:
    location = parse(uri)
    return (location.scheme, location.bucket, *[s for s in location.prefix.split("/") if s])


def _hit(exact: Served, above: Served, uri: str) -> tuple[Plan, str, str] | None:
    """A served location at or above `uri`, or one below it."""
    parts = _parts(uri)
    return next(
        (exact[parts[:c]] for c in range(2, len(parts) + 1) if parts[:c] in exact),
        above.get(parts),
    )


def _outputs(plans: Sequence[Plan], across: bool) -> Iterator[Diagnostic]:
    exact, above = _served(plans)
    if not exact:
        return
    for plan in plans:
        for model, entry in enabled(plan.spec.models).items():
            output = training_output(plan.spec, model) if entry.training else None
            if output is None:
                continue
            hit = _hit(exact, above, output)
            if hit is None:
                continue
            other, serving, uri = hit
            if across and other.file == plan.file:
                continue
            explicit = entry.training is not None and entry.training.output is not None
            path: PathKey = ("models", model, "training", "output" if explicit else "operator")
            yield Diagnostic(
                "E0804",
                f"the training of model '{model}' writes to {output}, where serving "
                f"'{serving}' of {_who(other, plan)} serves {uri}: a run would replace a "
                "served model outside review",
                plan.span(path),
                "set models."
                f"{model}.training.output to a location no serving reads (promoting a run is "
                "a change of the model's uri)",
            )


def _captures(plans: Sequence[Plan], across: bool) -> Iterator[Diagnostic]:
    """A SageMaker data capture destination where a serving of any environment serves: the
    execution role may write there, so captures would land among (and could replace) model
    files, and a served prefix would grow by every request."""
    exact, above = _served(plans)
    if not exact:
        return
    for plan in plans:
        for name, serving in enabled(plan.spec.serving).items():
            capture = getattr(serving, "data_capture", None)
            hit = _hit(exact, above, capture.destination) if capture is not None else None
            if capture is None or hit is None or (across and hit[0].file == plan.file):
                continue
            other, served, uri = hit
            yield Diagnostic(
                "E0418",
                f"serving '{name}' captures requests into {capture.destination}, where serving "
                f"'{served}' of {_who(other, plan)} serves {uri}: the endpoint would write "
                "into a served model",
                plan.span(("serving", name, "dataCapture", "destination")),
                "capture into a prefix of its own, e.g. s3://BUCKET/capture/"
                f"{name}/, beside the models, not under them",
            )


def _owned(plans: Sequence[Plan], across: bool) -> Iterator[Diagnostic]:
    """A created artifact bucket that holds the stack's models, drift data, outputs or data
    captures."""
    holds: dict[tuple[str, str], tuple[Plan, str]] = {}
    for plan in plans:
        spec = plan.spec
        for model, entry in enabled(spec.models).items():
            uris = [(entry.uri, f"model '{model}'")]
            output = training_output(spec, model) if entry.training else None
            if output is not None:
                uris.append((output, f"the training output of model '{model}'"))
            for uri, what in uris:
                if not uri.startswith(("hf://", "models:/")):
                    location = parse(uri)
                    holds.setdefault((location.scheme, location.bucket), (plan, f"{what} ({uri})"))
        for name, drift in enabled(spec.monitoring.drift).items():
            for uri in filter(None, (drift.reference, drift.current)):
                location = parse(uri)
                holds.setdefault(
                    (location.scheme, location.bucket), (plan, f"drift data of '{name}' ({uri})")
                )
        for name, serving in enabled(spec.serving).items():
            capture = getattr(serving, "data_capture", None)
            if capture is not None:
                location = parse(capture.destination)
                what = f"the data capture of serving '{name}' ({capture.destination})"
                holds.setdefault((location.scheme, location.bucket), (plan, what))
    for plan in plans:
        created = created_bucket(plan.spec)
        held = holds.get((created.scheme, created.bucket)) if created else None
        if created is None or held is None or (across and held[0].file == plan.file):
            continue
        yield Diagnostic(
            "E0805",
            f"mlstack would create and own the artifact bucket '{created.bucket}', which holds "
            f"{held[1]}: a bucket the stack serves from is not mlstack's to create or expire",
            plan.span(("tracking", "mlflow", "artifacts")),
            "the bucket exists: set tracking.mlflow.createBucket: false, or keep MLflow "
            "artifacts in a bucket of their own",
        )


def check(plans: Sequence[Plan], *, across: bool = False) -> list[Diagnostic]:
    """Every clash between the environments of `plans`; `across`: only between files."""
    return [
        *_shared(plans, across),
        *_outputs(plans, across),
        *_captures(plans, across),
        *_owned(plans, across),
    ]

"""Stage 2: `Document` -> `Stack`, every pydantic error turned into a diagnostic at its span."""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mlstack import misplaced, secrets
from mlstack.diagnostics import Diagnostic, Span
from mlstack.load import Document, PathKey
from mlstack.spec import Stack
from mlstack.spec.docs import field_docs
from mlstack.spec.serving import RUNTIMES
from mlstack.suggest import closest, did_you_mean
from mlstack.typewalk import keys_of, keys_taking, model_at

_NAMED = {"compute": "pool", "models": "model", "pipelines": "pipeline", "notebooks": "notebook",
          "serving": "serving", "environments": "environment"}  # fmt: skip
_NESTED = {("features", "groups"): "feature group", ("monitoring", "alerts"): "alert",
           ("monitoring", "drift"): "drift check", ("monitoring", "receivers"): "receiver"}  # fmt: skip
_TAGS = {
    "runtime": RUNTIMES,
    "provider": ("aws", "gcp", "azure"),
    "operator": ("pytorchjob", "tfjob", "job", "sagemaker", "vertex", "azureml"),
}
_RENAMED = {
    "kfserving": "KFServing is KServe's old name: write 'kserve'",
    "seldon-core": "write 'seldon' (Seldon Core v2)",
    "mlserver": "MLServer runs under 'seldon' or 'mlflow'",
    "tritonserver": "write 'triton'",
    "tensorflow-serving": "write 'tfserving'",
}
_BOOL_WORDS = {
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Yes",
    "No",
    "On",
    "Off",
    "YES",
    "NO",
    "ON",
    "OFF",
}
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               dict: "a mapping", list: "a list", type(None): "nothing"}  # fmt: skip


def describe(path: PathKey) -> str:
    """Human words for where a path points: "serving 'fraud-api' (replicas.min)"."""
    if not path:
        return "the stack"
    head = path[0]
    if head == "pipelines" and len(path) > 3 and path[2] == "steps":
        where, rest = f"step '{path[3]}' of pipeline '{path[1]}'", path[4:]
    elif head in _NAMED and len(path) > 1:
        where, rest = f"{_NAMED[str(head)]} '{path[1]}'", path[2:]
    elif tuple(path[:2]) in _NESTED and len(path) > 2:
        where, rest = f"{_NESTED[(str(path[0]), str(path[1]))]} '{path[2]}'", path[3:]
    else:
        where, rest = "'" + ".".join(str(p) for p in path) + "'", ()
    detail = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in rest).replace(".[", "[")
    return f"{where} ({detail})" if detail else where


_BOUNDS = {
    "greater_than_equal": ("must be at least {}", "ge"),
    "greater_than": ("must be more than {}", "gt"),
    "less_than_equal": ("must be at most {}", "le"),
    "less_than": ("must be less than {}", "lt"),
    "too_short": ("needs at least {} entries", "min_length"),
    "too_long": ("takes at most {} entries", "max_length"),
    "string_too_short": ("needs at least {} characters", "min_length"),
    "string_too_long": ("takes at most {} characters", "max_length"),
}
_BOUND_HINT: dict[PathKey, str] = {
    ("traffic",): "canary traffic is the percent of requests for the candidate: 1 to 99",
    ("workers",): "workers is the total number of pods, master included",
    ("steps",): "a pipeline needs at least one step",
}


def _bound(kind: str, ctx: dict[str, Any]) -> str:
    text, key = _BOUNDS[kind]
    return text.format(ctx.get(key, "?"))


def data_path(data: Any, loc: tuple[str | int, ...]) -> PathKey:
    """Map a pydantic loc onto the data, dropping union tags and validator names."""
    path: list[str | int] = []
    node = data
    for element in loc:
        child = _child(node, element)
        if child is not _ABSENT:
            node = child
            path.append(element)
    return tuple(path)


_ABSENT = object()


def _child(node: Any, element: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(element, _ABSENT)
    if isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
        return node[element]
    return _ABSENT


def _value_at(data: Any, path: PathKey) -> Any:
    for element in path:
        data = data[element]
    return data


def _kind_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class _Mapper:
    def __init__(self, doc: Document, root: type[BaseModel]) -> None:
        self.doc = doc
        self.root = root

    def span_for(self, path: PathKey, value: Any) -> Span:
        if isinstance(value, (dict, list)) and path in self.doc.key_spans:
            return self.doc.key_spans[path]
        return self.doc.span(path)

    def convert(self, error: ErrorDetails) -> tuple[PathKey, Diagnostic]:
        loc = tuple(error["loc"])
        kind = error["type"]
        ctx: dict[str, Any] = dict(error.get("ctx") or {})
        data = self.doc.data
        if kind == "extra_forbidden":
            path = (*data_path(data, loc[:-1]), loc[-1])
            model = model_at(self.root, loc[:-1])
            hint = misplaced.hint(str(loc[-1]), path[:-1])
            if model and not hint:
                hint = did_you_mean(str(loc[-1]), keys_taking(model, _value_at(data, path)))
            if model and not hint:
                hint = "allowed here: " + ", ".join(keys_of(model))
            return path, Diagnostic(
                "E0101",
                f"unknown key '{loc[-1]}' in {describe(path[:-1])}",
                self.doc.span(path, key=True),
                hint,
            )
        path = data_path(data, loc)
        value = _value_at(data, path)
        if kind == "missing":
            field = loc[-1]
            return path, Diagnostic(
                "E0102",
                f"{describe(path)} is missing the required field '{field}'",
                self.span_for(path, value),
                self._field_hint(loc),
            )
        if kind == "union_tag_not_found":
            field = ctx.get("discriminator", "").strip("'")
            return path, Diagnostic(
                "E0102",
                f"{describe(path)} is missing the required field {ctx.get('discriminator')}",
                self.span_for(path, value),
                self._tags_hint(loc, field),
            )
        if kind == "union_tag_invalid":
            field = ctx.get("discriminator", "").strip("'")
            tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
            return (*path, field), Diagnostic(
                "E0112",
                f"unknown {field} '{ctx.get('tag')}' in {describe(path)}",
                self.doc.span((*path, field)),
                _RENAMED.get(str(ctx.get("tag")))
                or did_you_mean(str(ctx.get("tag")), tags)
                or "one of: " + ", ".join(tags),
            )
        if kind.startswith("E0"):
            hint = ctx.get("hint")
            if loc[-1] == "[key]":
                # The name itself is wrong: the source line already shows which one.
                return path, Diagnostic(
                    kind,
                    str(error["msg"]),
                    self.doc.span(path, key=True),
                    str(hint) if hint else None,
                )
            at = ctx.get("at")
            if isinstance(value, dict) and isinstance(at, str) and at in value:
                # A model-level rule about one of its fields: point at that field.
                path, value = (*path, at), value[at]
            return path, Diagnostic(
                kind,
                f"{describe(path)}: {error['msg']}",
                self.span_for(path, value),
                str(hint) if hint else None,
                redact=kind.startswith("E02"),
            )
        return path, self._builtin(kind, error, path, value, ctx)

    def _builtin(
        self, kind: str, error: ErrorDetails, path: PathKey, value: Any, ctx: dict[str, Any]
    ) -> Diagnostic:
        span = self.span_for(path, value)
        where = describe(path)
        if kind == "bool_type" and isinstance(value, str) and value in _BOOL_WORDS:
            return Diagnostic(
                "E0113",
                f"{where}: '{value}' is a string in YAML 1.2, not a boolean",
                span,
                "write true or false",
            )
        if kind == "literal_error":
            expected = [
                e.strip(" '") for e in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
            ]
            expected = [e for e in expected if e]
            return Diagnostic(
                "E0112",
                f"{where}: '{value}' is not one of {', '.join(expected)}",
                span,
                did_you_mean(str(value), expected),
            )
        if kind.endswith("_type") or kind in ("model_type", "model_attributes_type"):
            wanted = {
                "string_type": "a string", "int_type": "an integer", "float_type": "a number",
                "bool_type": "true or false", "dict_type": "a mapping", "list_type": "a list",
                "model_type": "a mapping", "model_attributes_type": "a mapping",
            }.get(kind, error["msg"].removeprefix("Input should be ").rstrip("."))  # fmt: skip
            hint = self._type_hint(kind, path, value, span)
            return Diagnostic(
                "E0103", f"{where}: expected {wanted}, found {_kind_name(value)}", span, hint
            )
        if kind == "string_pattern_mismatch":
            hint = self._field_hint(error["loc"])
            if path[:2] == ("metadata", "labels"):
                hint = "label values are up to 63 letters, digits, '-', '_' and '.', no spaces"
            return Diagnostic("E0112", f"{where}: '{value}' is not a valid value here", span, hint)
        if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than",
                    "too_short", "too_long", "string_too_short", "string_too_long"):  # fmt: skip
            return Diagnostic(
                "E0116", f"{where}: {_bound(kind, ctx)}", span, _BOUND_HINT.get(path[-1:])
            )
        return Diagnostic("E0112", f"{where}: {error['msg']}", span, None)

    def _type_hint(self, kind: str, path: PathKey, value: Any, span: Span) -> str | None:
        if (
            kind == "string_type"
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            line = self.doc.lines[span.line - 1] if span.line <= len(self.doc.lines) else ""
            written = line[span.col - 1 : span.end_col - 1] or str(value)
            return f'quote it: "{written}"'
        if kind in ("int_type", "float_type") and isinstance(value, str):
            number = value.strip().removesuffix("%").strip()
            if value.strip().endswith("%") and number.isdigit():
                return f"the field is a percent already: write {number}"
            return "remove the quotes" if value.replace(".", "", 1).isdigit() else None
        if kind in ("dict_type", "model_type") and isinstance(value, list) and len(path) == 1:
            return "named things are maps keyed by name: write 'NAME: {...}' entries, not a list"
        if kind in ("model_type", "dict_type") and value is None and path == ("environments",):
            return "remove the empty 'environments:' line, or name environments under it"
        if kind in ("model_type", "dict_type") and value is None and path[:1] == ("environments",):
            return f"an environment with no changes is written '{path[-1]}: {{}}'"
        if kind == "string_type" and isinstance(value, dict) and len(value) == 1:
            ((key, item),) = value.items()
            return f"YAML read '{key}: {item}' as a mapping; quote it: \"{key}: {item}\""
        if path[-1:] in (("replicas",), ("nodes",)) and isinstance(value, int):
            return f"write {{min: {value}, max: {value}}}"
        return None

    def _field_hint(self, loc: tuple[str | int, ...]) -> str | None:
        model = model_at(self.root, loc[:-1])
        if model is None:
            return None
        docs = field_docs(model)
        for name, info in model.model_fields.items():
            if loc[-1] in (name, info.alias) and name in docs:
                return docs[name].split("\n")[0].strip()
        return None

    def _tags_hint(self, loc: tuple[str | int, ...], field: str) -> str | None:
        choices = _TAGS.get(field)
        return f"add '{field}:' with one of {', '.join(choices)}" if choices else None


def _misspelt_fields(details: list[ErrorDetails]) -> set[tuple[str | int, ...]]:
    """Required fields whose absence is a misspelling beside them (`bucket_name` for
    `bucket`, a literal `apiKey` for `apiKeySecret`): the unknown key is the one mistake, and
    its diagnostic already names the field."""
    found = set()
    for detail in details:
        if detail["type"] != "extra_forbidden":
            continue
        loc = tuple(detail["loc"])
        model = model_at(Stack, loc[:-1])
        if model is not None and (field := closest(str(loc[-1]), keys_of(model))):
            found.add((*loc[:-1], field))
    return found


def misspelt_sections(data: Any) -> tuple[PathKey, ...]:
    """Sections the stack lacks because a top-level key misspells them (`servng:`). An
    overlay's part of such a section is not complete on its own, so what it lacks is not
    reported again in each environment: the unknown key is the mistake."""
    if not isinstance(data, dict):
        return ()
    sections = keys_of(Stack)
    return tuple(
        (guess,)
        for key in data
        if key not in sections and (guess := closest(str(key), sections)) and guess not in data
    )


class Parsed(NamedTuple):
    stack: Stack | None
    diagnostics: list[Diagnostic]
    secrets: tuple[PathKey, ...]
    """Paths holding credential-like values: no other diagnostic may show them."""


def _secret_diagnostic(doc: Document, path: PathKey, kind: str) -> Diagnostic:
    """The message fits where the credential sits: a backend argument, a Secret-name field,
    or anywhere else."""
    key = str(path[-1])
    if len(path) >= 3 and path[-3] == "backend":
        return Diagnostic(
            "E0203",
            f"{describe(path)}: this backend argument is a credential and cannot be written in the spec",
            doc.span(path),
            "give it to Terraform through its environment variable or a credentials file "
            "in CI (see the backend's documentation)",
            redact=True,
        )
    if key.endswith(("Secret", "secret")) or path[-2:-1] == ("secretKeyRef",):
        return Diagnostic(
            "E0201",
            f"{describe(path)}: this field takes the name of a Kubernetes Secret, and the value "
            "looks like a credential itself",
            doc.span(path),
            "store it in a Secret (kubectl create secret generic NAME --from-literal=…) "
            "and write that Secret's name here",
            redact=True,
        )
    return Diagnostic(
        "E0202",
        f"{describe(path)} holds what looks like {kind}",
        doc.span(path),
        "never put credentials in the spec: store them in a Kubernetes Secret and "
        "reference it (e.g. apiKeySecret: NAME, database: {secret: NAME})",
        redact=True,
    )


def find_secrets(doc: Document) -> tuple[list[Diagnostic], tuple[PathKey, ...]]:
    """Scan the whole document once, environments included."""
    findings = list(secrets.scan(doc.data))
    diagnostics = [_secret_diagnostic(doc, path, kind) for path, kind in findings]
    return diagnostics, tuple(path for path, _ in findings)


def validate_data(
    doc: Document, data: dict[str, Any], hidden: tuple[PathKey, ...] = ()
) -> tuple[Any, list[Diagnostic]]:
    """Validate `data` (the document's, or a merged environment's) and map the errors,
    leaving out any at or under a `hidden` path (a credential must not be echoed)."""
    diagnostics: list[Diagnostic] = []
    try:
        return Stack.model_validate(data), diagnostics
    except ValidationError as error:
        mapper = _Mapper(doc, Stack)
        taken: set[PathKey] = set()
        details = error.errors(include_url=False)
        misspelt = _misspelt_fields(details)
        for detail in details:
            if detail["type"] == "missing" and tuple(detail["loc"]) in misspelt:
                continue
            path, diagnostic = mapper.convert(detail)
            if path in taken or any(path[: len(h)] == h for h in hidden):
                continue
            taken.add(path)
            diagnostics.append(diagnostic)
        return None, diagnostics


def parse(doc: Document) -> Parsed:
    found, hidden = find_secrets(doc)
    stack, diagnostics = validate_data(doc, doc.data, hidden)
    return Parsed(stack, found + diagnostics, hidden)

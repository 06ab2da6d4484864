"""Value types of the spec: each one checks its own syntax and explains a mistake with a hint.

Errors are raised as PydanticCustomError whose *type* is the diagnostic code, so the parse
stage turns them into compiler diagnostics without a lookup table, and the message never
repeats a value that could be a credential (credential checks live in `mlstack.secrets`).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from mlstack.secrets import looks_like_credential

NAME_MAX = 40
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def _fail(code: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(code, message, context)


def validate_name(value: str) -> str:
    if not isinstance(value, str):
        raise _fail("E0104", "a name must be a string")
    if len(value) > NAME_MAX:
        raise _fail(
            "E0104",
            "'{value}' is {length} characters long; names are at most {limit}",
            value=value,
            length=len(value),
            limit=NAME_MAX,
            hint="generated Kubernetes names add suffixes and must stay under 63 characters",
        )
    if not _DNS_LABEL.fullmatch(value):
        suggestion = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-") or "my-name"
        raise _fail(
            "E0104",
            "'{value}' is not a valid name (lowercase letters, digits and '-', "
            "starting and ending with a letter or digit)",
            value=value,
            hint=f"try '{suggestion[:NAME_MAX]}'",
        )
    return value


Name = Annotated[
    str,
    AfterValidator(validate_name),
    Field(json_schema_extra={"pattern": f"^{_DNS_LABEL.pattern}$", "maxLength": NAME_MAX}),
]
"""A DNS-1123 label of at most 40 characters: every named thing in a stack."""


# --- Kubernetes quantities --------------------------------------------------------------
_NUMBER = r"([0-9]+(\.[0-9]*)?|\.[0-9]+)"
_UNIT = r"(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)"
_QUANTITY = re.compile(f"(?P<number>{_NUMBER})(?P<suffix>{_UNIT})?")
_SUFFIX = {
    "": 1.0, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "P": 1e15, "E": 1e18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
    "Ei": 2**60,
}  # fmt: skip
_HUMAN_UNIT = re.compile(r"\s*([0-9.]+)\s*([kmgtpKMGTP])(i?)[bB]?\s*")


def quantity_value(quantity: str) -> float:
    """The number a quantity stands for: cores for CPU, bytes for memory."""
    match = _QUANTITY.fullmatch(quantity)
    if match is None:
        raise ValueError(quantity)
    suffix = match["suffix"] or ""
    scale = 10 ** float(suffix[1:]) if suffix[:1] in ("e", "E") else _SUFFIX[suffix]
    return float(match["number"]) * scale


def _quantity(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _fail("E0105", "expected a Kubernetes quantity such as '500m' or '4Gi'")
    text = str(value) if not isinstance(value, str) else value
    if _QUANTITY.fullmatch(text):
        return text
    human = _HUMAN_UNIT.fullmatch(text)
    hint = "write quantities the Kubernetes way: '500m', '2', '512Mi', '4Gi'"
    if human:
        unit = human[2].upper() if human[2] != "k" else "k"
        hint = f"write '{human[1]}{unit}i' (binary) or '{human[1]}{unit}' (decimal), with no space"
    raise _fail("E0105", "'{value}' is not a Kubernetes quantity", value=text, hint=hint)


Quantity = Annotated[
    str,
    BeforeValidator(_quantity),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": f"^{_NUMBER}{_UNIT}?$"},
                {"type": "number", "minimum": 0},
            ],
            "examples": ["500m", "4Gi", 2],
        }
    ),
]
"""A Kubernetes quantity. Like Kubernetes itself (int-or-string), a plain YAML number is one
too (`cpu: 2`, `cpu: 0.5`), and the JSON Schema says so, so editors and validate agree."""


# --- durations --------------------------------------------------------------------------
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")
_DURATION = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d))+")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def duration_seconds(duration: str) -> float:
    """Seconds in a duration such as '250ms' or '1h30m'."""
    return sum(float(n) * _SECONDS[unit] for n, unit in _DURATION_PART.findall(duration))


def validate_duration(value: object) -> str:
    if isinstance(value, str) and _DURATION.fullmatch(value):
        return value
    hint = "write a number with a unit: '250ms', '30s', '10m', '1h'"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        hint = f"add a unit, for example '{value}s'"
    raise _fail("E0106", "expected a duration such as '250ms' or '10m'", hint=hint)


Duration = Annotated[
    str,
    BeforeValidator(validate_duration),
    Field(json_schema_extra={"pattern": f"^{_DURATION.pattern}$", "examples": ["250ms", "10m"]}),
]


# --- percentages ------------------------------------------------------------------------
_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")


def validate_percentage(value: object) -> str:
    if isinstance(value, str) and (match := _PERCENT.fullmatch(value)):
        if float(match[1]) <= 100:
            return value
        raise _fail("E0107", "a percentage cannot be over 100%")
    hint = "write it with a percent sign, for example '1%'"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        hint = f"write '{value}%'" if value >= 1 else f"write '{value * 100:g}%'"
    raise _fail("E0107", "expected a percentage such as '1%'", hint=hint)


Percentage = Annotated[
    str,
    BeforeValidator(validate_percentage),
    Field(json_schema_extra={"pattern": r"^[0-9]+(\.[0-9]+)?%$", "examples": ["1%", "0.5%"]}),
]


def percentage_value(percentage: str) -> float:
    return float(percentage.rstrip("%"))


# --- schedules --------------------------------------------------------------------------
MACROS = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly")
_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}),
    ("day of week", 0, 7, {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}),
)  # fmt: skip


def _cron_atom(text: str, low: int, high: int, names: dict[str, int]) -> bool:
    value = names.get(text.lower()) if text.isalpha() else (int(text) if text.isdigit() else None)
    return value is not None and low <= value <= high


def _cron_field(text: str, low: int, high: int, names: dict[str, int]) -> bool:
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        first, dash, last = base.partition("-")
        if not _cron_atom(first, low, high, names):
            return False
        if dash and not _cron_atom(last, low, high, names):
            return False
    return True


def _schedule(value: object) -> str:
    if not isinstance(value, str):
        raise _fail("E0108", "a schedule must be a string", hint='quote it: "0 3 * * *"')
    if value.startswith("@"):
        if value in MACROS:
            return value
        raise _fail(
            "E0108",
            "unknown schedule macro '{value}'",
            value=value,
            hint="use one of " + ", ".join(MACROS),
        )
    fields = value.split()
    if len(fields) != 5:
        raise _fail(
            "E0108",
            "'{value}' has {count} fields; a cron schedule has five "
            "(minute hour day-of-month month day-of-week)",
            value=value,
            count=len(fields),
            hint='for example "0 3 * * *" is every day at 03:00',
        )
    for text, (label, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        if not _cron_field(text, low, high, names):
            raise _fail(
                "E0108",
                "'{field}' is not a valid {label} field (allowed {low}-{high})",
                field=text,
                label=label,
                low=low,
                high=high,
                hint="see crontab(5): '*', '*/15', '1-5', '0,30'",
            )
    return value


Schedule = Annotated[
    str,
    BeforeValidator(_schedule),
    Field(json_schema_extra={"examples": ["0 3 * * 1", "@hourly"]}),
]


# --- images -----------------------------------------------------------------------------
_IMAGE = re.compile(
    r"(?:(?P<registry>[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?)/)?"
    r"(?P<repository>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?"
)


def _image(value: object) -> str:
    if isinstance(value, str) and _IMAGE.fullmatch(value):
        return value
    hint = "for example 'ghcr.io/acme/train:1.4.2' or 'repo/image@sha256:…'"
    if isinstance(value, str) and value != value.lower():
        hint = "repository names are lowercase; " + hint
    raise _fail("E0111", "not a valid container image reference", hint=hint)


Image = Annotated[
    str,
    BeforeValidator(_image),
    Field(json_schema_extra={"examples": ["ghcr.io/acme/fraud-train:1.4.2"]}),
]


def image_is_pinned(image: str) -> bool:
    """A digest, or a tag other than `latest`: what runs is what was reviewed."""
    match = _IMAGE.fullmatch(image)
    return bool(match and (match["digest"] or (match["tag"] and match["tag"] != "latest")))


def _has_image_validator(metadata: Iterable[object]) -> bool:
    return any(isinstance(m, BeforeValidator) and m.func is _image for m in metadata)


def is_image_field(info: FieldInfo) -> bool:
    """Whether a model field is declared as `Image` or `Image | None` (by its validator)."""
    return _has_image_validator(info.metadata) or any(
        typing.get_origin(arg) is Annotated and _has_image_validator(arg.__metadata__)
        for arg in typing.get_args(info.annotation)
    )


# --- secret references ------------------------------------------------------------------
def _secret_name(value: object) -> str:
    if isinstance(value, str) and looks_like_credential(value):
        raise _fail(
            "E0201",
            "this field takes the name of a Kubernetes Secret, and the value looks like a "
            "credential itself",
            hint="store it in a Secret (kubectl create secret generic NAME --from-literal=…) "
            "and write that Secret's name here",
        )
    if not isinstance(value, str) or len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise _fail(
            "E0104",
            "expected the name of a Kubernetes Secret (lowercase letters, digits, '-' and '.')",
            hint="create the Secret in the namespace and write its name, e.g. 'mlflow-db'",
        )
    return value


SecretName = Annotated[
    str,
    BeforeValidator(_secret_name),
    Field(json_schema_extra={"pattern": "^" + _DNS_SUBDOMAIN.pattern + "$", "maxLength": 253}),
]


# --- IAM members ------------------------------------------------------------------------
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
_IAM_MEMBER = re.compile(
    rf"(user|serviceAccount|group):{_EMAIL}|domain:[a-z0-9-]+(\.[a-z0-9-]+)+"
    r"|principal(Set)?://iam\.googleapis\.com/\S+|allUsers|allAuthenticatedUsers"
)


def _iam_member(value: object) -> str:
    if isinstance(value, str) and _IAM_MEMBER.fullmatch(value):
        return value
    hint = (
        "write user:EMAIL, serviceAccount:EMAIL, group:EMAIL, domain:DOMAIN, "
        "principal://…, principalSet://…, allAuthenticatedUsers or allUsers"
    )
    if isinstance(value, str) and value.endswith(".gserviceaccount.com") and ":" not in value:
        hint = f"a service account is written 'serviceAccount:{value}'"
    elif isinstance(value, str) and "@" in value and ":" not in value:
        hint = f"say what kind of principal it is: 'user:{value}' or 'group:{value}'"
    raise _fail("E0420", "not an IAM member", hint=hint)


IamMember = Annotated[
    str,
    BeforeValidator(_iam_member),
    Field(
        json_schema_extra={
            "pattern": f"^({_IAM_MEMBER.pattern})$",
            "examples": ["serviceAccount:batch@acme.iam.gserviceaccount.com"],
        }
    ),
]
"""A Google IAM principal as IAM bindings write it (`serviceAccount:EMAIL`, `group:EMAIL`,
...): checked here, because IAM rejects a malformed member only at apply time."""

LabelKey = Annotated[
    str,
    Field(
        pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
    ),
]
"""A Kubernetes label (or annotation) key: an optional DNS prefix and a name."""
LabelValue = Annotated[str, Field(pattern=r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")]
"""A Kubernetes label value: up to 63 letters, digits, '-', '_' and '.'."""

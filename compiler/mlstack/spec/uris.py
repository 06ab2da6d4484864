"""Model and data locations: the URI schemes of SPEC.md, parsed once for every later stage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from mlstack import clouds

CLOUD_SCHEMES = clouds.SCHEMES
"""Object-storage scheme -> cloud, from the cloud registry (mlstack/clouds)."""

_FORMS: dict[str, tuple[re.Pattern[str], str]] = {
    "s3": (re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?"), "s3://BUCKET/PATH"),
    "gs": (re.compile(r"gs://([a-z0-9][a-z0-9._-]{1,61}[a-z0-9])(/.*)?"), "gs://BUCKET/PATH"),
    "azureblob": (
        re.compile(r"azureblob://([a-z0-9]{3,24})/([a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?)(/.*)?"),
        "azureblob://ACCOUNT/CONTAINER/PATH",
    ),
    "hf": (re.compile(r"hf://([\w.-]+)/([\w.-]+)(@[\w./-]+)?"), "hf://ORG/NAME[@REVISION]"),
    "pvc": (re.compile(r"pvc://([a-z0-9]([-a-z0-9]*[a-z0-9])?)(/.*)?"), "pvc://CLAIM/PATH"),
    "models": (re.compile(r"models:/([\w.-]+)/([0-9]+|[A-Za-z][\w-]*)"), "models:/NAME/VERSION"),
}


@dataclass(frozen=True)
class Location:
    """A parsed URI. For cloud storage, `bucket` is the bucket (s3, gs) or `ACCOUNT/CONTAINER`."""

    uri: str
    scheme: str
    bucket: str
    prefix: str

    @property
    def cloud(self) -> str | None:
        return CLOUD_SCHEMES.get(self.scheme)


def scheme_of(uri: str) -> str:
    return "models" if uri.startswith("models:/") else uri.partition("://")[0]


@cache
def parse(uri: str) -> Location:
    """Split a URI already accepted by the validators below (cached: stacks repeat buckets)."""
    scheme = scheme_of(uri)
    match = _FORMS[scheme][0].fullmatch(uri)
    assert match is not None
    if scheme == "azureblob":
        return Location(uri, scheme, f"{match[1]}/{match[2]}", (match[3] or "").strip("/"))
    if scheme in ("hf", "models"):
        return Location(uri, scheme, match[1], match[2])
    return Location(uri, scheme, match[1], (match[len(match.groups())] or "").strip("/"))


def azure_blob(uri: str) -> tuple[str, str, str] | None:
    """(account, container, "/PATH" or "") of an azureblob:// URI; None for other schemes."""
    location = parse(uri)
    if location.scheme != "azureblob":
        return None
    account, container = location.bucket.split("/", 1)
    return account, container, f"/{location.prefix}" if location.prefix else ""


def blob_url(uri: str) -> str | None:
    """The blob endpoint URL of an azureblob:// URI (what Azure SDKs, KServe and Azure ML
    read), None for other schemes."""
    parts = azure_blob(uri)
    if parts is None:
        return None
    account, container, path = parts
    return f"https://{account}.blob.core.windows.net/{container}{path}"


def _validator(allowed: tuple[str, ...], what: str) -> BeforeValidator:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError("E0110", f"{what} must be a string URI", {})
        scheme = scheme_of(value)
        if scheme not in allowed:
            raise PydanticCustomError(
                "E0110",
                "'{scheme}' is not a supported scheme for {what}",
                {
                    "scheme": scheme if "://" in value or value.startswith("models:") else value,
                    "what": what,
                    "hint": "use one of " + ", ".join(_FORMS[s][1] for s in allowed),
                },
            )
        if not _FORMS[scheme][0].fullmatch(value):
            raise PydanticCustomError(
                "E0110",
                "malformed {scheme} URI",
                {"scheme": scheme, "hint": f"the form is {_FORMS[scheme][1]}"},
            )
        return value

    return BeforeValidator(check)


ModelUri = Annotated[
    str,
    _validator(tuple(_FORMS), "a model"),
    Field(json_schema_extra={"examples": ["s3://acme-models/fraud/xgb/v7", "models:/fraud/8"]}),
]
DataUri = Annotated[
    str,
    _validator(("s3", "gs", "azureblob", "pvc"), "data"),
    Field(json_schema_extra={"examples": ["s3://acme-ml-data/fraud/reference.parquet"]}),
]
OutputUri = Annotated[
    str,
    _validator(("s3", "gs", "azureblob", "pvc"), "a training output"),
    Field(json_schema_extra={"examples": ["s3://acme-models/fraud/xgb/runs/"]}),
]
ArtifactUri = Annotated[
    str,
    _validator(("s3", "gs", "azureblob"), "an artifact store"),
    Field(json_schema_extra={"examples": ["s3://acme-ml-artifacts/fraud"]}),
]


RUNS = "runs"
"""The folder beside a model's artifact where its training writes by default."""


def runs_beside(uri: str) -> str | None:
    """The default `training.output`: a `runs/` prefix beside the model (`s3://b/m/v7` ->
    `s3://b/m/runs/`), so a training never overwrites what a serving serves. None for
    locations a training does not write to (hf://, models:/, where MLflow keeps runs)."""
    location = parse(uri)
    if location.scheme not in ("s3", "gs", "azureblob", "pvc"):
        return None
    parent = location.prefix.strip("/").rpartition("/")[0]
    return f"{location.scheme}://{location.bucket}/{parent + '/' if parent else ''}{RUNS}/"


def overlaps(a: str, b: str) -> bool:
    """Whether two storage URIs name the same objects in part: one is a prefix of the other
    at a folder boundary (`s3://b/m` and `s3://b/m/v7` do, `s3://b/m` and `s3://b/m2` not)."""
    first, second = parse(a), parse(b)
    if (first.scheme, first.bucket) != (second.scheme, second.bucket):
        return False
    x, y = first.prefix.strip("/"), second.prefix.strip("/")
    return not x or not y or x == y or x.startswith(f"{y}/") or y.startswith(f"{x}/")

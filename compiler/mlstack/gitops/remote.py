"""What a deploy repository string names: a URL, an scp-style address or a local path.

git reads `[user@]host:path` as an ssh remote whenever no slash comes before the first
colon, so mlstack does too: such a string is never a local folder, and only a path that is
local beyond doubt (absolute, `./`, `../`, `file://`) may be created as a bare repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
"""`C:\\deploy` or `C:/deploy`: a Windows path, which git does not take for scp-style."""


@dataclass(frozen=True)
class Remote:
    """A deploy repository as given, and the local folder it names, if any."""

    given: str
    local: Path | None
    """The folder of a local repository (`file://` URLs included); None for network remotes."""
    explicit: bool
    """Local beyond doubt (absolute, `./`, `../`, `file://`): may be created when missing."""


def is_scp_style(text: str) -> bool:
    """`[user@]host:path` with no slash before the colon (git's rule), not a drive letter."""
    head, colon, _ = text.partition(":")
    return bool(colon) and bool(head) and "/" not in head and not _DRIVE.match(text)


def parse(text: str) -> Remote:
    if text.startswith("file://"):
        return Remote(text, Path(unquote(urlsplit(text).path)), explicit=True)
    if _URL.match(text) or is_scp_style(text):
        return Remote(text, None, explicit=False)
    path = Path(text)
    explicit = path.is_absolute() or bool(_DRIVE.match(text)) or text.startswith(("./", "../"))
    explicit = explicit or text.startswith((".\\", "..\\"))
    return Remote(text, path, explicit=explicit)


def https_origin(remote: str) -> str | None:
    """`https://host[:port]/` of an https remote (user and path dropped), else None: the one
    URL a token may be sent to."""
    if not remote.lower().startswith("https://"):
        return None
    parts = urlsplit(remote)
    try:
        port = f":{parts.port}" if parts.port not in (None, 443) else ""
    except ValueError:  # a port that is not a number: git cannot reach it either
        return None
    if not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"https://{host}{port}/"

"""A download's file name for every client: the Chinese name (RFC 6266 `filename*`) and an ASCII one beside it.

Werkzeug's fallback drops every non-ASCII character, so "长春地区专家名单.xlsx" reached clients that read only the
plain `filename` as ".xlsx". The fallback here keeps the ASCII letters, digits and dashes of the name and says
"download" when none are left, with the extension kept.
"""
import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

ASCII_PART = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")


def ascii_fallback(name: str) -> str:
    """An ASCII file name standing for `name`: its ASCII words and digits joined by dashes, or 'download'."""
    path = PurePosixPath(name or "download")
    suffix = path.suffix if path.suffix.isascii() and len(path.suffix) <= 10 else ""
    stem = name[: -len(suffix)] if suffix else name
    simple = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    words = ASCII_PART.findall(simple)
    return ("-".join(words)[:80] or "download") + suffix


def content_disposition(name: str) -> str:
    """`attachment; filename="<ASCII>"; filename*=UTF-8''<the name>` for a download called `name`."""
    quoted = quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quoted}"


def name_download(response, name: str):
    """Set the response's Content-Disposition to `name` (with its ASCII fallback) and return it."""
    response.headers["Content-Disposition"] = content_disposition(name)
    return response

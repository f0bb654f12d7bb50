"""The rules for names a user gives: artifact names (slugs) and upload file names.

A name ends up in object keys, URLs, Kubernetes objects and file paths in a pod, so the rule
is narrow: text is NFKC-normalised first (so look-alike forms can't make two names that read
the same), then anything that could steer a path or hide in a display (separators, `..`,
control and bidi characters) is refused with a message that says which.
"""

from __future__ import annotations

import re
import unicodedata

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
BIDI = {"RLE", "LRE", "RLO", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"}
FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")


class Invalid(ValueError):
    """A user's value broke a rule; `field` names where it came from (e.g. "name")."""

    def __init__(self, field: str, message: str, where: str = "query"):
        super().__init__(message)
        self.field, self.message, self.where = field, message, where


def _hidden(text: str) -> str | None:
    for ch in text:
        if unicodedata.bidirectional(ch) in BIDI:
            return f"bidi control character U+{ord(ch):04X}"
        if unicodedata.category(ch).startswith("C"):
            return f"control or invisible character U+{ord(ch):04X}"
    return None


def clean(text: str, field: str, where: str = "query") -> str:
    """NFKC form of `text`, refused if it holds controls or bidi overrides."""
    norm = unicodedata.normalize("NFKC", text)
    if why := _hidden(norm):
        raise Invalid(field, f"{field}: {why} is not allowed", where)
    return norm


def slug(text: str, field: str = "name", where: str = "path") -> str:
    """A DNS label: 1-63 of a-z, 0-9 and '-', starting and ending alphanumeric."""
    norm = clean(text, field, where)
    if "/" in norm or "\\" in norm or ".." in norm:
        raise Invalid(field, f"{field}: path separators and '..' are not allowed", where)
    if not SLUG.match(norm):
        raise Invalid(
            field,
            f"{field}: {norm[:80]!r} must be 1-63 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit",
            where,
        )
    return norm


def filename(text: str, field: str = "filename", where: str = "query") -> str:
    """A plain file name: no directories, no leading dot, ASCII letters, digits and ._+-."""
    norm = clean(text, field, where)
    if "/" in norm or "\\" in norm or norm in {".", ".."} or ".." in norm:
        raise Invalid(field, f"{field}: a bare file name without directories or '..'", where)
    if not FILE.match(norm):
        raise Invalid(
            field,
            f"{field}: {norm[:80]!r} must be up to 200 characters of A-Z, a-z, 0-9 and ._+-, "
            "starting with a letter or digit",
            where,
        )
    return norm

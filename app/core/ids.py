"""Public identifiers: a type prefix and a time-ordered UUIDv7 in lowercase hex (`per_0193…`)."""

from __future__ import annotations

import re

import uuid_utils

# One prefix per object type; api-design.md lists them. A wrong prefix is simply not found.
PREFIXES = frozenset(
    {
        "wsp",
        "usr",
        "key",
        "mem",
        "inv",
        "rtk",
        "req",
        "per",
        "org",
        "int",
        "qbk",
        "qst",
        "agi",
        "out",
        "tpl",
        "fup",
        "led",
        "ref",
    }
)
_ID_RE = re.compile(r"^([a-z]{3})_([0-9a-f]{32})$")


def new_id(prefix: str) -> str:
    """A new id for an object of type `prefix`; ids sort by creation time."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix: {prefix!r}")
    return f"{prefix}_{uuid_utils.uuid7().hex}"


def is_valid(value: str, prefix: str) -> bool:
    """True when `value` is well formed for `prefix` (it may still not exist)."""
    match = _ID_RE.match(value)
    return match is not None and match.group(1) == prefix

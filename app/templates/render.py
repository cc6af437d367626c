"""The placeholder renderer: `{{ name.field }}` tokens replaced from a whitelist, nothing else.

This is the sandbox. A template is never evaluated: there are no expressions, filters, attribute
access or loops. The renderer finds each `{{ … }}` token, trims the whitespace inside the braces
and looks the name up, as an exact string, in a flat dictionary that the service builds from
whitelisted columns only. A name outside `PLACEHOLDERS` (`{{ person.__class__ }}`,
`{{ person.given_name | upper }}`) is reported as unknown and left as written; a known name
without a value (no organisation, no interview given) is reported as unfilled and left as
written, so a client can refuse to send braces to a stranger. Substitution is a single pass:
a value that itself contains `{{ … }}` is never scanned again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# Every placeholder a template may use, with what it becomes. docs/sections/templates.md
# documents the same list.
PLACEHOLDERS: dict[str, str] = {
    "person.given_name": "The person's given name.",
    "person.family_name": "The person's family name.",
    "person.display_name": "The person's display name.",
    "person.job_title": "The person's job title.",
    "organisation.name": "The organisation of the interview given (when it has one), "
    "otherwise the person's organisation.",
    "interview.scheduled_at": "When the interview is scheduled, in its own time zone, e.g. "
    "`Tuesday 1 December 2026, 10:00 (Europe/London)` (UTC when it has none).",
    "interview.duration_minutes": "The interview's agreed length in minutes, e.g. `15`.",
    "interview.role_of_interest": "The role the seeker is curious about.",
    "interview.career_field": "The field being researched.",
    "referrer.given_name": "The given name of the person who referred this person.",
    "referrer.display_name": "The display name of the person who referred this person.",
    "me.name": "The caller's name; for an API key, the name of the user who created it.",
    "workspace.name": "The workspace's name.",
}

# `{{`, anything without braces, `}}`: the content is trimmed and then compared as a whole.
_TOKEN = re.compile(r"\{\{([^{}]*)\}\}")

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def placeholders_in(text: str | None) -> list[str]:
    """The names between braces in `text`, trimmed, in order of first appearance."""
    if not text:
        return []
    found: dict[str, None] = {}
    for match in _TOKEN.finditer(text):
        found.setdefault(match.group(1).strip(), None)
    return list(found)


def unknown_in(text: str | None) -> list[str]:
    """The names in `text` that are not in the whitelist."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def known_in(*texts: str | None) -> list[str]:
    """The whitelisted names used across `texts`, sorted."""
    return sorted({n for t in texts for n in placeholders_in(t) if n in PLACEHOLDERS})


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    body: str
    unknown: list[str]
    unfilled: list[str]


def _substitute(
    text: str, values: Mapping[str, str | None], unknown: dict[str, None], unfilled: dict[str, None]
) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name not in PLACEHOLDERS:
            unknown.setdefault(name, None)
            return match.group(0)
        value = values.get(name)
        if not value:
            unfilled.setdefault(name, None)
            return match.group(0)
        return value

    return _TOKEN.sub(replace, text)


def render(subject: str | None, body: str, values: Mapping[str, str | None]) -> Rendered:
    """Fill `subject` and `body` from `values` (keys are placeholder names)."""
    unknown: dict[str, None] = {}
    unfilled: dict[str, None] = {}
    rendered_subject = None if subject is None else _substitute(subject, values, unknown, unfilled)
    rendered_body = _substitute(body, values, unknown, unfilled)
    return Rendered(rendered_subject, rendered_body, list(unknown), list(unfilled))


def format_scheduled_at(when: datetime, timezone: str | None) -> str:
    """`Tuesday 1 December 2026, 10:00 (Europe/London)`: English names whatever the locale."""
    zone = timezone or "UTC"
    local = when.astimezone(ZoneInfo(zone))
    day, month = _DAYS[local.weekday()], _MONTHS[local.month - 1]
    return f"{day} {local.day} {month} {local.year}, {local:%H:%M} ({zone})"


def allowed_list(names: Iterable[str] = PLACEHOLDERS) -> str:
    return ", ".join(f"`{{{{{name}}}}}`" for name in names)

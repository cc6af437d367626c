"""What each role may do, and the scopes an API key can carry, per resource family."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role: `owner` (everything, members, keys), `editor` (records), `viewer` (read)."""

    owner = "owner"
    editor = "editor"
    viewer = "viewer"


# Resource families. Records families are the seeker's data; the rest administer the workspace.
RECORD_FAMILIES = (
    "people",
    "organisations",
    "interviews",
    "questions",
    "outreach",
    "templates",
    "follow_ups",
    "leads",
    "stats",
)
ADMIN_FAMILIES = ("workspaces", "members", "webhooks")


class Scope(StrEnum):
    """A scope an API key may hold: `<family>:read` or `<family>:write` (write includes read).
    `members:write` is not one: managing members is for users."""

    workspaces_read = "workspaces:read"
    workspaces_write = "workspaces:write"
    members_read = "members:read"
    webhooks_read = "webhooks:read"
    webhooks_write = "webhooks:write"
    people_read = "people:read"
    people_write = "people:write"
    organisations_read = "organisations:read"
    organisations_write = "organisations:write"
    interviews_read = "interviews:read"
    interviews_write = "interviews:write"
    questions_read = "questions:read"
    questions_write = "questions:write"
    outreach_read = "outreach:read"
    outreach_write = "outreach:write"
    templates_read = "templates:read"
    templates_write = "templates:write"
    follow_ups_read = "follow_ups:read"
    follow_ups_write = "follow_ups:write"
    leads_read = "leads:read"
    leads_write = "leads:write"
    stats_read = "stats:read"


# A key that could add members could make anyone an owner (and keys never manage keys: those
# routes are for users), so `members:write` belongs to roles only.
MEMBERS_WRITE = "members:write"
KEY_SCOPES = frozenset(s.value for s in Scope)
ALL_SCOPES = KEY_SCOPES | {MEMBERS_WRITE}

_READ = frozenset(s for s in ALL_SCOPES if s.endswith(":read"))
_RECORDS_WRITE = frozenset(s for s in ALL_SCOPES if s.endswith(":write")) - {
    f"{family}:write" for family in ADMIN_FAMILIES
}

ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.owner: ALL_SCOPES,
    Role.editor: _READ | _RECORDS_WRITE,
    Role.viewer: _READ,
}


def expand(scopes: frozenset[str] | set[str] | list[str]) -> frozenset[str]:
    """A key's effective scopes: each `:write` also grants the family's `:read`."""
    granted = set(scopes)
    granted.update(s.replace(":write", ":read") for s in scopes if s.endswith(":write"))
    return frozenset(granted)

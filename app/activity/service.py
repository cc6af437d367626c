"""The person timeline: outreach, interviews, follow-ups and leads in one keyset-paged query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, func, literal_column, null, select, union_all

from app.activity.schemas import TimelineEntry, TimelineKind
from app.core.db import Db
from app.core.pagination import Page, SortOrder, fetch_page
from app.follow_ups.models import follow_ups
from app.interviews.models import interviews
from app.leads.models import leads
from app.outreach.models import outreach
from app.people import service as people_service

SUMMARY_MAX = 200
_CHANNEL_NAMES = {"linkedin": "LinkedIn", "in_person": "In person"}


def _kind(kind: TimelineKind) -> Any:
    # A literal in the SQL text, not a parameter: PostgreSQL must know its type in a UNION.
    return literal_column(f"'{kind.value}'", String).label("kind")


# The scope each kind of entry needs: a caller sees only what it may read anyway.
KIND_SCOPES = {
    TimelineKind.outreach: "outreach:read",
    TimelineKind.interview: "interviews:read",
    TimelineKind.follow_up: "follow_ups:read",
    TimelineKind.lead: "leads:read",
}


def _timeline(workspace_id: str, person_id: str, kinds: frozenset[TimelineKind]) -> Any:
    """The person's records of the given kinds as (kind, id, occurred_at, status, label,
    detail)."""
    o, i, f, ld = outreach.c, interviews.c, follow_ups.c, leads.c
    # Per kind: when it happened (else when it was recorded), its label, detail and person.
    sources = {
        TimelineKind.outreach: (o.sent_at, o.channel, o.subject, o.person_id),
        TimelineKind.interview: (i.scheduled_at, i.role_of_interest, i.career_field, i.person_id),
        TimelineKind.follow_up: (f.due_at, f.kind, f.title, f.person_id),
        TimelineKind.lead: (None, ld.title, null(), ld.source_person_id),
    }
    parts = []
    for kind in TimelineKind:
        if kind not in kinds:
            continue
        occurred_at, label, detail, person = sources[kind]
        c = person.table.c
        when = c.created_at if occurred_at is None else func.coalesce(occurred_at, c.created_at)
        parts.append(
            select(
                _kind(kind),
                c.id,
                when.label("occurred_at"),
                c.status,
                label.label("label"),
                detail.label("detail"),
            ).where(c.workspace_id == workspace_id, person == person_id)
        )
    return union_all(*parts).subquery("timeline")


def _summary(row: Mapping[str, Any]) -> str:
    kind, label, detail = row["kind"], row["label"], row["detail"]
    if kind == TimelineKind.outreach:
        channel = _CHANNEL_NAMES.get(str(label), str(label).replace("_", " ").capitalize())
        text = f"{channel}: {detail}" if detail else f"{channel} outreach"
    elif kind == TimelineKind.interview:
        topic = label or detail
        text = f"Interview: {topic}" if topic else "Interview"
    elif kind == TimelineKind.follow_up:
        text = str(detail)
    else:
        text = f"Lead: {label}"
    return text[:SUMMARY_MAX]


async def person_timeline(
    db: Db,
    *,
    workspace_id: str,
    person_id: str,
    kinds: frozenset[TimelineKind],
    cursor: str | None,
    limit: int,
) -> tuple[list[TimelineEntry], Page]:
    """Newest first; one statement for the page whatever the mix of kinds."""
    await people_service.get_person(db, workspace_id=workspace_id, person_id=person_id)
    if not kinds:
        return [], Page([], None)
    timeline = _timeline(workspace_id, person_id, kinds)
    order = SortOrder(
        "-occurred_at",
        (timeline.c.occurred_at, timeline.c.kind, timeline.c.id),
        descending=True,
    )
    page = await fetch_page(db, select(timeline), order, cursor, limit)
    entries = [
        TimelineEntry(
            kind=TimelineKind(r["kind"]),
            id=r["id"],
            occurred_at=r["occurred_at"],
            summary=_summary(r),
            status=r["status"],
        )
        for r in page.rows
    ]
    return entries, page

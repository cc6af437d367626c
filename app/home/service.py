"""The home agenda: today's overdue and due follow-ups and today's interviews."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, literal, or_, select, union_all

from app.core.db import Db, Row, utcnow
from app.core.pagination import Page
from app.follow_ups.models import follow_ups
from app.follow_ups.schemas import FollowUpStatus
from app.follow_ups.service import to_follow_up
from app.home.schemas import AGENDA_LIMIT, HomeAgenda
from app.interviews import service as interviews_service
from app.interviews.lifecycle import InterviewStatus
from app.interviews.schemas import InterviewFilters
from app.workspaces.models import workspaces


def _day_bounds(zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """Today's start and tomorrow's start in `zone`, as UTC instants (a day may last 23 or 25
    hours across a clock change)."""
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


async def home_agenda(
    db: Db, *, workspace_id: str, timezone: str | None, with_interviews: bool
) -> HomeAgenda:
    """Today in the workspace's zone (or `timezone`): overdue and due follow-ups, interviews
    (left empty unless `with_interviews`: the caller may not read them). Three statements at
    most: the workspace's zone, the follow-ups, the interviews."""
    if timezone is None:
        timezone = await db.scalar(
            select(workspaces.c.timezone).where(workspaces.c.id == workspace_id)
        )
    zone_name = timezone or "UTC"
    zone = ZoneInfo(zone_name)
    now = utcnow()
    start, end = _day_bounds(zone, now)
    buckets = await db.all(_agenda_follow_ups(workspace_id, start, end, now))
    overdue = [r for r in buckets if r["bucket"] == "overdue"]
    due_today = [r for r in buckets if r["bucket"] == "due_today"]
    page = Page([], None)
    if with_interviews:
        page = await interviews_service.list_interviews(
            db,
            workspace_id=workspace_id,
            filters=InterviewFilters(
                status=InterviewStatus.scheduled, scheduled_after=start, scheduled_before=end
            ),
            order=interviews_service.ORDERS["scheduled_at"],
            cursor=None,
            limit=AGENDA_LIMIT,
        )
    return HomeAgenda(
        date=now.astimezone(zone).date(),
        timezone=zone_name,
        overdue=[to_follow_up(_without_bucket(r)) for r in overdue[:AGENDA_LIMIT]],
        overdue_has_more=len(overdue) > AGENDA_LIMIT,
        due_today=[to_follow_up(_without_bucket(r)) for r in due_today[:AGENDA_LIMIT]],
        due_today_has_more=len(due_today) > AGENDA_LIMIT,
        interviews_today=[interviews_service.to_interview(r) for r in page.rows],
        interviews_today_has_more=page.has_more,
    )


def _agenda_follow_ups(workspace_id: str, start: datetime, end: datetime, now: datetime) -> Any:
    """Both follow-up buckets in one statement, each cut at one more than shown (to tell
    whether there are more) and in due order."""
    c = follow_ups.c
    mine = c.workspace_id == workspace_id
    overdue = (
        select(*c, literal("overdue").label("bucket"))
        .where(mine, c.status == FollowUpStatus.open.value, c.due_at < start)
        .order_by(c.due_at, c.id)
        .limit(AGENDA_LIMIT + 1)
        .subquery()
    )
    due_today = (
        select(*c, literal("due_today").label("bucket"))
        .where(
            mine,
            or_(
                and_(c.status == FollowUpStatus.open.value, c.due_at >= start, c.due_at < end),
                and_(c.status == FollowUpStatus.snoozed.value, c.snoozed_until <= now),
            ),
        )
        .order_by(c.due_at, c.id)
        .limit(AGENDA_LIMIT + 1)
        .subquery()
    )
    combined = union_all(select(*overdue.c), select(*due_today.c)).subquery()
    return select(*combined.c).order_by(combined.c.bucket, combined.c.due_at, combined.c.id)


def _without_bucket(row: Row) -> Row:
    return {k: v for k, v in row.items() if k != "bucket"}

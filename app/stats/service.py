"""The workspace's insights, computed with aggregate SQL (counts, EXISTS, one row per figure).

Two statements: every figure in one statement of scalar subqueries, and the untouched
target organisations (a short, bounded list). The median response time is computed by the
database too (`percentile_cont` on PostgreSQL, window functions on SQLite).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Label,
    ScalarSelect,
    Table,
    bindparam,
    case,
    distinct,
    exists,
    extract,
    func,
    not_,
    or_,
    select,
)

from app.core.db import Db
from app.follow_ups.models import follow_ups
from app.interviews.models import interviews
from app.leads.models import leads
from app.organisations.models import organisations
from app.outreach.models import outreach
from app.people.models import people
from app.referrals.models import referrals
from app.stats.schemas import (
    MAX_UNCONTACTED_TARGETS,
    WEEKS,
    Conversion,
    Funnel,
    FunnelStep,
    GoalProgress,
    Stats,
    TargetCoverage,
    TargetOrganisation,
    ThankYouTimeliness,
    WeekCount,
)
from app.workspaces.models import workspaces

# A person's stage says they were contacted (or answered) even without a recorded outreach;
# `dormant` says nothing either way, so it counts only through the person's outreach.
CONTACTED_STAGES = ("contacted", "responded", "interviewed", "in_touch")
RESPONDED_STAGES = ("responded", "interviewed", "in_touch")
# Statuses an interview reaches only once a time was agreed.
SCHEDULED_STATUSES = ("scheduled", "completed", "no_show")
SECONDS_PER_DAY = 86_400
# A value bound when the statement runs (the statements are built once).
Param = BindParameter[Any]


def _count(table: Table, workspace_id: Param, *where: ColumnElement[bool]) -> ScalarSelect[Any]:
    return (
        select(func.count())
        .select_from(table)
        .where(table.c.workspace_id == workspace_id, *where)
        .scalar_subquery()
    )


def _people_count(workspace_id: Param, *where: ColumnElement[bool]) -> ScalarSelect[Any]:
    return _count(people, workspace_id, *where)


def _interviewees(workspace_id: Param, *statuses: str) -> ScalarSelect[Any]:
    return (
        select(func.count(distinct(interviews.c.person_id)))
        .where(interviews.c.workspace_id == workspace_id, interviews.c.status.in_(statuses))
        .scalar_subquery()
    )


def _outreach_of_person(workspace_id: Param, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """The person (of the enclosing query) has an outreach where `column` is set."""
    return exists().where(
        outreach.c.workspace_id == workspace_id,
        outreach.c.person_id == people.c.id,
        column.is_not(None),
    )


def _has_contact(workspace_id: Param) -> ColumnElement[bool]:
    return exists().where(
        people.c.workspace_id == workspace_id, people.c.organisation_id == organisations.c.id
    )


def week_starts(as_of: datetime) -> list[datetime]:
    """Monday 00:00 UTC of each of the last `WEEKS` ISO weeks up to `as_of`, oldest first."""
    day = as_of.astimezone(UTC).date()
    monday = datetime.combine(day - timedelta(days=day.weekday()), time(), tzinfo=UTC)
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


def _completed_between(workspace_id: Param, start: Param, end: Param) -> ScalarSelect[Any]:
    return _count(
        interviews,
        workspace_id,
        interviews.c.status == "completed",
        interviews.c.ended_at >= start,
        interviews.c.ended_at < end,
    )


def _median_response_seconds(workspace_id: Param) -> ScalarSelect[Any]:
    """PostgreSQL only: the median, in seconds, computed by the database."""
    seconds = extract("epoch", outreach.c.responded_at - outreach.c.sent_at)
    return (
        select(func.percentile_cont(0.5).within_group(seconds))
        .where(
            outreach.c.workspace_id == workspace_id,
            outreach.c.sent_at.is_not(None),
            outreach.c.responded_at.is_not(None),
        )
        .scalar_subquery()
    )


def _median_response_days_sqlite(workspace_id: Param) -> ScalarSelect[Any]:
    """SQLite has no percentile function: the median as the mean of the middle one or two
    durations, ranked with window functions, still inside the database."""
    days = func.julianday(outreach.c.responded_at) - func.julianday(outreach.c.sent_at)
    ranked = (
        select(
            days.label("days"),
            func.row_number().over(order_by=days).label("rank"),
            func.count().over().label("total"),
        )
        .where(
            outreach.c.workspace_id == workspace_id,
            outreach.c.sent_at.is_not(None),
            outreach.c.responded_at.is_not(None),
        )
        .subquery("response_days")
    )
    middle = ((ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2)
    return select(func.avg(ranked.c.days)).where(ranked.c.rank.in_(middle)).scalar_subquery()


def _funnel_columns(workspace_id: Param) -> list[Label[Any]]:
    contacted = or_(
        people.c.relationship_stage.in_(CONTACTED_STAGES),
        _outreach_of_person(workspace_id, outreach.c.sent_at),
    )
    responded = or_(
        people.c.relationship_stage.in_(RESPONDED_STAGES),
        _outreach_of_person(workspace_id, outreach.c.responded_at),
    )
    return [
        _people_count(workspace_id).label("identified"),
        _people_count(workspace_id, contacted).label("contacted"),
        _people_count(workspace_id, responded).label("responded"),
        _interviewees(workspace_id, *SCHEDULED_STATUSES).label("interview_scheduled"),
        _interviewees(workspace_id, "completed").label("interview_completed"),
        _count(referrals, workspace_id).label("referrals"),
        _count(leads, workspace_id).label("leads"),
        _count(leads, workspace_id, leads.c.status == "offer").label("offers"),
    ]


def _week_columns(workspace_id: Param) -> list[Label[Any]]:
    """One count per week, between `week_start_<i>` and `week_end_<i>` (`_week_bounds`)."""
    return [
        _completed_between(
            workspace_id, bindparam(f"week_start_{i}"), bindparam(f"week_end_{i}")
        ).label(f"week_{i}")
        for i in range(WEEKS)
    ]


def _week_bounds(weeks: list[datetime], as_of: datetime) -> dict[str, datetime]:
    """The weeks' bounds for `_week_columns`; the last week stops at `as_of`."""
    ends = [*weeks[1:], weeks[-1] + timedelta(weeks=1)]
    not_after = as_of + timedelta(microseconds=1)
    bounds: dict[str, datetime] = {}
    for i, (start, end) in enumerate(zip(weeks, ends, strict=True)):
        bounds[f"week_start_{i}"] = start
        bounds[f"week_end_{i}"] = min(end, not_after)
    return bounds


def _figures(pg: bool) -> Any:
    """Every count in one statement of scalar subqueries (one row); the values are bound
    (`workspace_id` and `_week_bounds`)."""
    workspace_id: Param = bindparam("workspace_id")
    target = organisations.c.is_target.is_(True)
    has_contact = _has_contact(workspace_id)
    thank_you_done = (follow_ups.c.kind == "thank_you", follow_ups.c.status == "done")
    goal = select(workspaces.c.interview_goal).where(workspaces.c.id == workspace_id)
    columns = [
        *_funnel_columns(workspace_id),
        _count(interviews, workspace_id, interviews.c.status == "completed").label(
            "completed_interviews"
        ),
        _count(follow_ups, workspace_id, *thank_you_done, follow_ups.c.on_time.is_not(None)).label(
            "thank_you_done"
        ),
        _count(follow_ups, workspace_id, *thank_you_done, follow_ups.c.on_time.is_(True)).label(
            "thank_you_on_time"
        ),
        goal.scalar_subquery().label("goal"),
        _count(organisations, workspace_id, target, has_contact).label("targets_with_contact"),
        _count(organisations, workspace_id, target, not_(has_contact)).label(
            "targets_without_contact"
        ),
        *_week_columns(workspace_id),
    ]
    if pg:
        columns.append(_median_response_seconds(workspace_id).label("median_seconds"))
    else:
        columns.append(_median_response_days_sqlite(workspace_id).label("median_days"))
    return select(*columns)


def _uncontacted_targets() -> Any:
    workspace_id: Param = bindparam("workspace_id")
    unranked_last = case((organisations.c.target_rank.is_(None), 1), else_=0)
    return (
        select(organisations.c.id, organisations.c.name, organisations.c.target_rank)
        .where(
            organisations.c.workspace_id == workspace_id,
            organisations.c.is_target.is_(True),
            not_(_has_contact(workspace_id)),
        )
        .order_by(
            unranked_last, organisations.c.target_rank, organisations.c.name, organisations.c.id
        )
        .limit(MAX_UNCONTACTED_TARGETS)
    )


def _ratio(numerator: int, denominator: int, places: int = 4) -> float | None:
    return None if denominator == 0 else round(numerator / denominator, places)


def _conversions(funnel: Funnel) -> list[Conversion]:
    steps = list(FunnelStep)
    counts = funnel.model_dump()
    return [
        Conversion(from_step=a, to_step=b, rate=_ratio(counts[b.value], counts[a.value]))
        for a, b in itertools.pairwise(steps)
    ]


# Built once per database (building and keying the figures statement took 12 ms a request).
_FIGURES = {pg: _figures(pg) for pg in (True, False)}
_UNCONTACTED_TARGETS = _uncontacted_targets()


async def workspace_stats(db: Db, *, workspace_id: str, as_of: datetime) -> Stats:
    pg = db.dialect_name == "postgresql"
    weeks = week_starts(as_of)
    row = await db.one(_FIGURES[pg], {"workspace_id": workspace_id, **_week_bounds(weeks, as_of)})
    targets = await db.all(_UNCONTACTED_TARGETS, {"workspace_id": workspace_id})
    if pg:
        seconds = row["median_seconds"]
        median_days = None if seconds is None else float(seconds) / SECONDS_PER_DAY
    else:
        median_days = None if row["median_days"] is None else float(row["median_days"])
    funnel = Funnel.model_validate({step.value: row[step.value] for step in FunnelStep})
    completed, goal = row["completed_interviews"], row["goal"]
    return Stats(
        workspace_id=workspace_id,
        as_of=as_of,
        funnel=funnel,
        conversions=_conversions(funnel),
        thank_you=ThankYouTimeliness(
            done=row["thank_you_done"],
            on_time=row["thank_you_on_time"],
            rate=_ratio(row["thank_you_on_time"], row["thank_you_done"]),
        ),
        median_days_to_response=None if median_days is None else round(median_days, 2),
        completed_interviews=completed,
        referrals_per_completed_interview=_ratio(funnel.referrals, completed),
        interviews_per_week=[
            WeekCount(
                week=f"{start.isocalendar().year}-W{start.isocalendar().week:02d}",
                starts_at=start,
                completed=row[f"week_{i}"],
            )
            for i, start in enumerate(weeks)
        ],
        goal=GoalProgress(
            completed=completed, goal=goal, percent=min(100, round(100 * completed / goal))
        ),
        target_organisations=TargetCoverage(
            with_contact=row["targets_with_contact"],
            without_contact_count=row["targets_without_contact"],
            without_contact=[TargetOrganisation.model_validate(t) for t in targets],
        ),
    )

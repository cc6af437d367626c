"""The home agenda as clients see it."""

from __future__ import annotations

from datetime import date as CalendarDate
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.auth.families import IfAllowed
from app.follow_ups.schemas import FollowUp
from app.interviews.schemas import Interview

AGENDA_LIMIT = 100


class HomeAgenda(BaseModel):
    """Today, for a client's home screen: what is late, what is due, whom the seeker meets.
    Each list holds at most 100 entries; its `*_has_more` says when there are more."""

    object: Literal["agenda"] = "agenda"
    date: CalendarDate = Field(description="Today's date in `timezone`.")
    timezone: str = Field(description="The IANA zone that defines today.", examples=["UTC"])
    overdue: list[FollowUp] = Field(
        description="Open follow-ups due before today began, oldest first."
    )
    overdue_has_more: bool
    due_today: list[FollowUp] = Field(
        description="Open follow-ups due today, and snoozed ones whose time has come, by due time."
    )
    due_today_has_more: bool
    interviews_today: Annotated[list[Interview], IfAllowed("interviews:read")] = Field(
        description="Scheduled interviews whose start is today, by start time."
    )
    interviews_today_has_more: bool

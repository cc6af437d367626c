"""The workspace's insights: funnel, rates, pace and progress, as clients receive them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from app.auth.families import shows

WEEKS = 12  # interviews per week are shown for the last 12 ISO weeks
MAX_UNCONTACTED_TARGETS = 50


class FunnelStep(StrEnum):
    """A step of the funnel, in order."""

    identified = "identified"
    contacted = "contacted"
    responded = "responded"
    interview_scheduled = "interview_scheduled"
    interview_completed = "interview_completed"
    referrals = "referrals"
    leads = "leads"
    offers = "offers"


class Funnel(BaseModel):
    """How far the seeker's contacts have come, step by step."""

    identified: int = Field(ge=0, description="People in the workspace.")
    contacted: int = Field(
        ge=0,
        description="People with a sent outreach, or at stage `contacted`, `responded`, "
        "`interviewed` or `in_touch`.",
    )
    responded: int = Field(
        ge=0,
        description="People with an outreach that got a response, or at stage `responded`, "
        "`interviewed` or `in_touch`.",
    )
    interview_scheduled: int = Field(
        ge=0,
        description="People with an interview that is `scheduled`, `completed` or `no_show`.",
    )
    interview_completed: int = Field(ge=0, description="People with a completed interview.")
    referrals: int = Field(ge=0, description="Referrals received (names interviewees gave).")
    leads: int = Field(ge=0, description="Leads (opportunities) recorded.")
    offers: int = Field(ge=0, description="Leads with status `offer`.")


class Conversion(BaseModel):
    """From one funnel step to the next."""

    from_step: FunnelStep
    to_step: FunnelStep
    rate: float | None = Field(
        description="`to_step / from_step` (4 decimals; may exceed 1 from `interview_completed` "
        "on, since those steps count records, not people); null when `from_step` is 0.",
        examples=[0.5],
    )


class ThankYouTimeliness(BaseModel):
    """Thank-you notes are expected within 48 hours (or the workspace's setting)."""

    done: int = Field(ge=0, description="Thank-you follow-ups done whose timeliness is known.")
    on_time: int = Field(ge=0, description="Of those, the ones done by their due time.")
    rate: float | None = Field(description="`on_time / done`; null when none are done.")


class WeekCount(BaseModel):
    week: str = Field(description="The ISO week, `YYYY-Www`.", examples=["2026-W48"])
    starts_at: datetime = Field(description="Monday 00:00 UTC of that week.")
    completed: int = Field(ge=0, description="Interviews completed (by `ended_at`) that week.")


class GoalProgress(BaseModel):
    completed: int = Field(ge=0, description="Interviews completed so far.")
    goal: int = Field(ge=1, description="The workspace's `interview_goal` (default 12).")
    percent: int = Field(
        ge=0, le=100, description="`completed / goal` in percent, rounded, at most 100."
    )


@shows("organisations")
class TargetOrganisation(BaseModel):
    id: str
    name: str
    target_rank: int | None


class TargetCoverage(BaseModel):
    """Target organisations with and without a contact (a person working there)."""

    with_contact: int = Field(ge=0, description="Targets where at least one person works.")
    without_contact_count: int = Field(ge=0, description="Targets where no one works yet.")
    without_contact: list[TargetOrganisation] = Field(
        description=f"Those targets, at most {MAX_UNCONTACTED_TARGETS}: ranked ones first by "
        "rank, then by name."
    )


class Stats(BaseModel):
    """The workspace's insights, computed when read with aggregate queries."""

    object: Literal["stats"] = "stats"
    workspace_id: str
    as_of: datetime = Field(description="The instant the weekly series ends at.")
    funnel: Funnel
    conversions: list[Conversion] = Field(description="Between consecutive funnel steps.")
    thank_you: ThankYouTimeliness
    median_days_to_response: float | None = Field(
        description="Median days from an outreach's `sent_at` to its `responded_at` (2 "
        "decimals); null when no outreach got a response.",
        examples=[2.5],
    )
    completed_interviews: int = Field(ge=0, description="Interviews completed (not people).")
    referrals_per_completed_interview: float | None = Field(
        description="Referrals / completed interviews (4 decimals); null with none completed."
    )
    interviews_per_week: list[WeekCount] = Field(
        description=f"The last {WEEKS} ISO weeks up to `as_of`, oldest first, zero-filled."
    )
    goal: GoalProgress
    target_organisations: TargetCoverage

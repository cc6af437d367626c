"""Rows for the stats tests, inserted directly (every NOT NULL column given): the figures are
checked against an exact, known set of records, whatever the other packages' routes do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from app.core import ids
from app.core.db import Database, utcnow
from app.follow_ups.models import follow_ups
from app.interviews.models import interviews
from app.leads.models import leads
from app.organisations.models import organisations
from app.outreach.models import outreach
from app.people.models import people
from app.referrals.models import referrals


class Rows:
    """Inserts into one workspace; each method returns the new row's id."""

    def __init__(self, database: Database, workspace_id: str) -> None:
        self.database = database
        self.workspace_id = workspace_id

    async def _insert(self, table: Any, prefix: str, **values: Any) -> str:
        now = utcnow()
        row_id = ids.new_id(prefix)
        async with self.database.transaction() as db:
            await db.execute(
                insert(table).values(
                    id=row_id,
                    workspace_id=self.workspace_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        return row_id

    async def organisation(
        self, name: str, *, is_target: bool = True, target_rank: int | None = None
    ) -> str:
        research = dict.fromkeys(
            ("why_interested", "culture", "strengths", "recent_news", "competitors")
        )
        return await self._insert(
            organisations,
            "org",
            name=name,
            name_key=name.lower(),
            website=None,
            industry=None,
            size=None,
            location=None,
            is_target=is_target,
            target_rank=target_rank,
            position_in_field=None,
            notes=None,
            tags=[],
            search_text=name.lower(),
            **research,
        )

    async def person(
        self, name: str, stage: str = "identified", organisation_id: str | None = None
    ) -> str:
        return await self._insert(
            people,
            "per",
            given_name=name,
            family_name=None,
            display_name=name,
            emails=[],
            phones=[],
            job_title=None,
            organisation_id=organisation_id,
            location=None,
            linkedin_url=None,
            profile_urls=[],
            source=None,
            referred_by_id=None,
            relationship_stage=stage,
            tags=[],
            notes=None,
            may_use_name_as_referral=None,
            open_to_follow_up=None,
            last_contacted_at=None,
            stay_in_touch_every_days=None,
            search_text=name.lower(),
        )

    async def outreach(
        self,
        person_id: str,
        *,
        status: str,
        sent_at: datetime | None = None,
        responded_at: datetime | None = None,
    ) -> str:
        return await self._insert(
            outreach,
            "out",
            person_id=person_id,
            channel="email",
            strategy=None,
            introduced_by_id=None,
            template_id=None,
            subject=None,
            body=None,
            status=status,
            sent_at=sent_at,
            responded_at=responded_at,
            interview_id=None,
            notes=None,
        )

    async def interview(self, person_id: str, status: str, ended_at: datetime | None = None) -> str:
        return await self._insert(
            interviews,
            "int",
            person_id=person_id,
            organisation_id=None,
            career_field=None,
            role_of_interest=None,
            format=None,
            location=None,
            meeting_url=None,
            scheduled_at=ended_at,
            timezone=None,
            duration_minutes=15,
            started_at=ended_at,
            ended_at=ended_at,
            status=status,
            introduction=None,
            research_notes=None,
            goals=None,
            notes=None,
            observations=None,
            reflection=None,
            would_pursue=None,
            business_card_received=None,
            may_contact_again=None,
            search_text="",
        )

    async def referral(self, referrer_id: str, person_id: str) -> str:
        return await self._insert(
            referrals,
            "ref",
            interview_id=None,
            referrer_id=referrer_id,
            person_id=person_id,
            may_use_referrer_name=None,
            notes=None,
        )

    async def lead(self, status: str) -> str:
        return await self._insert(
            leads,
            "led",
            organisation_id=None,
            title="Analyst",
            source_person_id=None,
            source_interview_id=None,
            status=status,
            url=None,
            notes=None,
        )

    async def follow_up(self, kind: str, status: str, on_time: bool | None) -> str:
        done = status == "done"
        return await self._insert(
            follow_ups,
            "fup",
            kind=kind,
            title="Send a note",
            notes=None,
            due_at=None,
            person_id=None,
            interview_id=None,
            lead_id=None,
            status=status,
            snoozed_until=None,
            completed_at=utcnow() if done else None,
            channel="email" if done else None,
            on_time=on_time,
        )

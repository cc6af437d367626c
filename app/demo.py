"""The demo workspace's records: a teacher exploring a move into UX research, midway through
the practice (people found, interviews in every state, one completed and reflected on)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from app.core.db import Db, utcnow
from app.core.filters import search_text
from app.core.inserts import new_row
from app.interviews.models import agenda_items, interviews
from app.interviews.service import INTERVIEW_DOCUMENTS
from app.organisations.models import organisations
from app.organisations.service import ORGANISATION_DOCUMENTS
from app.people.models import people
from app.people.representation import PERSON_DOCUMENTS
from app.questions.models import question_banks, questions

ORGANISATIONS: list[dict[str, Any]] = [
    {
        "name": "Northwind Health",
        "website": "https://northwind-health.example",
        "industry": "Healthcare technology",
        "location": "Manchester",
        "is_target": True,
        "target_rank": 1,
        "why_interested": "Patient-facing apps where research changes what gets built.",
        "culture": "Small research team embedded with product squads.",
        "recent_news": "Launched a self-referral app for physiotherapy.",
        "tags": ["health", "research-led"],
    },
    {
        "name": "Brightpath Learning",
        "website": "https://brightpath.example",
        "industry": "Education technology",
        "location": "Remote (UK)",
        "is_target": True,
        "target_rank": 2,
        "why_interested": "My classroom years are directly relevant to their users.",
        "strengths": "Strong teacher community; research informs the roadmap.",
        "tags": ["edtech"],
    },
    {
        "name": "Civic Design Lab",
        "website": "https://civicdesignlab.example",
        "industry": "Public sector design",
        "location": "Leeds",
        "is_target": True,
        "target_rank": 3,
        "why_interested": "Research for public services; accessibility is taken seriously.",
        "tags": ["public-sector", "accessibility"],
    },
    {
        "name": "Ferris & Kline",
        "website": "https://ferriskline.example",
        "industry": "Consulting",
        "location": "London",
        "is_target": False,
        "target_rank": None,
        "why_interested": "Agency route: variety of projects early on.",
        "tags": ["agency"],
    },
]

# (given, family, organisation index or None, job title, source, stage, referred-by index)
PEOPLE: list[tuple[str, str, int | None, str, str, str, int | None]] = [
    ("Priya", "Raman", 0, "Senior UX Researcher", "alumni", "interviewed", None),
    ("Tom", "Okafor", 0, "Product Designer", "referral", "contacted", 0),
    ("Elena", "Marsh", 1, "Head of Research", "colleague", "in_touch", None),
    ("Jonah", "Pike", 1, "UX Researcher", "referral", "responded", 2),
    ("Grace", "Liu", 2, "Service Designer", "event", "responded", None),
    ("Samir", "Haddad", 2, "User Researcher", "cold_outreach", "contacted", None),
    ("Ruth", "Adeyemi", 3, "Research Consultant", "friend", "responded", None),
    ("Ben", "Carter", 3, "Design Director", "professional_association", "identified", None),
    ("Ana", "Sousa", None, "Freelance UX Researcher", "online_network", "contacted", None),
    ("Mark", "Ellis", 0, "Engineering Manager", "family", "dormant", None),
    ("Hana", "Kim", 1, "Learning Designer", "referral", "identified", 2),
    ("Leo", "Brandt", 2, "Content Designer", "other", "identified", 4),
]

# (person index, status, days from now for scheduled_at or None)
INTERVIEWS: list[tuple[int, str, int | None]] = [
    (0, "completed", -9),
    (2, "scheduled", 3),
    (4, "scheduled", 6),
    (3, "requested", None),
    (6, "planned", None),
    (5, "declined", None),
    (8, "cancelled", None),
    (1, "no_show", -2),
]

ANSWERS = [
    "Came from psychology; a bootcamp helped less than a portfolio of real studies did.",
    "Half the week is interviews and synthesis; the rest is workshops with product teams.",
    "Seeing a finding change a release plan. Hardest: research that arrives too late.",
    "Talk to Tom Okafor about how designers and researchers work together there.",
]

REFLECTION = {
    "interests": {"score": 5, "comment": "Exactly the questions I enjoy asking pupils."},
    "values": {"score": 4, "comment": "Patient outcomes matter to me."},
    "needs": {"score": 3, "comment": "Salary dips at first; hybrid working helps."},
    "skills": {"score": 4, "comment": "Facilitation transfers; I need synthesis practice."},
    "perception_vs_reality": "Less lab testing, far more stakeholder work than I imagined.",
    "training_needed": "A small portfolio of two or three studies; basic survey design.",
    "next_steps": "Run a volunteer study for a charity; contact Tom about design critique.",
}


async def load(db: Db, workspace_id: str) -> None:
    """Insert the demo records into `workspace_id` (in the caller's transaction), each with the
    document its service would have stored."""
    now = utcnow()
    org_ids = []
    for org in ORGANISATIONS:
        row = new_row(
            "org",
            now=now,
            workspace_id=workspace_id,
            name_key=org["name"].lower(),
            size=None,
            competitors=None,
            position_in_field=None,
            notes=None,
            strengths=org.get("strengths"),
            culture=org.get("culture"),
            recent_news=org.get("recent_news"),
            search_text=search_text(
                org["name"], org["industry"], org["location"], org["why_interested"]
            ),
            **{
                k: org[k]
                for k in (
                    "name",
                    "website",
                    "industry",
                    "location",
                    "is_target",
                    "target_rank",
                    "why_interested",
                    "tags",
                )
            },
        )
        await db.execute(insert(organisations).values(ORGANISATION_DOCUMENTS.written(row)))
        org_ids.append(row["id"])
    person_ids: list[str] = []
    for number, (given, family, org_index, title, source, stage, referrer) in enumerate(
        PEOPLE, start=1
    ):
        email = f"{given.lower()}.{family.lower()}@example.com"
        contacted = stage not in ("identified",)
        row = new_row(
            "per",
            now=now,
            workspace_id=workspace_id,
            given_name=given,
            family_name=family,
            display_name=f"{given} {family}",
            emails=[{"address": email, "label": "work", "primary": True}],
            phones=[],
            job_title=title,
            organisation_id=None if org_index is None else org_ids[org_index],
            location=None,
            linkedin_url=None,
            profile_urls=[],
            source=source,
            referred_by_id=None if referrer is None else person_ids[referrer],
            relationship_stage=stage,
            tags=[],
            notes=None,
            may_use_name_as_referral=True if stage == "interviewed" else None,
            open_to_follow_up=True if stage in ("interviewed", "in_touch") else None,
            last_contacted_at=now - timedelta(days=number) if contacted else None,
            stay_in_touch_every_days=None,
            search_text=search_text(given, family, f"{given} {family}", email, title),
        )
        await db.execute(insert(people).values(PERSON_DOCUMENTS.written(row)))
        person_ids.append(row["id"])
    builtin = await db.all(
        select(questions.c.id, questions.c.text, questions.c.category)
        .join(question_banks, question_banks.c.id == questions.c.bank_id)
        .where(question_banks.c.builtin.is_(True))
        .order_by(questions.c.position)
        .limit(5)
    )
    for person, status, days in INTERVIEWS:
        await _interview(
            db,
            workspace_id,
            now,
            person_ids[person],
            PEOPLE[person],
            org_ids,
            status,
            days,
            builtin,
        )


async def _interview(
    db: Db,
    workspace_id: str,
    now: datetime,
    person_id: str,
    person: tuple[str, str, int | None, str, str, str, int | None],
    org_ids: list[str],
    status: str,
    days: int | None,
    builtin: list[dict[str, Any]],
) -> None:
    scheduled = (
        None
        if days is None
        else (now + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    )
    completed = status == "completed"
    interview = new_row(
        "int",
        now=now,
        workspace_id=workspace_id,
        person_id=person_id,
        organisation_id=None if person[2] is None else org_ids[person[2]],
        career_field="UX research",
        role_of_interest="User Researcher",
        format="video" if status == "scheduled" else "in_person",
        location=None,
        meeting_url="https://meet.example/abc" if scheduled else None,
        scheduled_at=scheduled,
        timezone="Europe/London",
        duration_minutes=20,
        started_at=scheduled if completed else None,
        ended_at=scheduled + timedelta(minutes=25) if completed and scheduled else None,
        status=status,
        introduction="I teach secondary science and I'm exploring user research.",
        research_notes=None,
        goals="Understand a typical week and how people got in.",
        notes="Generous with time; offered two introductions." if completed else None,
        observations="Open-plan studio, research wall full of sticky notes." if completed else None,
        reflection=REFLECTION if completed else None,
        would_pursue="yes" if completed else None,
        business_card_received=True if completed else None,
        may_contact_again=True if completed else None,
        search_text=search_text("UX research", "User Researcher"),
    )
    await db.execute(insert(interviews).values(INTERVIEW_DOCUMENTS.written(interview)))
    if status not in ("completed", "scheduled"):
        return
    for position, question in enumerate(builtin[:4], start=1):
        answer = ANSWERS[position - 1] if completed else None
        item = new_row(
            "agi",
            now=now,
            interview_id=interview["id"],
            workspace_id=workspace_id,
            position=position,
            question_id=question["id"],
            text=question["text"],
            category=question["category"],
            answer=answer,
            asked=completed,
        )
        await db.execute(insert(agenda_items).values(item))

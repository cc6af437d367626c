"""Seeds the benchmark workspace: 1,000 people, 200 organisations and 500 interviews, plus an
API key with every scope; prints the key and ids as JSON for the runner."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, text

from app.api_keys import service as api_keys
from app.auth import service as auth
from app.auth.scopes import Scope
from app.core import ids
from app.core.db import Database, utcnow
from app.core.filters import search_text
from app.core.security import Passwords
from app.core.settings import Settings
from app.interviews.models import interviews
from app.interviews.service import INTERVIEW_DOCUMENTS
from app.organisations.models import organisations
from app.organisations.service import ORGANISATION_DOCUMENTS
from app.people.models import people
from app.people.representation import PERSON_DOCUMENTS

STAGES = ["identified", "contacted", "responded", "interviewed", "in_touch", "dormant"]
STATUSES = ["planned", "requested", "scheduled", "completed", "declined", "cancelled", "no_show"]


def _org(workspace_id: str, n: int, now: Any) -> dict[str, Any]:
    name = f"Organisation {n:04d}"
    return {
        "id": ids.new_id("org"),
        "workspace_id": workspace_id,
        "name": name,
        "name_key": name.lower(),
        "website": f"https://org{n}.example",
        "industry": "Technology",
        "size": None,
        "location": "Leeds",
        "is_target": n < 10,
        "target_rank": n + 1 if n < 10 else None,
        "why_interested": None,
        "culture": None,
        "strengths": None,
        "recent_news": None,
        "competitors": None,
        "position_in_field": None,
        "notes": None,
        "tags": ["bench"],
        "search_text": search_text(name, "Technology", "Leeds"),
        "created_at": now,
        "updated_at": now,
    }


def _person(workspace_id: str, n: int, org_id: str, now: Any) -> dict[str, Any]:
    given, family = f"Given{n}", f"Family{n:05d}"
    email = f"person{n}@example.com"
    return {
        "id": ids.new_id("per"),
        "workspace_id": workspace_id,
        "given_name": given,
        "family_name": family,
        "display_name": f"{given} {family}",
        "emails": [{"address": email, "label": "work", "primary": True}],
        "phones": [{"number": "+44 113 496 0000", "label": "work", "primary": True}],
        "job_title": "User Researcher",
        "organisation_id": org_id,
        "location": "Leeds",
        "linkedin_url": None,
        "profile_urls": [],
        "source": "referral",
        "referred_by_id": None,
        "relationship_stage": STAGES[n % len(STAGES)],
        "tags": ["bench", f"cohort-{n % 10}"],
        "notes": "Met at a meetup.",
        "may_use_name_as_referral": True,
        "open_to_follow_up": None,
        "last_contacted_at": now - timedelta(days=n % 90),
        "stay_in_touch_every_days": None,
        "created_at": now,
        "updated_at": now,
        "search_text": search_text(given, family, email, "User Researcher", "Met at a meetup."),
    }


def _interview(workspace_id: str, n: int, person: dict[str, Any], now: Any) -> dict[str, Any]:
    return {
        "id": ids.new_id("int"),
        "workspace_id": workspace_id,
        "person_id": person["id"],
        "organisation_id": person["organisation_id"],
        "career_field": "UX research",
        "role_of_interest": "User Researcher",
        "format": "video",
        "location": None,
        "meeting_url": None,
        "scheduled_at": now + timedelta(days=n % 30 - 15),
        "timezone": "Europe/London",
        "duration_minutes": 20,
        "started_at": None,
        "ended_at": None,
        "status": STATUSES[n % len(STATUSES)],
        "introduction": None,
        "research_notes": None,
        "goals": None,
        "notes": None,
        "observations": None,
        "reflection": None,
        "would_pursue": None,
        "business_card_received": None,
        "may_contact_again": None,
        "search_text": search_text("UX research"),
        "created_at": now,
        "updated_at": now,
    }


async def seed(
    url: str, *, n_people: int = 1000, n_orgs: int = 200, n_interviews: int = 500
) -> dict[str, Any]:
    settings = Settings(database_url=url)
    database = Database(url, pool_size=2)
    await database.connect()
    try:
        async with database.transaction() as db:
            passwords = Passwords(time_cost=1, memory_kib=8192)
            tokens = auth.TokenPolicy(settings.signing_key(), 60, 3600)
            user, workspace, _ = await auth.signup(
                db,
                passwords=passwords,
                tokens=tokens,
                email=f"bench-{ids.new_id('req')[-8:]}@example.com",
                password="bench-password-123",
                name="Bench",
                workspace_name="Bench",
            )
            key = await api_keys.create_key(
                db,
                workspace_id=workspace.id,
                created_by=user.id,
                name="bench",
                scopes=list(Scope),
                expires_at=None,
            )
            now = utcnow()
            orgs = [_org(workspace.id, n, now) for n in range(n_orgs)]
            # Each row with the JSON document (and its version) its service stores.
            for org in orgs:
                org.update(ORGANISATION_DOCUMENTS.written(org))
            for chunk in _chunks(orgs):
                await db.execute(insert(organisations).values(chunk))
            persons = [
                _person(workspace.id, n, orgs[n % n_orgs]["id"], now) for n in range(n_people)
            ]
            for person in persons:
                person.update(PERSON_DOCUMENTS.written(person))
            for chunk in _chunks(persons):
                await db.execute(insert(people).values(chunk))
            rows = [
                _interview(workspace.id, n, persons[n % n_people], now) for n in range(n_interviews)
            ]
            for row in rows:
                row.update(INTERVIEW_DOCUMENTS.written(row))
            for chunk in _chunks(rows):
                await db.execute(insert(interviews).values(chunk))
        # The state autovacuum leaves a table in soon after a bulk load in production: planner
        # statistics (without them PostgreSQL planned the people list over a table it took
        # for empty, 30 % slower) and a vacuumed table (else autovacuum's own pass over the
        # new rows runs during the first scenario, on the cores the benchmark measures).
        vacuum = "VACUUM ANALYZE" if database.dialect_name == "postgresql" else "ANALYZE"
        await database.reader().execute(text(vacuum))
        person_id = persons[0]["id"] if persons else None
        return {"workspace_id": workspace.id, "api_key": key.secret, "person_id": person_id}
    finally:
        await database.close()


def _chunks(rows: list[dict[str, Any]], size: int = 100) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))

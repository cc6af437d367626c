"""How far a relationship has come, moved forward by what happens (outreach sent or answered,
an interview completed): stages never move backwards by themselves. A move rewrites the
person's stored document like any other write of the person (app.core.rows), so the most
active contacts keep theirs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from app.core.db import Db, Row, utcnow
from app.people.models import people
from app.people.representation import PERSON_COLUMNS, PERSON_DOCUMENTS
from app.people.schemas import RelationshipStage

# `dormant` ranks with `identified`, below `contacted`: a dormant contact who is written to again
# becomes `contacted`; one further along never moves back.
STAGE_RANK = {
    RelationshipStage.identified: 0,
    RelationshipStage.dormant: 0,
    RelationshipStage.contacted: 1,
    RelationshipStage.responded: 2,
    RelationshipStage.interviewed: 3,
    RelationshipStage.in_touch: 4,
}


async def advance_person(
    db: Db,
    *,
    workspace_id: str,
    person_id: str,
    stage: RelationshipStage,
    contacted_at: datetime | None = None,
) -> Row:
    """Move the person up to `stage` and `last_contacted_at` up to `contacted_at`, never back;
    returns the person (the fields of `Person`) as they were."""
    # The whole row, locked: the document is rendered from it as it will be written.
    current = await db.one(
        select(*PERSON_COLUMNS)
        .where(people.c.workspace_id == workspace_id, people.c.id == person_id)
        .with_for_update()
    )
    values: dict[str, Any] = {}
    if STAGE_RANK[stage] > STAGE_RANK[RelationshipStage(current["relationship_stage"])]:
        values["relationship_stage"] = stage.value
    last = current["last_contacted_at"]
    if contacted_at is not None and (last is None or contacted_at > last):
        values["last_contacted_at"] = contacted_at
    if values:
        values["updated_at"] = utcnow()
        await db.execute(
            update(people)
            .where(people.c.workspace_id == workspace_id, people.c.id == person_id)
            .values(**PERSON_DOCUMENTS.written({**current, **values}, values))
        )
    return current

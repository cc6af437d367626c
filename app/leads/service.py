"""Leads: create, read, change and delete the opportunities heard of in conversations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from app.core import ids
from app.core.db import Db, column_values, utcnow
from app.core.errors import FieldError, ValidationFailed
from app.core.inserts import new_row
from app.core.listing import filtered_list
from app.core.lookups import InWorkspace
from app.core.pagination import both_ways
from app.follow_ups.service import create_follow_up
from app.interviews.models import interviews
from app.leads.models import leads
from app.leads.schemas import Lead, LeadCreate
from app.organisations import service as organisations_service
from app.people import service as people_service

_NO_LEAD = "No lead has that id in this workspace."

_c = leads.c

ORDERS = {
    **both_ways("created_at", (_c.created_at, _c.id)),
    **both_ways("updated_at", (_c.updated_at, _c.id)),
}
DEFAULT_SORT = "created_at"


_lead = InWorkspace("led", select(*leads.c), leads, _NO_LEAD)


async def get_lead(db: Db, *, workspace_id: str, lead_id: str) -> Lead:
    return Lead.model_validate(await _lead.load(db, workspace_id, lead_id))


# A page of leads, filtered (`LeadFilters`) and sorted.
list_leads = filtered_list(leads, Lead.model_validate)


async def _interview_person(db: Db, workspace_id: str, interview_id: str) -> str:
    """The interviewee of a referenced interview; 422 `interview_not_found` when the workspace
    has no such interview."""
    row = None
    if ids.is_valid(interview_id, "int"):
        row = await db.first(
            select(interviews.c.person_id).where(
                interviews.c.workspace_id == workspace_id, interviews.c.id == interview_id
            )
        )
    if row is None:
        detail = "No interview with this id in this workspace."
        raise ValidationFailed(
            "The interview does not exist in this workspace.",
            errors=[
                FieldError(
                    pointer="/source_interview_id", detail=detail, code="interview_not_found"
                )
            ],
        )
    return str(row["person_id"])


async def _check_references(db: Db, workspace_id: str, fields: dict[str, Any]) -> str | None:
    """Every id the body names must be in this workspace (422 at its pointer). Returns the
    interviewee of `source_interview_id`, when one is named."""
    if fields.get("organisation_id") is not None:
        await organisations_service.ensure_exists(
            db, workspace_id=workspace_id, organisation_id=fields["organisation_id"]
        )
    if fields.get("source_person_id") is not None:
        await people_service.ensure_exists(
            db,
            workspace_id=workspace_id,
            person_id=fields["source_person_id"],
            pointer="/source_person_id",
        )
    if fields.get("source_interview_id") is not None:
        return await _interview_person(db, workspace_id, fields["source_interview_id"])
    return None


async def create_lead(db: Db, *, workspace_id: str, body: LeadCreate) -> Lead:
    fields = body.model_dump(exclude={"follow_up_due_at"})
    interviewee = await _check_references(db, workspace_id, fields)
    if fields["source_person_id"] is None and "source_person_id" not in body.model_fields_set:
        # A lead that came up in an interview came from the person interviewed.
        fields["source_person_id"] = interviewee
    values = new_row("led", workspace_id=workspace_id, **column_values(fields))
    row = await db.one(insert(leads).values(values).returning(*leads.c))
    if body.follow_up_due_at is not None:
        await create_follow_up(
            db,
            workspace_id=workspace_id,
            kind="act_on_lead",
            title=f"Act on lead: {row['title']}",
            due_at=body.follow_up_due_at,
            person_id=row["source_person_id"],
            interview_id=row["source_interview_id"],
            lead_id=row["id"],
        )
    return Lead.model_validate(row)


async def update_lead(
    db: Db, *, workspace_id: str, lead_id: str, changes: dict[str, Any], if_match: str | None
) -> Lead:
    current = await _lead.for_change(db, workspace_id, lead_id, if_match, Lead.model_validate)
    if not changes:
        return Lead.model_validate(current)
    await _check_references(db, workspace_id, changes)
    row = await db.one(
        update(leads)
        .where(_c.workspace_id == workspace_id, _c.id == lead_id)
        .values(**column_values(changes), updated_at=utcnow())
        .returning(*leads.c)
    )
    return Lead.model_validate(row)


async def delete_lead(db: Db, *, workspace_id: str, lead_id: str, if_match: str | None) -> None:
    """Delete a lead; its follow-ups go with it (they are about nothing else)."""
    await _lead.for_change(db, workspace_id, lead_id, if_match, Lead.model_validate)
    await db.execute(delete(leads).where(_c.workspace_id == workspace_id, _c.id == lead_id))

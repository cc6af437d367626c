"""Organisations: names unique per workspace ignoring case, research notes, the target list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from app.core import ids
from app.core.db import ConstraintViolation, Db, Row, utcnow
from app.core.errors import Conflict, FieldError, ValidationFailed
from app.core.filters import search_text
from app.core.inserts import new_row
from app.core.lookups import InWorkspace
from app.core.pagination import KeysetList, Page, SortOrder, both_ways
from app.core.rows import RowJson
from app.core.stored_documents import StoredDocuments
from app.organisations.models import organisations
from app.organisations.schemas import Organisation, OrganisationCreate, OrganisationFilters

_NO_ORGANISATION = "No organisation has that id in this workspace."

_c = organisations.c
ORDERS = {
    **both_ways("created_at", (_c.created_at, _c.id)),
    **both_ways("updated_at", (_c.updated_at, _c.id)),
    **both_ways("name", (_c.name_key, _c.id)),
    # Unranked organisations come last in either direction.
    **both_ways("target_rank", (_c.target_rank, _c.id), nullable=True),
}
DEFAULT_SORT = "created_at"


# The JSON an organisation is shown as, stored with each write (`doc`, see app.core.rows).
ORGANISATION_JSON = RowJson(Organisation)
ORGANISATION_DOCUMENTS = StoredDocuments(organisations, ORGANISATION_JSON)
# Every column but the stored document, which only interview pages' embeds read.
_columns = ORGANISATION_DOCUMENTS.row_columns
_organisation = InWorkspace("org", select(*_columns), organisations, _NO_ORGANISATION)


async def get_organisation(db: Db, *, workspace_id: str, organisation_id: str) -> Organisation:
    """The organisation, or NotFound (also for a malformed id or another workspace's)."""
    return Organisation.model_validate(await _organisation.load(db, workspace_id, organisation_id))


async def ensure_exists(
    db: Db, *, workspace_id: str, organisation_id: str, pointer: str = "/organisation_id"
) -> None:
    """For records that refer to an organisation: a 422 at `pointer` unless it is in this
    workspace (a reference is input, so a bad one is invalid input rather than a 404)."""
    found = ids.is_valid(organisation_id, "org") and (
        await db.first(
            select(_c.id).where(_c.workspace_id == workspace_id, _c.id == organisation_id)
        )
        is not None
    )
    if not found:
        raise ValidationFailed(
            "The organisation does not exist in this workspace.",
            errors=[
                FieldError(pointer=pointer, detail=_NO_ORGANISATION, code="organisation_not_found")
            ],
        )


async def list_organisations(
    db: Db,
    *,
    workspace_id: str,
    filters: OrganisationFilters,
    order: SortOrder,
    cursor: str | None,
    limit: int,
) -> tuple[list[Organisation], Page]:
    page = await _list.page(db, workspace_id, filters, order, cursor, limit)
    return [Organisation.model_validate(dict(r)) for r in page.rows], page


# One statement per shape, built and compiled once.
_list = KeysetList(_columns, _c, OrganisationFilters)


def _name_taken() -> Conflict:
    return Conflict(
        "An organisation with that name already exists in this workspace.",
        code="organisation_name_taken",
        errors=[
            FieldError(
                pointer="/name",
                detail="Names are unique in a workspace, ignoring case.",
                code="organisation_name_taken",
            )
        ],
    )


def _rank_without_target() -> ValidationFailed:
    return ValidationFailed(
        "Only organisations on the target list (`is_target: true`) have a rank.",
        errors=[
            FieldError(
                pointer="/target_rank",
                detail="A rank puts the organisation on the target list: leave out "
                "`is_target: false`, or the rank.",
                code="rank_without_target",
            )
        ],
    )


async def _ensure_name_free(
    db: Db, workspace_id: str, name_key: str, except_id: str | None = None
) -> None:
    stmt = select(_c.id).where(_c.workspace_id == workspace_id, _c.name_key == name_key)
    if except_id is not None:
        stmt = stmt.where(_c.id != except_id)
    if await db.first(stmt) is not None:
        raise _name_taken()


def _derived(values: dict[str, Any]) -> dict[str, Any]:
    """The stored columns computed from the others: the name's key and the `?q=` text."""
    return {
        "name_key": values["name"].lower(),
        "search_text": search_text(
            values["name"],
            values["industry"],
            values["location"],
            values["why_interested"],
            values["notes"],
            values["culture"],
            values["strengths"],
            values["recent_news"],
            values["competitors"],
            values["position_in_field"],
        ),
    }


def _storable(changes: dict[str, Any]) -> dict[str, Any]:
    """Input values as columns hold them: URLs as their normalised text, enums as values."""
    stored = dict(changes)
    if stored.get("website") is not None:
        stored["website"] = str(stored["website"])
    if stored.get("size") is not None:
        stored["size"] = stored["size"].value
    return stored


async def create_organisation(
    db: Db, *, workspace_id: str, body: OrganisationCreate
) -> Organisation:
    values = _storable(body.model_dump())
    if values["target_rank"] is not None:
        # A rank makes a target, unless the body says outright that it is not one.
        if "is_target" in body.model_fields_set and not values["is_target"]:
            raise _rank_without_target()
        values["is_target"] = True
    values.update(_derived(values))
    await _ensure_name_free(db, workspace_id, values["name_key"])
    values = new_row("org", **values, workspace_id=workspace_id)
    stmt = (
        insert(organisations).values(**ORGANISATION_DOCUMENTS.written(values)).returning(*_columns)
    )
    try:
        row = await db.one(stmt)
    except ConstraintViolation as exc:
        # A concurrent request took the name between the check above and this insert.
        raise _name_taken() from exc
    return Organisation.model_validate(row)


def _apply_target_rule(current: Row, changes: dict[str, Any]) -> dict[str, Any]:
    """Only targets are ranked. A rank sent puts the organisation on the target list, unless
    the same patch says `is_target: false` (refused: the document states it, as a `not`, in
    `schemas._rank_needs_target`); taking an organisation off the list also drops its rank.
    Whether a patch is refused depends on it alone, never on what is stored."""
    ranked = changes.get("target_rank") is not None
    if "is_target" not in changes:
        return {**changes, "is_target": True} if ranked else changes
    if changes["is_target"]:
        return changes
    if ranked:
        raise _rank_without_target()
    if current["target_rank"] is not None:
        return {**changes, "target_rank": None}
    return changes


async def update_organisation(
    db: Db,
    *,
    workspace_id: str,
    organisation_id: str,
    changes: dict[str, Any],
    if_match: str | None,
) -> Organisation:
    current = await _organisation.for_change(
        db, workspace_id, organisation_id, if_match, Organisation.model_validate
    )
    changes = _apply_target_rule(current, _storable(changes))
    if all(current[field] == value for field, value in changes.items()):
        return Organisation.model_validate(current)
    merged = {**current, **changes}
    changes.update(_derived(merged))
    if changes["name_key"] != current["name_key"]:
        await _ensure_name_free(db, workspace_id, changes["name_key"], except_id=organisation_id)
    changes["updated_at"] = utcnow()
    stmt = (
        update(organisations)
        .where(_c.workspace_id == workspace_id, _c.id == organisation_id)
        .values(**ORGANISATION_DOCUMENTS.written({**merged, **changes}, changes))
        .returning(*_columns)
    )
    try:
        row = await db.one(stmt, missing=_NO_ORGANISATION)
    except ConstraintViolation as exc:
        raise _name_taken() from exc
    return Organisation.model_validate(row)


async def delete_organisation(
    db: Db, *, workspace_id: str, organisation_id: str, if_match: str | None
) -> None:
    """Delete it; people and interviews that referred to it keep existing, with no organisation
    (the foreign keys are ON DELETE SET NULL)."""
    await _organisation.for_change(
        db, workspace_id, organisation_id, if_match, Organisation.model_validate
    )
    await db.execute(
        delete(organisations).where(_c.workspace_id == workspace_id, _c.id == organisation_id)
    )

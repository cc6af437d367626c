"""People: create, read, change and delete contacts; the referral tree stays within a workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, update

from app.core import ids
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import Conflict, FieldError, ValidationFailed
from app.core.filters import search_text
from app.core.inserts import new_row
from app.core.lookups import InWorkspace
from app.core.pagination import KeysetList, Page, SortOrder, both_ways, sort_keys
from app.follow_ups import effects as follow_ups_effects
from app.interviews.models import interviews
from app.organisations import service as organisations_service
from app.people.models import people
from app.people.representation import PERSON_COLUMNS, PERSON_DOCUMENTS
from app.people.representation import PERSON_JSON as PERSON_JSON
from app.people.schemas import PersonCreate, PersonFilters
from app.workspaces.models import workspaces

_NO_PERSON = "No person has that id in this workspace."

_c = people.c
# Responses are built from rows (app.core.rows): `PERSON_JSON`, the columns `Person` shows.
_columns = PERSON_COLUMNS
_person = InWorkspace("per", select(*_columns), people, _NO_PERSON)


async def get_person(db: Db, *, workspace_id: str, person_id: str) -> Row:
    """The person's row, the fields of `Person` (serialise with `PERSON_JSON`)."""
    return await _person.load(db, workspace_id, person_id)


async def ensure_exists(
    db: Db, *, workspace_id: str, person_id: str, pointer: str = "/person_id"
) -> None:
    """422 `person_not_found` at `pointer` unless the person is in the workspace (for bodies
    that refer to a person, where a dangling reference is invalid input, not a missing page)."""
    found = ids.is_valid(person_id, "per") and (
        await db.first(select(_c.id).where(_c.workspace_id == workspace_id, _c.id == person_id))
        is not None
    )
    if not found:
        raise ValidationFailed(
            "No person has that id in this workspace.",
            errors=[
                FieldError(
                    pointer=pointer,
                    detail="No person with this id in this workspace.",
                    code="person_not_found",
                )
            ],
        )


ORDERS = {
    **both_ways("created_at", (_c.created_at, _c.id)),
    **both_ways("updated_at", (_c.updated_at, _c.id)),
    # People without a family name, or never contacted, come last in either direction.
    **both_ways("family_name", (_c.family_name, _c.id), nullable=True),
    **both_ways("last_contacted_at", (_c.last_contacted_at, _c.id), nullable=True),
}
DEFAULT_SORT = "created_at"


# Statements per shape, built and compiled once. Rows bring their stored JSON (`doc`) when this
# code wrote it, and the sort keys (the next cursor); their other columns only in a second read
# when a row on the page has no document (`document_rows`).
_list = KeysetList(PERSON_DOCUMENTS.select_lists(_columns, sort_keys(ORDERS)), _c, PersonFilters)


async def list_people(
    db: Db,
    *,
    workspace_id: str,
    filters: PersonFilters,
    order: SortOrder,
    cursor: str | None,
    limit: int,
) -> Page:
    """A page of people (rows of `Person` fields), filtered and sorted."""
    return await _list.page(db, workspace_id, filters, order, cursor, limit)


async def list_people_of_organisation(
    db: Db,
    *,
    workspace_id: str,
    organisation_id: str,
    filters: PersonFilters,
    order: SortOrder,
    cursor: str | None,
    limit: int,
) -> Page:
    """The people at one organisation; NotFound when the organisation is not in the workspace."""
    await organisations_service.get_organisation(
        db, workspace_id=workspace_id, organisation_id=organisation_id
    )
    filters = filters.model_copy(update={"organisation_id": organisation_id})
    return await list_people(
        db, workspace_id=workspace_id, filters=filters, order=order, cursor=cursor, limit=limit
    )


def derived_display_name(given_name: str | None, family_name: str | None) -> str:
    """`given family`, as far as the names go (cut to the column's 200 characters)."""
    return " ".join(n for n in (given_name, family_name) if n)[:200]


def _name_required() -> ValidationFailed:
    return ValidationFailed(
        "A person needs a name: give at least one of given_name, family_name or display_name.",
        errors=[
            FieldError(
                pointer="/display_name",
                detail="At least one of given_name, family_name or display_name is required.",
                code="name_required",
            )
        ],
    )


def _search_text(person: dict[str, Any]) -> str:
    addresses = [str(e["address"]) for e in person["emails"]]
    return search_text(
        person["given_name"],
        person["family_name"],
        person["display_name"],
        *addresses,
        person["job_title"],
        person["notes"],
    )


async def _check_references(
    db: Db, workspace_id: str, person_id: str, changes: dict[str, Any]
) -> None:
    """An organisation or a referrer named in the body must exist in this workspace."""
    organisation_id = changes.get("organisation_id")
    if organisation_id is not None:
        await organisations_service.ensure_exists(
            db, workspace_id=workspace_id, organisation_id=organisation_id
        )
    referred_by_id = changes.get("referred_by_id")
    if referred_by_id is None:
        return
    if referred_by_id == person_id:
        raise _referral_error("A person cannot be referred by themselves.", "self_referral")
    await ensure_exists(
        db, workspace_id=workspace_id, person_id=referred_by_id, pointer="/referred_by_id"
    )
    # Two concurrent re-parentings could each pass the check and close a loop together: changes
    # to a workspace's referral tree take the workspace's row lock, one at a time.
    await db.execute(LOCK_WORKSPACE, {"workspace_id": workspace_id})
    await ensure_no_cycle(
        db, workspace_id=workspace_id, person_id=person_id, referrer_id=referred_by_id
    )


def _referral_error(detail: str, code: str) -> Conflict:
    # The request is well formed; it conflicts with the referral tree as it stands: 409.
    return Conflict(
        detail,
        code=code,
        errors=[FieldError(pointer="/referred_by_id", detail=detail, code=code)],
    )


LOCK_WORKSPACE = (
    select(workspaces.c.id).where(workspaces.c.id == bindparam("workspace_id")).with_for_update()
)

# The referrer and everyone above them, in one statement. UNION (not UNION ALL) keeps a row only
# the first time: the tree this check keeps is acyclic, but a loop already in the data (written
# around the service) still ends the walk, on both databases, instead of recursing forever.
_above = people.alias("above")
_ancestors = (
    select(_c.id, _c.referred_by_id)
    .where(_c.workspace_id == bindparam("workspace_id"), _c.id == bindparam("referrer_id"))
    .cte("ancestors", recursive=True)
)
_ancestors = _ancestors.union(
    select(_above.c.id, _above.c.referred_by_id).where(
        _above.c.workspace_id == bindparam("workspace_id"),
        _above.c.id == _ancestors.c.referred_by_id,
    )
)
# EXISTS lets PostgreSQL stop walking once the person is found.
_is_an_ancestor = select(exists().where(_ancestors.c.id == bindparam("person_id")))


async def ensure_no_cycle(db: Db, *, workspace_id: str, person_id: str, referrer_id: str) -> None:
    """Referrals form a tree: the new referrer may not be this person, nor anyone this person
    (indirectly, at any depth) referred. Callers hold the workspace's lock (`LOCK_WORKSPACE`)."""
    found = await db.scalar(
        _is_an_ancestor,
        {"workspace_id": workspace_id, "person_id": person_id, "referrer_id": referrer_id},
    )
    if found:
        raise _referral_error(
            "That person was referred (directly or not) by this one: referrals form a tree.",
            "referral_cycle",
        )


# Built once: every column is a bind parameter, and a create passes them all. Nothing comes
# back: the row is the values sent (no column has a database default), its JSON the `doc`
# rendered from them (`PERSON_DOCUMENTS.written`).
_insert_person = insert(people)


async def create_person(db: Db, *, workspace_id: str, body: PersonCreate) -> Row:
    fields = body.model_dump()
    if fields["display_name"] is None:
        fields["display_name"] = derived_display_name(fields["given_name"], fields["family_name"])
    if not fields["display_name"]:
        raise _name_required()
    person = new_row("per", **column_values(fields), workspace_id=workspace_id)
    await _check_references(db, workspace_id, person["id"], fields)
    values = PERSON_DOCUMENTS.written({**person, "search_text": _search_text(fields)})
    await db.execute(_insert_person, values)
    await _keep_in_touch(db, values)
    return values


async def _keep_in_touch(db: Db, row: Row) -> None:
    """A stay-in-touch interval schedules its first follow-up in the same transaction."""
    if row["stay_in_touch_every_days"] is not None:
        await follow_ups_effects.schedule_stay_in_touch(
            db,
            workspace_id=row["workspace_id"],
            person_id=row["id"],
            display_name=row["display_name"],
            every_days=row["stay_in_touch_every_days"],
        )


def _merged_display_name(current: Row, changes: dict[str, Any]) -> str:
    """The display name after a patch. Sent: as sent (null derives it afresh). Not sent: it
    follows name changes while it is still the one derived from the old names. Never empty:
    when the names after the patch derive none, the person keeps the display name they had
    (every stored person has one), so no patch is refused for leaving a person nameless, a
    refusal that would depend on the stored names, which no schema of the body can state."""
    given = changes.get("given_name", current["given_name"])
    family = changes.get("family_name", current["family_name"])
    kept = str(current["display_name"])
    if "display_name" in changes:
        sent = changes["display_name"]
        if sent is not None:
            return str(sent)
        return derived_display_name(given, family) or kept
    was_derived = kept == derived_display_name(current["given_name"], current["family_name"])
    return (derived_display_name(given, family) or kept) if was_derived else kept


async def update_person(
    db: Db, *, workspace_id: str, person_id: str, changes: dict[str, Any], if_match: str | None
) -> Row:
    current = await _person.for_change(db, workspace_id, person_id, if_match, PERSON_JSON.json)
    if not changes:
        return current
    changes = {**changes, "display_name": _merged_display_name(current, changes)}
    await _check_references(db, workspace_id, person_id, changes)
    stored = column_values(changes)
    merged = {**current, **stored, "updated_at": utcnow()}
    row = await db.one(
        update(people)
        .where(_c.workspace_id == workspace_id, _c.id == person_id)
        .values(
            **PERSON_DOCUMENTS.written(
                merged,
                {**stored, "search_text": _search_text(merged), "updated_at": merged["updated_at"]},
            )
        )
        .returning(*_columns)
    )
    if "stay_in_touch_every_days" in changes:
        await _keep_in_touch(db, row)
    return row


async def delete_person(
    db: Db, *, workspace_id: str, person_id: str, if_match: str | None, cascade: bool
) -> None:
    """Delete a person; their interviews go too only when the client asked (`cascade`). The
    row lock makes a concurrent new interview for this person wait, so none slips through."""
    await _person.for_change(db, workspace_id, person_id, if_match, PERSON_JSON.json)
    if not cascade:
        interview = await db.first(
            select(interviews.c.id)
            .where(interviews.c.workspace_id == workspace_id, interviews.c.person_id == person_id)
            .limit(1)
        )
        if interview is not None:
            raise Conflict(
                "This person has interviews; delete with `?cascade=true` to delete them too.",
                code="person_has_interviews",
            )
    # Interviews (and their agendas) cascade in the database; referrals to this person are
    # cleared (SET NULL).
    await db.execute(delete(people).where(_c.workspace_id == workspace_id, _c.id == person_id))

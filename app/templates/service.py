"""Message templates: the workspace's own and the read-only built-in ones; rendering."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from app.api_keys.models import api_keys
from app.auth.models import users
from app.core import ids
from app.core.builtins import builtin_first, visible
from app.core.db import Db, Row, column_values, utcnow
from app.core.errors import FieldError, Forbidden, NotFound, ValidationFailed
from app.core.etags import require_current
from app.core.inserts import new_row
from app.core.pagination import Page, SortOrder, fetch_page
from app.interviews.models import interviews
from app.organisations.models import organisations
from app.people.models import people
from app.templates import render as renderer
from app.templates.models import templates
from app.templates.schemas import (
    Template,
    TemplateCreate,
    TemplateFilters,
    TemplateRendering,
    TemplateRenderRequest,
)
from app.workspaces.models import workspaces

_NO_TEMPLATE = "No template has that id in this workspace."

_c = templates.c
# Built-in templates lead every list, whichever way it is sorted (as built-in question banks do).
ORDERS = {
    **builtin_first("created_at", templates, _c.created_at),
    **builtin_first("name", templates, _c.name),
}


def _read_only() -> Forbidden:
    return Forbidden(
        "Built-in templates are read-only; copy one into your workspace to change it.",
        code="builtin_read_only",
    )


def to_template(row: Mapping[str, Any]) -> Template:
    fields = {k: v for k, v in row.items() if k != "rank"}
    return Template.model_validate(
        {**fields, "placeholders": renderer.known_in(row["subject"], row["body"])}
    )


async def _load(db: Db, workspace_id: str, template_id: str) -> Row:
    if not ids.is_valid(template_id, "tpl"):
        raise NotFound(_NO_TEMPLATE)
    stmt = select(*_c).where(_c.id == template_id, visible(templates, workspace_id))
    return await db.one(stmt, missing=_NO_TEMPLATE)


async def _writable(db: Db, workspace_id: str, template_id: str) -> Row:
    """The workspace's own template, locked; a built-in one is 403, any other 404."""
    if not ids.is_valid(template_id, "tpl"):
        raise NotFound(_NO_TEMPLATE)
    own = select(*_c).where(_c.id == template_id, _c.workspace_id == workspace_id).with_for_update()
    row = await db.first(own)
    if row is None:
        await _load(db, workspace_id, template_id)  # 404 unless it is a built-in one
        raise _read_only()
    return row


async def ensure_visible(db: Db, *, workspace_id: str, template_id: str, pointer: str) -> None:
    """422 `template_not_found` at `pointer` unless the workspace can see the template (its
    own or a built-in one): for bodies that refer to a template."""
    found = ids.is_valid(template_id, "tpl") and (
        await db.first(select(_c.id).where(_c.id == template_id, visible(templates, workspace_id)))
        is not None
    )
    if not found:
        raise ValidationFailed(
            "No template has that id in this workspace.",
            errors=[
                FieldError(
                    pointer=pointer,
                    detail="No template with this id in this workspace (or built in).",
                    code="template_not_found",
                )
            ],
        )


def _check_placeholders(values: dict[str, Any]) -> None:
    """422 `unknown_placeholder` for any `{{ … }}` outside the whitelist, per field."""
    errors = []
    for field in ("subject", "body"):
        unknown = renderer.unknown_in(values.get(field))
        if unknown:
            listed = ", ".join(f"`{{{{{name}}}}}`" for name in unknown)
            errors.append(
                FieldError(
                    pointer=f"/{field}",
                    detail=f"Unknown placeholder(s) {listed}; allowed: {renderer.allowed_list()}.",
                    code="unknown_placeholder",
                )
            )
    if errors:
        raise ValidationFailed(
            "The template uses placeholders that are not documented.", errors=errors
        )


# --- reads --------------------------------------------------------------------------------------


async def list_templates(
    db: Db,
    *,
    workspace_id: str,
    filters: TemplateFilters,
    order: SortOrder,
    cursor: str | None,
    limit: int,
) -> tuple[list[Template], Page]:
    shown = visible(templates, workspace_id, filters.builtin)
    stmt: Select[Any] = select(*_c, order.columns[0]).where(shown)
    if filters.kind is not None:
        stmt = stmt.where(_c.kind == filters.kind.value)
    page = await fetch_page(db, stmt, order, cursor, limit)
    return [to_template(r) for r in page.rows], page


async def get_template(db: Db, *, workspace_id: str, template_id: str) -> Template:
    return to_template(await _load(db, workspace_id, template_id))


# --- writes -------------------------------------------------------------------------------------


async def _insert(db: Db, workspace_id: str, content: dict[str, Any]) -> Template:
    """A new template of the workspace: `content` is its kind, name, subject and body."""
    values = new_row("tpl", workspace_id=workspace_id, builtin=False, **content)
    return to_template(await db.one(insert(templates).values(values).returning(*_c)))


async def create_template(db: Db, *, workspace_id: str, body: TemplateCreate) -> Template:
    _check_placeholders({"subject": body.subject, "body": body.body})
    return await _insert(db, workspace_id, column_values(body.model_dump()))


async def update_template(
    db: Db, *, workspace_id: str, template_id: str, changes: dict[str, Any], if_match: str | None
) -> Template:
    current = await _writable(db, workspace_id, template_id)
    require_current(if_match, to_template(current))
    if not changes:
        return to_template(current)
    values = {k: v.value if isinstance(v, Enum) else v for k, v in changes.items()}
    _check_placeholders(values)
    row = await db.one(
        update(templates)
        .where(_c.id == current["id"], _c.workspace_id == workspace_id)
        .values(**values, updated_at=utcnow())
        .returning(*_c)
    )
    return to_template(row)


async def delete_template(
    db: Db, *, workspace_id: str, template_id: str, if_match: str | None
) -> None:
    """Delete a template; outreach made from it keeps its text, its `template_id` is cleared."""
    current = await _writable(db, workspace_id, template_id)
    require_current(if_match, to_template(current))
    await db.execute(
        delete(templates).where(_c.id == current["id"], _c.workspace_id == workspace_id)
    )


async def copy_template(
    db: Db, *, workspace_id: str, template_id: str, name: str | None
) -> Template:
    """A copy in the workspace of a built-in template or one of its own, under a new id."""
    source = await _load(db, workspace_id, template_id)
    content = {key: source[key] for key in ("kind", "subject", "body")}
    return await _insert(db, workspace_id, {**content, "name": name or source["name"]})


# --- rendering ----------------------------------------------------------------------------------


def _not_found(pointer: str, detail: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError(pointer=pointer, detail=detail, code=code)])


async def _person_row(db: Db, workspace_id: str, person_id: str | None) -> Row | None:
    if person_id is None or not ids.is_valid(person_id, "per"):
        return None
    return await db.first(
        select(
            people.c.id,
            people.c.given_name,
            people.c.family_name,
            people.c.display_name,
            people.c.job_title,
            people.c.organisation_id,
            people.c.referred_by_id,
        ).where(people.c.workspace_id == workspace_id, people.c.id == person_id)
    )


async def _interview_row(db: Db, workspace_id: str, interview_id: str) -> Row:
    row = None
    if ids.is_valid(interview_id, "int"):
        row = await db.first(
            select(
                interviews.c.person_id,
                interviews.c.organisation_id,
                interviews.c.scheduled_at,
                interviews.c.timezone,
                interviews.c.duration_minutes,
                interviews.c.role_of_interest,
                interviews.c.career_field,
            ).where(interviews.c.workspace_id == workspace_id, interviews.c.id == interview_id)
        )
    if row is None:
        raise _not_found(
            "/interview_id", "No interview has that id in this workspace.", "interview_not_found"
        )
    return row


async def _caller_name(db: Db, user_id: str | None, api_key_id: str | None) -> str | None:
    """The user's name; for an API key, the name of the user who created it (if still there)."""
    if user_id is None and api_key_id is not None:
        user_id = await db.scalar(select(api_keys.c.created_by).where(api_keys.c.id == api_key_id))
    if user_id is None:
        return None
    name = await db.scalar(select(users.c.name).where(users.c.id == user_id))
    return None if name is None else str(name)


def _scheduled_at(scheduled_at: datetime, timezone: str | None) -> str:
    try:
        return renderer.format_scheduled_at(scheduled_at, timezone)
    except OverflowError:
        # Stored before inputs were bounded to 1900-2200: the zone's local time would fall
        # past year 9999, the UTC one (as stored) cannot.
        return renderer.format_scheduled_at(scheduled_at, None)


def _interview_values(interview: Row) -> dict[str, str | None]:
    scheduled_at = interview["scheduled_at"]
    return {
        "interview.scheduled_at": (
            None if scheduled_at is None else _scheduled_at(scheduled_at, interview["timezone"])
        ),
        "interview.duration_minutes": str(interview["duration_minutes"]),
        "interview.role_of_interest": interview["role_of_interest"],
        "interview.career_field": interview["career_field"],
    }


async def _person_values(db: Db, workspace_id: str, person: Row) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        f"person.{field}": person[field]
        for field in ("given_name", "family_name", "display_name", "job_title")
    }
    referrer = await _person_row(db, workspace_id, person["referred_by_id"])
    if referrer is not None:
        values["referrer.given_name"] = referrer["given_name"]
        values["referrer.display_name"] = referrer["display_name"]
    return values


async def _values(
    db: Db,
    workspace_id: str,
    request: TemplateRenderRequest,
    user_id: str | None,
    api_key_id: str | None,
) -> dict[str, str | None]:
    """The placeholder values, built from whitelisted columns only (the sandbox's other half)."""
    values: dict[str, str | None] = {}
    person_id = request.person_id
    organisation_id: str | None = None
    if request.interview_id is not None:
        interview = await _interview_row(db, workspace_id, request.interview_id)
        if person_id is not None and person_id != interview["person_id"]:
            raise _not_found(
                "/interview_id",
                "The interview is with another person than `person_id`.",
                "interview_person_mismatch",
            )
        person_id, organisation_id = interview["person_id"], interview["organisation_id"]
        values.update(_interview_values(interview))
    if person_id is not None:
        person = await _person_row(db, workspace_id, person_id)
        if person is None:
            raise _not_found(
                "/person_id", "No person has that id in this workspace.", "person_not_found"
            )
        values.update(await _person_values(db, workspace_id, person))
        organisation_id = organisation_id or person["organisation_id"]
    if organisation_id is not None:
        values["organisation.name"] = await db.scalar(
            select(organisations.c.name).where(
                organisations.c.workspace_id == workspace_id, organisations.c.id == organisation_id
            )
        )
    values["workspace.name"] = await db.scalar(
        select(workspaces.c.name).where(workspaces.c.id == workspace_id)
    )
    values["me.name"] = await _caller_name(db, user_id, api_key_id)
    return values


async def render_template(
    db: Db,
    *,
    workspace_id: str,
    template_id: str,
    request: TemplateRenderRequest,
    user_id: str | None,
    api_key_id: str | None,
) -> TemplateRendering:
    template = await _load(db, workspace_id, template_id)
    values = await _values(db, workspace_id, request, user_id, api_key_id)
    result = renderer.render(template["subject"], template["body"], values)
    return TemplateRendering(
        template_id=template["id"],
        subject=result.subject,
        body=result.body,
        unknown_placeholders=result.unknown,
        unfilled_placeholders=result.unfilled,
        complete=not result.unknown and not result.unfilled,
    )

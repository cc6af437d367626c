"""`/v1/workspaces/{workspace_id}/templates`: message templates, built-in ones, rendering."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core.dependencies import IfMatch, ReadDb, WriteDb
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, resolve_sort
from app.core.responses import (
    item_response,
    json_response,
    no_content,
    page_response,
)
from app.core.routing import CheckedRoute
from app.templates import service
from app.templates.render import PLACEHOLDERS
from app.templates.schemas import (
    Template,
    TemplateCopy,
    TemplateCreate,
    TemplateKind,
    TemplateList,
    TemplateRendering,
    TemplateRenderRequest,
    TemplateUpdate,
)

router = APIRouter(
    route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}/templates", tags=["templates"]
)

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("templates:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("templates:write")]
TemplateId = Annotated[
    str,
    Path(
        description="The template's id (`tpl_…`); built-in templates' ids work in every workspace.",
        examples=["tpl_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    ),
]
_READ_ONLY: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The role or API key scope does not allow this (`forbidden`, "
        "`insufficient_scope`), or the template is a read-only built-in one "
        "(`builtin_read_only`)."
    }
}
_NO_COPY_OPTIONS = TemplateCopy()
_PLACEHOLDER_LIST = "\n".join(
    f"- `{{{{{name}}}}}`: {meaning}" for name, meaning in PLACEHOLDERS.items()
)
_NO_RENDER_OPTIONS = TemplateRenderRequest()


def _location(workspace_id: str, template_id: str) -> str:
    return f"/v1/workspaces/{workspace_id}/templates/{template_id}"


@router.get(
    "",
    operation_id="templates_list",
    response_model=TemplateList,
    summary="List templates: the built-in ones first, then the workspace's",
)
async def list_templates(
    request: Request,
    access: Reader,
    db: ReadDb,
    kind: Annotated[TemplateKind | None, Query(description="Only this kind.")] = None,
    builtin: Annotated[
        bool | None,
        Query(description="Only built-in templates (true) or only the workspace's (false)."),
    ] = None,
    sort: Annotated[
        str,
        Query(
            max_length=20,
            description="`created_at`, `-created_at`, `name` or `-name`; built-in templates "
            "come first in every order.",
        ),
    ] = "created_at",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    data, page = await service.list_templates(
        db,
        access.workspace_id,
        service.TemplateFilters(kind=kind, builtin=builtin),
        order=resolve_sort(sort, service.ORDERS),
        cursor=cursor,
        limit=limit,
    )
    return page_response(request, TemplateList, data, page)


@router.post(
    "",
    operation_id="templates_create",
    status_code=201,
    response_model=Template,
    summary="Create a template",
    description="Placeholders outside this list are a 422 `unknown_placeholder`:\n\n"
    + _PLACEHOLDER_LIST,
)
async def create_template(
    request: Request, body: TemplateCreate, access: Writer, db: WriteDb
) -> Response:
    template = await service.create_template(db, access.workspace_id, body)
    location = _location(access.workspace_id, template.id)
    return item_response(request, template, status=201, location=location)


@router.get(
    "/{template_id}",
    operation_id="templates_get",
    response_model=Template,
    summary="Get a template (the workspace's or a built-in one)",
)
async def get_template(
    request: Request, access: Reader, template_id: TemplateId, db: ReadDb
) -> Response:
    return item_response(request, await service.get_template(db, access.workspace_id, template_id))


@router.patch(
    "/{template_id}",
    operation_id="templates_update",
    response_model=Template,
    summary="Update a template (JSON Merge Patch)",
    responses=_READ_ONLY,
)
async def update_template(
    request: Request,
    body: TemplateUpdate,
    access: Writer,
    template_id: TemplateId,
    db: WriteDb,
    if_match: IfMatch = None,
) -> Response:
    template = await service.update_template(
        db, access.workspace_id, template_id, body.changes(), if_match
    )
    return item_response(request, template)


@router.delete(
    "/{template_id}",
    operation_id="templates_delete",
    status_code=204,
    response_class=Response,
    summary="Delete a template",
    description="Outreach written from it keeps its text; its `template_id` is cleared.",
    responses=_READ_ONLY,
)
async def delete_template(
    access: Writer, template_id: TemplateId, db: WriteDb, if_match: IfMatch = None
) -> Response:
    await service.delete_template(db, access.workspace_id, template_id, if_match)
    return no_content()


@router.post(
    "/{template_id}/copy",
    operation_id="templates_copy",
    status_code=201,
    response_model=Template,
    summary="Copy a template (a built-in one or the workspace's) into the workspace",
)
async def copy_template(
    request: Request,
    access: Writer,
    template_id: TemplateId,
    db: WriteDb,
    body: Annotated[TemplateCopy, Body()] = _NO_COPY_OPTIONS,
) -> Response:
    template = await service.copy_template(db, access.workspace_id, template_id, body.name)
    location = _location(access.workspace_id, template.id)
    return item_response(request, template, status=201, location=location)


@router.post(
    "/{template_id}/render",
    operation_id="templates_render",
    response_model=TemplateRendering,
    summary="Fill a template's placeholders for a person and/or an interview",
    description="Nothing is sent or stored. Unknown placeholders and placeholders without a "
    "value are left as written and listed; `complete` is true only when there are none. Only "
    "the listed fields are readable: rendering evaluates nothing.\n\n" + _PLACEHOLDER_LIST,
)
async def render_template(
    access: Reader,
    template_id: TemplateId,
    db: ReadDb,
    body: Annotated[TemplateRenderRequest, Body()] = _NO_RENDER_OPTIONS,
) -> Response:
    # Rendering shows the person, their referrer and organisation (and the interview): the
    # caller must be allowed to read them.
    if body.person_id is not None or body.interview_id is not None:
        access.require("people:read")
        access.require("organisations:read")
    if body.interview_id is not None:
        access.require("interviews:read")
    rendering = await service.render_template(
        db,
        access.workspace_id,
        template_id,
        body,
        user_id=access.caller.user_id,
        api_key_id=access.caller.api_key_id,
    )
    return json_response(rendering)

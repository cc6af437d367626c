"""`/v1/workspaces/{workspace_id}/templates`: message templates, built-in ones, rendering."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import ReadDb
from app.core.responses import json_response
from app.templates import service
from app.templates.render import PLACEHOLDERS
from app.templates.schemas import (
    Template,
    TemplateCopy,
    TemplateCreate,
    TemplateFilters,
    TemplateList,
    TemplateRendering,
    TemplateRenderRequest,
    TemplateUpdate,
)

router = routes.workspace_router("/templates", tag="templates")

# The caller is resolved before a WriteDb parameter opens its transaction.
Reader = Annotated[WorkspaceAccess, workspace_scope("templates:read")]
Writer = Annotated[WorkspaceAccess, workspace_scope("templates:write")]
TemplateId = Annotated[
    str,
    routes.id_path("template's", "tpl", more="; built-in templates' ids work in every workspace"),
]
_READ_ONLY: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The role or API key scope does not allow this (`forbidden`, "
        "`insufficient_scope`), or the template is a read-only built-in one "
        "(`builtin_read_only`)."
    }
}
_PLACEHOLDER_LIST = "\n".join(
    f"- `{{{{{name}}}}}`: {meaning}" for name, meaning in PLACEHOLDERS.items()
)
_NO_RENDER_OPTIONS = TemplateRenderRequest()


class TemplateQuery(routes.PageQuery, orders=service.ORDERS, filters=TemplateFilters):
    sort: str = routes.sort_field(
        service.ORDERS, "created_at", "Built-in templates come first in every order."
    )


templates = routes.ItemRoutes(
    router,
    "templates",
    "/{template_id}",
    [TemplateId],
    model=Template,
    reader=Reader,
    writer=Writer,
)
templates.filtered_page(
    "List templates: the built-in ones first, then the workspace's",
    TemplateList,
    TemplateQuery,
    service.list_templates,
    description="Built-in templates come first in every order, then the workspace's, sorted by "
    "`created_at` (default) or `name`; `?kind=` keeps one kind and `?builtin=true` or `false` one "
    "origin. Paginated (`limit`, `cursor`).",
)
templates.create(
    "Create a template",
    TemplateCreate,
    service.create_template,
    description="Placeholders outside this list are a 422 `unknown_placeholder`:\n\n"
    + _PLACEHOLDER_LIST,
)
templates.get(
    "Get a template (the workspace's or a built-in one)",
    service.get_template,
    description="One template with its `kind`, `subject`, `body` and the `placeholders` they use, "
    "with an `ETag` (304 on `If-None-Match`). Built-in templates' ids work in every workspace; "
    "another workspace's template is 404.",
)
templates.update(
    "Update a template (JSON Merge Patch)",
    TemplateUpdate,
    service.update_template,
    description="`null` clears `subject`; `kind`, `name` and `body` cannot be null (422 "
    "`not_nullable`). A subject or body with a placeholder outside the list is 422 "
    "`unknown_placeholder` and nothing is stored. Built-in templates are 403 `builtin_read_only`: "
    "copy one to change it.",
    responses=_READ_ONLY,
)
templates.delete(
    "Delete a template",
    service.delete_template,
    description="Outreach written from it keeps its text; its `template_id` is cleared.",
    responses=_READ_ONLY,
)
templates.action(
    "copy",
    "Copy a template (a built-in one or the workspace's) into the workspace",
    service.copy_template,
    body=TemplateCopy,
    takes="name",
    created=True,
    description="Copies the kind, subject and body under a new id, named by the optional body's "
    "`name` or else as the original; answers 201 with the copy and its `Location`. The copy is "
    "the workspace's own, so it can be edited; needs `templates:write`.",
)


@templates.route(
    "POST",
    "/{template_id}/render",
    response_model=TemplateRendering,
    summary="Fill a template's placeholders for a person and/or an interview",
    description="Nothing is sent or stored. Unknown placeholders and placeholders without a "
    "value are left as written and listed; `complete` is true only when there are none. Only "
    "the listed fields are readable: rendering evaluates nothing.\n\n" + _PLACEHOLDER_LIST,
)
async def render(
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
        workspace_id=access.workspace_id,
        template_id=template_id,
        request=body,
        user_id=access.caller.user_id,
        api_key_id=access.caller.api_key_id,
    )
    return json_response(rendering)

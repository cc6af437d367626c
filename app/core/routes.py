"""The routes every resource family declares alike, each registered from one call: an item's
GET, PATCH and DELETE (If-Match), its create (201 and `Location`), its filtered list, and POST
actions on it (a state machine's transitions).

Each is an ordinary route of the family's router (`CheckedRoute`, in the OpenAPI document, its
dependencies declared as parameters and run by the lean handler of `app.core.handlers`): only
the endpoint is written here, once, instead of once per family. FastAPI learns an endpoint's
parameters from its signature, so each endpoint made here carries the one a hand-written
endpoint would declare (`_signed`): same names, annotations, defaults and order (the order in
which FastAPI resolves the dependencies: the caller before a WriteDb opens its transaction).

Operation ids are the family's name and the verb (`leads_get`, `outreach_no_response`), as
api-design.md names them."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.core.dependencies import IfMatch, ReadDb, WriteDb
from app.core.pagination import (
    CURSOR_DESCRIPTION,
    DEFAULT_LIMIT,
    LIMIT_DESCRIPTION,
    MAX_LIMIT,
    Cursor,
    Limit,
    SortOrder,
    resolve_sort,
)
from app.core.query import query_model
from app.core.responses import item_response, json_item_response, no_content, page_response
from app.core.routing import CheckedRoute
from app.core.rows import RowJson
from app.core.schemas import ListPage

Endpoint = Callable[..., Awaitable[Response]]
Service = Callable[..., Awaitable[Any]]
F = TypeVar("F")
_EMPTY = inspect.Parameter.empty
_PARAMETER = re.compile(r"{(\w+)}")
_PAGING = frozenset({"sort", "limit", "cursor"})

# `limit` and `cursor` of a list's query model (`PageQuery`), as `Limit` and `Cursor` declare
# them for a route's own parameters.
PageLimit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)]
PageCursor = Annotated[str | None, Field(max_length=512, description=CURSOR_DESCRIPTION)]


def workspace_router(path: str = "", *, tag: str | None = None) -> APIRouter:
    """A family's router below `/v1/workspaces/{workspace_id}`, its routes `CheckedRoute`s; with
    `tag`, every route carries it (else each names its own)."""
    prefix = "/v1/workspaces/{workspace_id}" + path
    return APIRouter(route_class=CheckedRoute, prefix=prefix, tags=[] if tag is None else [tag])


def id_path(owner: str, prefix: str, *, more: str = "", example: bool = True) -> Any:
    """`Annotated[str, id_path("lead's", "led")]`: a path parameter holding an id of that type,
    described the same way everywhere (`more` adds to the sentence)."""
    description = f"The {owner} id (`{prefix}_…`){more}."
    if not example:
        return Path(description=description)
    return Path(description=description, examples=[f"{prefix}_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"])


def transition_conflict(owner: str) -> dict[int | str, dict[str, Any]]:
    """The 409 a state machine's action documents (`app.core.transitions.InvalidTransition`)."""
    return {
        409: {
            "description": f"The {owner} status does not allow this action "
            "(`invalid_transition`; `allowed_actions` lists those it does)."
        }
    }


class PageQuery(BaseModel):
    """A list's query parameters, read in one step (`app.core.query.query_model`). Subclasses
    declare `sort`, `limit` and `cursor` among their filters, in the order the document lists
    them; the filters are fields named as the service's filters dataclass names them."""

    def filters(self, kind: Callable[..., F]) -> F:
        """The service's filters dataclass, from the fields of the same names."""
        return kind(**{field.name: getattr(self, field.name) for field in fields(kind)})  # type: ignore[arg-type]


class _Scoped(Protocol):
    """What the endpoints read of a workspace access dependency's value."""

    @property
    def workspace_id(self) -> str: ...


def _signed(endpoint: Endpoint, name: str, parameters: Iterable[tuple[str, Any, Any]]) -> Endpoint:
    """`endpoint` with the signature FastAPI reads: each (name, annotation, default) a keyword
    parameter, in order; `inspect.Parameter.empty` for none."""
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d)
            for n, a, d in parameters
        ],
        return_annotation=Response,
    )
    endpoint.__name__ = endpoint.__qualname__ = name
    return endpoint


class ItemRoutes:
    """The routes of one kind of item on `router`, named `name` in operation ids.

    `item` is the item's path below the router's prefix; its parameters after `workspace_id`
    are typed by `ids`, in order, and passed to the service by name after the database, with
    the workspace's id as `workspace_id` (service arguments after `db` are keyword-only). The
    collection is `item` without its last segment. `reader` and `writer` are the family's
    access dependencies; `model` answers get, update, create and the actions. With `rows`, the
    services return rows and `rows` writes them (app.core.rows).
    """

    def __init__(
        self,
        router: APIRouter,
        name: str,
        item: str,
        ids: Sequence[Any],
        *,
        model: type[BaseModel],
        reader: Any,
        writer: Any,
        tags: list[str] | None = None,
        rows: RowJson | None = None,
    ) -> None:
        names = [n for n in _PARAMETER.findall(item) if n != "workspace_id"]
        if len(names) != len(ids):
            raise ValueError(f"{item}: {len(names)} parameters, {len(ids)} types")
        self.router, self.name, self.item, self.model = router, name, item, model
        self.collection = item.rsplit("/", 1)[0]
        self.ids = list(zip(names, ids, strict=True))
        self.reader, self.writer, self.tags, self.rows = reader, writer, tags, rows
        self._location = router.prefix + item

    # --- the endpoints' common parts ------------------------------------------------------------

    def _add(self, path: str, verb: str, endpoint: Endpoint, method: str, **options: Any) -> None:
        options.setdefault("response_model", self.model)
        if self.tags is not None:
            options.setdefault("tags", self.tags)
        operation_id = f"{self.name}_{verb}"
        self.router.add_api_route(
            path, endpoint, methods=[method], operation_id=operation_id, **options
        )

    def _path_values(
        self, values: Mapping[str, str], ids: Sequence[tuple[str, Any]]
    ) -> dict[str, str]:
        """The values of the path parameters `ids`, by name: the service's keyword arguments
        of the same names."""
        return {name: values[name] for name, _ in ids}

    def _respond(
        self, request: Request, found: Any, *, status: int = 200, location: str | None = None
    ) -> Response:
        if self.rows is not None:
            body = self.rows.json(found)
            return json_item_response(request, body, status=status, location=location)
        return item_response(request, found, status=status, location=location)

    # --- the routes -----------------------------------------------------------------------------

    def list_page(
        self, summary: str, list_model: type[ListPage[Any]], lister: Service, *, db: Any = ReadDb
    ) -> None:
        """GET the collection, a page at a time: `lister(db, workspace_id=, <parent ids by
        name>, cursor=, limit=)`."""
        parents = self.ids[:-1]

        async def list_items(
            request: Request,
            access: _Scoped,
            db: Any,
            limit: int,
            cursor: str | None,
            **values: str,
        ) -> Response:
            parent_ids = self._path_values(values, parents)
            data, page = await lister(
                db, workspace_id=access.workspace_id, **parent_ids, cursor=cursor, limit=limit
            )
            return page_response(request, list_model, data, page)

        parameters = [
            ("request", Request, _EMPTY),
            ("access", self.reader, _EMPTY),
            *((n, a, _EMPTY) for n, a in parents),
            ("db", db, _EMPTY),
            ("limit", Limit, DEFAULT_LIMIT),
            ("cursor", Cursor, None),
        ]
        endpoint = _signed(list_items, f"{self.name}_list", parameters)
        self._add(
            self.collection, "list", endpoint, "GET", response_model=list_model, summary=summary
        )

    def filtered_page(
        self,
        summary: str,
        list_model: type[ListPage[Any]],
        query: type[PageQuery],
        lister: Service,
        *,
        orders: dict[str, SortOrder],
        filters: Callable[..., Any] | None = None,
        db: Any = ReadDb,
        **options: Any,
    ) -> None:
        """GET the collection, filtered and sorted: `lister(db, workspace_id=, <parent ids>,
        filters=, order=, cursor=, limit=)` with the query's allow-listed sort and its filters
        as the dataclass `filters`; without `filters`, each filter is passed by its name."""
        parents = self.ids[:-1]

        async def list_items(request: Request, access: _Scoped, db: Any, **values: Any) -> Response:
            parsed = values.pop("query")
            named: dict[str, Any] = self._path_values(values, parents)
            if filters is None:
                names = type(parsed).model_fields.keys() - _PAGING
                named.update({name: getattr(parsed, name) for name in names})
            else:
                named["filters"] = parsed.filters(filters)
            data, page = await lister(
                db,
                workspace_id=access.workspace_id,
                order=resolve_sort(parsed.sort, orders),
                cursor=parsed.cursor,
                limit=parsed.limit,
                **named,
            )
            return page_response(request, list_model, data, page)

        parameters = [
            ("request", Request, _EMPTY),
            ("access", self.reader, _EMPTY),
            *((n, a, _EMPTY) for n, a in parents),
            ("db", db, _EMPTY),
            ("query", Annotated[query, query_model(query)], _EMPTY),
        ]
        endpoint = _signed(list_items, f"{self.name}_list", parameters)
        options.update(response_model=list_model, summary=summary)
        self._add(self.collection, "list", endpoint, "GET", **options)

    def create(self, summary: str, body: type[BaseModel], maker: Service, **options: Any) -> None:
        """POST to the collection: `maker(db, workspace_id=, <parent ids>, body=)`, answered
        with 201 and the new item's `Location`."""
        parents = self.ids[:-1]
        last = self.ids[-1][0]

        async def create_item(
            request: Request, body: BaseModel, access: _Scoped, db: Any, **values: str
        ) -> Response:
            made = await maker(
                db,
                workspace_id=access.workspace_id,
                **self._path_values(values, parents),
                body=body,
            )
            new_id = made["id"] if self.rows is not None else made.id
            location = self._location.format_map(
                {**values, "workspace_id": access.workspace_id, last: new_id}
            )
            return self._respond(request, made, status=201, location=location)

        parameters = [
            ("request", Request, _EMPTY),
            ("body", body, _EMPTY),
            ("access", self.writer, _EMPTY),
            *((n, a, _EMPTY) for n, a in parents),
            ("db", WriteDb, _EMPTY),
        ]
        endpoint = _signed(create_item, f"{self.name}_create", parameters)
        options.update(status_code=201, summary=summary)
        self._add(self.collection, "create", endpoint, "POST", **options)

    def get(self, summary: str, getter: Service, *, db: Any = ReadDb, **options: Any) -> None:
        """GET the item: `getter(db, workspace_id=, <ids>)`, with its ETag (304 when current)."""

        async def get_item(request: Request, access: _Scoped, db: Any, **values: str) -> Response:
            ids = self._path_values(values, self.ids)
            return self._respond(request, await getter(db, workspace_id=access.workspace_id, **ids))

        parameters = [
            ("request", Request, _EMPTY),
            ("access", self.reader, _EMPTY),
            *((n, a, _EMPTY) for n, a in self.ids),
            ("db", db, _EMPTY),
        ]
        endpoint = _signed(get_item, f"{self.name}_get", parameters)
        self._add(self.item, "get", endpoint, "GET", summary=summary, **options)

    def update(self, summary: str, body: type[BaseModel], updater: Service, **options: Any) -> None:
        """PATCH the item (JSON Merge Patch): `updater(db, workspace_id=, <ids>, changes=,
        if_match=)`; a stale If-Match is the service's 412."""

        async def update_item(
            request: Request,
            body: Any,
            access: _Scoped,
            db: Any,
            if_match: str | None,
            **values: str,
        ) -> Response:
            ids = self._path_values(values, self.ids)
            changed = await updater(
                db,
                workspace_id=access.workspace_id,
                **ids,
                changes=body.changes(),
                if_match=if_match,
            )
            return self._respond(request, changed)

        parameters = [
            ("request", Request, _EMPTY),
            ("body", body, _EMPTY),
            ("access", self.writer, _EMPTY),
            *((n, a, _EMPTY) for n, a in self.ids),
            ("db", WriteDb, _EMPTY),
            ("if_match", IfMatch, None),
        ]
        endpoint = _signed(update_item, f"{self.name}_update", parameters)
        self._add(self.item, "update", endpoint, "PATCH", summary=summary, **options)

    def delete(self, summary: str, remover: Service, **options: Any) -> None:
        """DELETE the item: `remover(db, workspace_id=, <ids>, if_match=)`, answered with 204."""

        async def delete_item(
            access: _Scoped, db: Any, if_match: str | None, **values: str
        ) -> Response:
            ids = self._path_values(values, self.ids)
            await remover(db, workspace_id=access.workspace_id, **ids, if_match=if_match)
            return no_content()

        parameters = [
            ("access", self.writer, _EMPTY),
            *((n, a, _EMPTY) for n, a in self.ids),
            ("db", WriteDb, _EMPTY),
            ("if_match", IfMatch, None),
        ]
        endpoint = _signed(delete_item, f"{self.name}_delete", parameters)
        options.update(status_code=204, response_class=Response, response_model=None)
        self._add(self.item, "delete", endpoint, "DELETE", summary=summary, **options)

    def action(
        self,
        path: str,
        summary: str,
        act: Service,
        *,
        body: type[BaseModel] | None = None,
        optional: bool = False,
        takes: str | None = None,
        **options: Any,
    ) -> None:
        """POST `item/path`: `act(db, workspace_id=, <ids>, [body= or <takes>=,] if_match=)`,
        answered with the item as it is now. With `body`, the argument is the body, or its field
        `takes`; an `optional` body may be left out (its model's defaults apply)."""
        default = body() if body is not None and optional else _EMPTY
        annotation = Annotated[body, Body()] if optional else body

        async def act_on_item(
            request: Request, access: _Scoped, db: Any, if_match: str | None, **values: Any
        ) -> Response:
            arguments: dict[str, Any] = self._path_values(values, self.ids)
            if body is not None:
                given = values["body"]
                if takes is None:
                    arguments["body"] = given
                else:
                    arguments[takes] = getattr(given, takes)
            acted = await act(db, workspace_id=access.workspace_id, **arguments, if_match=if_match)
            return self._respond(request, acted)

        parameters = [
            ("request", Request, _EMPTY),
            ("access", self.writer, _EMPTY),
            *((n, a, _EMPTY) for n, a in self.ids),
            ("db", WriteDb, _EMPTY),
            *([("body", annotation, default)] if body is not None else []),
            ("if_match", IfMatch, None),
        ]
        verb = path.replace("-", "_")
        endpoint = _signed(act_on_item, f"{self.name}_{verb}", parameters)
        self._add(f"{self.item}/{path}", verb, endpoint, "POST", summary=summary, **options)

"""The routes every resource family declares alike, each registered from one call: an item's
GET, PATCH and DELETE (If-Match), its create (201 and `Location`), its lists, other views of it
and POST actions on it (a state machine's transitions); and a decorator for the routes written
by hand, naming their operations the same way.

Each is an ordinary route of the family's router (`CheckedRoute`, in the OpenAPI document, its
dependencies declared as parameters and run by the lean handler of `app.core.handlers`): only
the endpoint is written here, once, instead of once per family. FastAPI learns an endpoint's
parameters from its signature, so each endpoint made here carries the one a hand-written
endpoint would declare (`signed`): same names, annotations, defaults and order (the order in
which FastAPI resolves the dependencies: the caller before a WriteDb opens its transaction).

Operation ids are the family's name and the verb (`leads_get`, `outreach_no_response`), as
api-design.md names them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel
from starlette.responses import Response

from app.core.dependencies import IfMatch, ReadDb, WriteDb
from app.core.openapi import declare_headers
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, SortOrder
from app.core.query import query_model
from app.core.routes_endpoint import (
    EMPTY,
    Answer,
    Call,
    Endpoint,
    Param,
    Service,
    answer_nothing,
    body_param,
    changes,
    endpoint,
    envelope_answer,
    in_workspace,
    item_answer,
    page_answer,
    page_arguments,
    query_params,
)
from app.core.routes_query import PageCursor, PageLimit, PageQuery, sort_field
from app.core.routing import CheckedRoute
from app.core.rows import RowJson
from app.core.schemas import ListPage, id_filter
from app.idempotency.http import capturing, idempotency_key

__all__ = [
    "Call",
    "Endpoint",
    "ItemRoutes",
    "Operations",
    "PageCursor",
    "PageLimit",
    "PageQuery",
    "Service",
    "id_filter",
    "id_path",
    "sort_field",
    "transition_conflict",
    "workspace_router",
]

E = TypeVar("E", bound=Callable[..., Any])
# A route's own query parameters: (annotation, default) by name, passed to the service by name.
QueryParams = Mapping[str, tuple[Any, Any]]
# The fields of a body the service takes by their names, instead of the body.
Takes = str | tuple[str, ...] | None
Located = Callable[[Call, Any], str]
_PARAMETER = re.compile(r"{(\w+)}")
_IF_MATCH = Param("if_match", IfMatch, None)
_CURSOR = Param("cursor", Cursor, None)


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


# Every POST's `Idempotency-Key` header, validated before the route runs.
IDEMPOTENCY_KEY = Depends(idempotency_key)


class Operations:
    """One family's operations on `router`: their ids are `<name>_<verb>`; they carry `tags`
    after the router's own (FastAPI adds a router's tags to each of its routes)."""

    def __init__(self, router: APIRouter, name: str, *, tags: list[str] | None = None) -> None:
        self.router, self.name, self.tags = router, name, tags

    def route(self, method: str, path: str, **options: Any) -> Callable[[E], E]:
        """`@family.route("POST", "/path", summary=…)` over a route written by hand: the
        operation is named after the function (`<name>_<function name>`); a 204 has no body."""

        def register(handler: E) -> E:
            self._add(method, path, handler.__name__, handler, **options)
            return handler

        return register

    def _add(
        self,
        method: str,
        path: str,
        verb: str,
        handler: Endpoint,
        *,
        idempotent: bool = True,
        **options: Any,
    ) -> None:
        """`idempotent=False` for a POST that takes no `Idempotency-Key` (app/idempotency)."""
        if self.tags is not None:
            options.setdefault("tags", self.tags)
        if method == "POST" and idempotent:
            options["dependencies"] = [*options.get("dependencies", ()), IDEMPOTENCY_KEY]
            handler = capturing(handler, options.get("status_code"))
        if options.get("status_code") == 204:
            options.update(response_class=Response, response_model=None)
        operation_id = f"{self.name}_{verb}"
        self.router.add_api_route(
            path, handler, methods=[method], operation_id=operation_id, **options
        )


class ItemRoutes(Operations):
    """The routes of one kind of item on `router`, named `name` in operation ids.

    `item` is the item's path below the router's prefix; its parameters after `workspace_id`
    are typed by `ids`, in order, and passed to the service by name after the database (service
    arguments after `db` are keyword-only), with the arguments `owner` makes of the request
    (`Call`): by default the workspace's id as `workspace_id`. The collection is `item` without
    its last segment. `reader` and `writer` are the family's access dependencies; `model`
    answers get, update, create and the actions. With `rows`, the services return rows and
    `rows` writes them (app.core.rows).

    Every route also takes, for what a family does differently: `access` (another dependency
    than the reader or the writer), `owner` (this route's), `more` (more arguments, made of the
    `Call`), `before` (awaited with the `Call` before the service: a check), `after` (called
    with the `Call` and the service's answer: what follows a change), and FastAPI's options.
    Other parameters (`query`, a body's fields in `takes`) reach the service by their names.
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
        owner: Callable[[Call], Mapping[str, Any]] = in_workspace,
    ) -> None:
        super().__init__(router, name, tags=tags)
        names = [n for n in _PARAMETER.findall(item) if n != "workspace_id"]
        if len(names) != len(ids):
            raise ValueError(f"{item}: {len(names)} parameters, {len(ids)} types")
        self.item, self.model, self.rows, self.owner = item, model, rows, owner
        self.collection = item.rsplit("/", 1)[0]
        self.ids = list(zip(names, ids, strict=True))
        self.reader, self.writer = reader, writer
        self._location = router.prefix + item

    def like(self, name: str, item: str, ids: Sequence[Any], **changes: Any) -> ItemRoutes:
        """Another kind of item on the same router, with this one's access, tags and owner
        (and, unless given, its model and rows)."""
        kept = dict(model=self.model, reader=self.reader, writer=self.writer, tags=self.tags)
        kept.update(rows=self.rows, owner=self.owner)
        return ItemRoutes(self.router, name, item, ids, **{**kept, **changes})

    # --- the endpoints' common parts ------------------------------------------------------------

    def _route(
        self,
        method: str,
        path: str,
        verb: str,
        summary: str,
        service: Service,
        answer: Answer,
        parameters: Sequence[Param],
        options: dict[str, Any],
    ) -> None:
        """Register `method path`, its endpoint calling `service` with the ids the path names;
        the hooks and `db` (by default ReadDb for a GET, else WriteDb) are taken from `options`,
        the rest are FastAPI's."""
        access = options.pop("access", self.reader if method == "GET" else self.writer)
        made = endpoint(
            f"{self.name}_{verb}",
            service,
            answer,
            access=access,
            ids=[(n, a) for n, a in self.ids if f"{{{n}}}" in path],
            db=options.pop("db", ReadDb if method == "GET" else WriteDb),
            parameters=parameters,
            owner=options.pop("owner", self.owner),
            **{hook: options.pop(hook, None) for hook in ("more", "before", "after")},
        )
        options.setdefault("response_model", self.model)
        self._add(method, path, verb, made, summary=summary, **options)

    def _item(self, *, status: int = 200, location: Located | None = None) -> Answer:
        return item_answer(self.rows, status, location)

    def _new_item(self, call: Call, made: Any) -> str:
        """The `Location` of an item made in this collection (a new workspace's, without ids)."""
        new_id = made["id"] if self.rows is not None else made.id
        if not self.ids:
            return self._location.format(workspace_id=new_id)
        values = {**call.values, "workspace_id": call.access.workspace_id, self.ids[-1][0]: new_id}
        return self._location.format_map(values)

    def location_of(self, item: Any) -> str:
        """The path of `item`: its `id`, and its fields of the other path parameters' names."""
        last = self.ids[-1][0] if self.ids else "workspace_id"
        values = {n: getattr(item, n) for n in _PARAMETER.findall(self._location) if n != last}
        return self._location.format_map({**values, last: item.id})

    # --- the routes -----------------------------------------------------------------------------

    def list_page(
        self,
        summary: str,
        list_model: type[ListPage[Any]],
        lister: Service,
        *,
        below: str | None = None,
        verb: str = "list",
        query: QueryParams | None = None,
        **options: Any,
    ) -> None:
        """GET the collection, or with `below` the list at `item/below`, a page at a time:
        `lister(db, <owner>, <ids>, <query by name>, cursor=, limit=)`."""
        path = self.collection if below is None else f"{self.item}/{below}"
        parameters = [*query_params(query), Param("limit", Limit, DEFAULT_LIMIT), _CURSOR]
        answer = page_answer(list_model, None)
        options.update(response_model=list_model)
        self._route("GET", path, verb, summary, lister, answer, parameters, options)

    def filtered_page(
        self,
        summary: str,
        list_model: type[ListPage[Any]],
        query: type[PageQuery],
        lister: Service,
        *,
        orders: dict[str, SortOrder] | None = None,
        filters: type[BaseModel] | None = None,
        verb: str = "list",
        query_first: bool = False,
        rows: RowJson | None = None,
        **options: Any,
    ) -> None:
        """GET the collection, filtered and sorted: `lister(db, <owner>, <parent ids>, filters=,
        order=, cursor=, limit=)` with the query's sort allow-listed by `orders` and its filters
        as the model `filters` (by default, the query's own), its other fields by their
        names (without `filters`, every filter). With `query_first`, the query is read before
        `db` is taken. The page's rows are written by `rows` (else the family's), if any."""
        arguments = page_arguments(query, orders or query.ORDERS, filters or query.FILTERS)
        read = Param(
            "query", Annotated[query, query_model(query)], gives=arguments, early=query_first
        )
        answer = page_answer(list_model, rows or self.rows)
        options.update(response_model=list_model)
        self._route("GET", self.collection, verb, summary, lister, answer, [read], options)

    def create(
        self,
        summary: str,
        body: type[BaseModel],
        maker: Service,
        *,
        takes: Takes = None,
        **options: Any,
    ) -> None:
        """POST to the collection: `maker(db, <owner>, <parent ids>, body=, or the body's fields
        named in `takes`)`, answered with 201 and the new item's `Location`."""
        answer = self._item(status=201, location=self._new_item)
        options.update(status_code=201)
        declare_headers(options, 201, "ETag", "Location")
        parameters = [body_param(body, takes)]
        self._route("POST", self.collection, "create", summary, maker, answer, parameters, options)

    def get(
        self, summary: str, getter: Service, *, query: QueryParams | None = None, **options: Any
    ) -> None:
        """GET the item: `getter(db, <owner>, <ids>, <query by name>)`, with its ETag (304 when
        current)."""
        self._route(
            "GET", self.item, "get", summary, getter, self._item(), query_params(query), options
        )

    def view(
        self,
        path: str,
        verb: str,
        summary: str,
        reader: Service,
        *,
        query: QueryParams | None = None,
        **options: Any,
    ) -> None:
        """GET `item/path`, another view of the item, answered as `get` answers."""
        where = f"{self.item}/{path}"
        self._route("GET", where, verb, summary, reader, self._item(), query_params(query), options)

    def update(
        self,
        summary: str,
        body: type[BaseModel],
        updater: Service,
        *,
        takes: Takes = None,
        **options: Any,
    ) -> None:
        """PATCH the item (JSON Merge Patch): `updater(db, <owner>, <ids>, changes= (or the
        body's fields named in `takes`), if_match=)`; a stale If-Match is the service's 412."""
        parameters = [body_param(body, takes, whole=changes), _IF_MATCH]
        declare_headers(options, 200, "ETag")
        self._route(
            "PATCH", self.item, "update", summary, updater, self._item(), parameters, options
        )

    def delete(
        self, summary: str, remover: Service, *, query: QueryParams | None = None, **options: Any
    ) -> None:
        """DELETE the item: `remover(db, <owner>, <ids>, if_match=, <query by name>)`, answered
        with 204."""
        options.update(status_code=204)
        parameters = [_IF_MATCH, *query_params(query)]
        self._route(
            "DELETE", self.item, "delete", summary, remover, answer_nothing, parameters, options
        )

    def action(
        self,
        path: str,
        summary: str,
        act: Service,
        *,
        body: type[BaseModel] | None = None,
        takes: Takes = None,
        if_match: bool = True,
        created: bool = False,
        location: Callable[[Any], str] | None = None,
        envelope: type[ListPage[Any]] | None = None,
        collection: bool = False,
        **options: Any,
    ) -> None:
        """POST `item/path`: `act(db, <owner>, <ids>, [body= or the body's fields in `takes`,]
        if_match=)`, answered with the item as it is now. A body with no required field may be
        left out (its model's defaults apply).

        With `collection`, POST `collection/path` (the parent ids). `created`: a 201, with the
        new item's `Location` (or the one `location` gives of the answer). With `envelope`,
        the answer is a list, sent whole in that envelope. An action that creates or acts on
        the collection has no item to match: it takes no If-Match (`if_match=False`, none)."""
        parameters = []
        if body is not None:
            optional = not any(field.is_required() for field in body.model_fields.values())
            default = body() if optional else EMPTY
            annotation = Annotated[body, Body()] if optional else body
            parameters.append(body_param(annotation, takes, default))
        if if_match and not (created or collection):
            parameters.append(_IF_MATCH)
        answer = self._item()
        if created:
            options.update(status_code=201)
            made = self._new_item if location is None else lambda _, found: location(found)
            answer = self._item(status=201, location=made)
        if envelope is not None:
            options.setdefault("response_model", envelope)
            answer = envelope_answer(envelope, 201 if created else 200)
        elif created:
            declare_headers(options, 201, "ETag", "Location")
        else:
            declare_headers(options, 200, "ETag")
        where = f"{self.collection if collection else self.item}/{path}"
        verb = path.replace("-", "_")
        self._route("POST", where, verb, summary, act, answer, parameters, options)

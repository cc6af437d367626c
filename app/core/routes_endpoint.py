"""The one endpoint `app.core.routes.ItemRoutes` makes for each route: its parameters, the
service's arguments made of them, and the answer."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from fastapi import Request
from pydantic import BaseModel
from starlette.responses import Response

from app.core.db import Db
from app.core.pagination import SortOrder, resolve_sort
from app.core.responses import (
    item_response,
    json_item_response,
    json_response,
    no_content,
    page_response,
    rows_page_response,
)
from app.core.routes_query import PageQuery
from app.core.rows import RowJson
from app.core.schemas import ListPage

Endpoint = Callable[..., Awaitable[Response]]
Service = Callable[..., Awaitable[Any]]
EMPTY = inspect.Parameter.empty
_PAGING = frozenset({"sort", "limit", "cursor"})


class Call(NamedTuple):
    """A request as an endpoint made here holds it, for what a family adds to its route: the
    service's arguments (`owner`, `more`), a check (`before`), what follows (`after`).
    `values` are the endpoint's other parameters (path ids, `body`, query) by name."""

    request: Request
    access: Any
    db: Db
    values: Mapping[str, Any]

    @property
    def body(self) -> Any:
        return self.values.get("body")


Answer = Callable[[Call, Any], Response]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an endpoint, after the access dependency, the ids and (unless `early`)
    the database; `gives` makes the service's arguments of its value (else its own name)."""

    name: str
    annotation: Any
    default: Any = EMPTY
    gives: Callable[[Any], Mapping[str, Any]] | None = None
    early: bool = False


def in_workspace(call: Call) -> dict[str, Any]:
    """The service's first arguments: the workspace of the caller's access."""
    return {"workspace_id": call.access.workspace_id}


def signed(handler: Endpoint, name: str, parameters: Iterable[tuple[str, Any, Any]]) -> Endpoint:
    """`handler` with the signature FastAPI reads: each (name, annotation, default) a keyword
    parameter, in order; `EMPTY` for none."""
    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d)
            for n, a, d in parameters
        ],
        return_annotation=Response,
    )
    handler.__name__ = handler.__qualname__ = name
    return handler


def endpoint(
    name: str,
    service: Service,
    answer: Answer,
    *,
    access: Any,
    ids: Sequence[tuple[str, Any]],
    db: Any,
    parameters: Sequence[Param],
    owner: Callable[[Call], Mapping[str, Any]],
    more: Callable[[Call], Mapping[str, Any]] | None = None,
    before: Callable[[Call], Awaitable[None]] | None = None,
    after: Callable[[Call, Any], None] | None = None,
) -> Endpoint:
    """An endpoint calling `service(db, <owner>, <ids>, <each parameter's arguments>, <more>)`
    (`before` awaited just before it, `after` called with what it answers), answering with
    `answer`; its signature is the access dependency, the ids, the early parameters, `db`, the
    other parameters."""

    # Made once: the parameters passed by their own names (the ids first), and the others.
    named = [n for n, _ in ids] + [p.name for p in parameters if p.gives is None]
    given = [(p.name, p.gives) for p in parameters if p.gives is not None]

    async def handle(request: Request, access: Any, db: Db, **values: Any) -> Response:
        call = Call(request, access, db, values)
        arguments = {**owner(call)}
        for name in named:
            arguments[name] = values[name]
        for name, gives in given:
            arguments.update(gives(values[name]))
        if more is not None:
            arguments.update(more(call))
        if before is not None:
            await before(call)
        result = await service(db, **arguments)
        if after is not None:
            after(call, result)
        return answer(call, result)

    signature = [
        ("request", Request, EMPTY),
        ("access", access, EMPTY),
        *((n, a, EMPTY) for n, a in ids),
        *((p.name, p.annotation, p.default) for p in parameters if p.early),
        ("db", db, EMPTY),
        *((p.name, p.annotation, p.default) for p in parameters if not p.early),
    ]
    return signed(handle, name, signature)


def page_arguments(
    query: type[PageQuery], orders: dict[str, SortOrder], filters: type[BaseModel] | None
) -> Callable[[PageQuery], dict[str, Any]]:
    """A list's arguments from its query (a `query`): the allow-listed sort as `order`, the
    page, the filters model `filters` of the fields it has, and every other field by its name.
    Which field goes where is settled here, once per route."""
    if not orders:
        raise ValueError("a filtered list needs its sort orders")
    in_filters = frozenset() if filters is None else frozenset(filters.model_fields)
    others = tuple(name for name in query.model_fields if name not in _PAGING | in_filters)
    make_filters = None if filters is None else query.filters_of(filters)

    def arguments(parsed: PageQuery) -> dict[str, Any]:
        named = {name: getattr(parsed, name) for name in others}
        if make_filters is not None:
            named["filters"] = make_filters(parsed)
        order = resolve_sort(parsed.sort, orders)
        return {**named, "order": order, "cursor": parsed.cursor, "limit": parsed.limit}

    return arguments


def page_answer(list_model: type[ListPage[Any]], rows: RowJson | None) -> Answer:
    """One page in its envelope, with its Link: the service answered rows (written by `rows`)
    and the page, or the items and the page."""

    def answer(call: Call, found: Any) -> Response:
        if rows is not None:
            return rows_page_response(call.request, rows, found)
        data, page = found
        return page_response(call.request, list_model, data, page)

    return answer


def item_answer(
    rows: RowJson | None, status: int = 200, location: Callable[[Call, Any], str] | None = None
) -> Answer:
    """The item the service answered, with its ETag (and its `Location`); with `rows`, a row
    that `rows` writes."""

    def answer(call: Call, found: Any) -> Response:
        where = None if location is None else location(call, found)
        if rows is not None:
            body = rows.json(found)
            return json_item_response(call.request, body, status=status, location=where)
        return item_response(call.request, found, status=status, location=where)

    return answer


def query_params(query: Mapping[str, tuple[Any, Any]] | None) -> list[Param]:
    """A route's own query parameters, each (annotation, default) by name."""
    return [
        Param(name, annotation, default) for name, (annotation, default) in (query or {}).items()
    ]


def body_param(
    annotation: Any,
    takes: str | tuple[str, ...] | None,
    default: Any = EMPTY,
    *,
    whole: Callable[[Any], Mapping[str, Any]] | None = None,
) -> Param:
    """The body parameter: passed `whole`, or its fields named in `takes`."""
    if takes is None:
        return Param("body", annotation, default, gives=whole or (lambda body: {"body": body}))
    names = (takes,) if isinstance(takes, str) else takes
    return Param(
        "body", annotation, default, gives=lambda body: {n: getattr(body, n) for n in names}
    )


def changes(patch: Any) -> dict[str, Any]:
    """What an update takes of a JSON Merge Patch body: the fields sent."""
    return {"changes": patch.changes()}


def answer_nothing(call: Call, result: Any) -> Response:
    """A 204, whatever the service answered."""
    return no_content()


def envelope_answer(envelope: type[ListPage[Any]], status: int) -> Answer:
    """A list the service answered whole, in its envelope."""

    def answer(call: Call, data: Any) -> Response:
        return json_response(envelope(data=data, has_more=False, next_cursor=None), status)

    return answer

"""The options of `app.core.routes` the families' routers declare their routes with (issue 19):
a body's fields in `takes`, a route's own `query`, the hooks (`access`, `owner`, `more`,
`before`, `after`), `view`, `list_page(below=, verb=)`, the actions that create or act on the
collection, `like`, `location_of`, `filtered_page(query_first=, rows=, verb=)`,
`Operations.route` and `PageQuery(paging_first=)`. Each route is the one written by hand
below: the same OpenAPI operation and parameters, the same answers; the service gets the
documented arguments, and the hooks and dependencies run in the documented order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import column
from starlette.responses import Response

from app.core import routes
from app.core.db import Database, Db
from app.core.dependencies import AppState, IfMatch, ReadDb, SnapshotDb, WriteDb
from app.core.errors import Conflict, Forbidden, install_error_handlers
from app.core.openapi import build_openapi, with_headers
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, SortOrder, resolve_sort
from app.core.query import QUERY_MODEL_ATTRIBUTE, query_model
from app.core.responses import (
    item_response,
    json_item_response,
    json_response,
    no_content,
    page_response,
    rows_page_response,
)
from app.core.routing import CheckedRoute, RouteTable
from app.core.rows import RowJson
from app.core.schemas import ListPage, PatchModel
from tests.conftest import DATABASE_URL, client_for

THINGS = "/v1/workspaces/{workspace_id}/things"
MINE = "/v1/workspaces/{workspace_id}/mine"


# --- the stand-in family --------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    workspace_id: str
    role: str


def _access(role: str) -> Callable[..., Any]:
    """An access dependency noting that it ran; the workspace `wsp_closed` is refused."""

    async def resolve(request: Request, workspace_id: str) -> Access:
        request.app.state.events.append(role)
        if workspace_id == "wsp_closed":
            raise Forbidden()
        return Access(workspace_id, role)

    return resolve


Reader = Annotated[Access, Depends(_access("reader"))]
Writer = Annotated[Access, Depends(_access("writer"))]
Importer = Annotated[Access, Depends(_access("importer"))]
ThingId = Annotated[str, routes.id_path("thing's", "thg")]
PartId = Annotated[str, routes.id_path("part's", "prt", example=False)]
PieceId = Annotated[str, routes.id_path("piece's", "pce", example=False)]
Fields = Annotated[str | None, Query(max_length=20, description="Only these fields.")]
Cascade = Annotated[bool, Query(description="Its parts too.")]
Depth = Annotated[int, Query(ge=1, le=5, description="How deep.")]
Kind = Annotated[str | None, Query(max_length=10, description="Only parts of this kind.")]
ORDERS = {"name": SortOrder("name", (column("name"), column("id")))}


class Thing(BaseModel):
    id: str
    workspace_id: str
    name: str


class ThingList(ListPage[Thing]):
    pass


class ThingSummary(BaseModel):
    id: str
    depth: int


class Part(BaseModel):
    id: str
    workspace_id: str
    thing_id: str


class PartList(ListPage[Part]):
    pass


class Piece(BaseModel):
    id: str
    thing_id: str
    shape: str


class PieceList(ListPage[Piece]):
    pass


class ThingCreate(BaseModel):
    name: str
    colour: str = "grey"


class ThingUpdate(PatchModel):
    name: str | None = None


class ThingImport(BaseModel):
    names: list[str]


class ThingOrder(BaseModel):
    ids: list[str]


class ThingMove(BaseModel):
    to: str


class ThingQuery(routes.PageQuery):
    colour: str | None = Field(None, max_length=10, description="Only this colour.")
    sort: str = Field("name", max_length=20, description="`name`.")


class PieceQuery(routes.PageQuery, paging_first=True):
    shape: str | None = Field(None, max_length=10, description="Only this shape.")
    sort: str = Field("name", max_length=20, description="`name`.")


THING_JSON = RowJson(Thing)
PIECE_JSON = RowJson(Piece)


def _thing(arguments: dict[str, Any], thing_id: str | None = None, name: str = "one") -> Thing:
    return Thing(
        id=thing_id or arguments["thing_id"], workspace_id=arguments["workspace_id"], name=name
    )


class Services:
    """The family's services: each notes its name and the arguments it was called with (by
    name, after a `Db`), and answers a thing made of them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        # What ran, in order: the access dependencies, the database handles, hooks, services.
        self.events: list[str] = []
        # The `Call` each hook was given, with the hook's name.
        self.hooked: list[tuple[str, routes.Call]] = []

    def _called(self, name: str, db: Any, arguments: dict[str, Any]) -> None:
        if not isinstance(db, Db):
            raise TypeError(f"{name}: the first argument is not the database")
        self.calls.append((name, arguments))
        self.events.append(name)

    async def list(self, db: Db, **arguments: Any) -> Any:
        self._called("list", db, arguments)
        return [_thing(arguments, "thg_1")], Page([], "next")

    async def create(self, db: Db, **arguments: Any) -> Thing:
        self._called("create", db, arguments)
        return _thing(arguments, "thg_new", arguments["name"])

    async def get(self, db: Db, **arguments: Any) -> Thing:
        self._called("get", db, arguments)
        return _thing(arguments)

    async def update(self, db: Db, **arguments: Any) -> Thing:
        self._called("update", db, arguments)
        return _thing(arguments, name=arguments["name"] or "one")

    async def delete(self, db: Db, **arguments: Any) -> None:
        self._called("delete", db, arguments)

    async def summary(self, db: Db, **arguments: Any) -> ThingSummary:
        self._called("summary", db, arguments)
        return ThingSummary(id=arguments["thing_id"], depth=arguments["depth"])

    async def parts(self, db: Db, **arguments: Any) -> Any:
        self._called("parts", db, arguments)
        part = Part(id="prt_1", workspace_id=arguments["workspace_id"], thing_id="thg_2")
        return [part], Page([], None)

    async def copy(self, db: Db, **arguments: Any) -> Thing:
        self._called("copy", db, arguments)
        return _thing(arguments, "thg_copy", arguments["name"])

    async def import_(self, db: Db, **arguments: Any) -> list[Thing]:
        self._called("import", db, arguments)
        return [_thing(arguments, f"thg_{name}", name) for name in arguments["names"]]

    async def reorder(self, db: Db, **arguments: Any) -> list[Thing]:
        self._called("reorder", db, arguments)
        return [_thing(arguments, thing_id) for thing_id in arguments["body"].ids]

    async def move(self, db: Db, **arguments: Any) -> Thing:
        self._called("move", db, arguments)
        return Thing(id=arguments["thing_id"], workspace_id=arguments["body"].to, name="one")

    async def lock(self, db: Db, **arguments: Any) -> Thing:
        self._called("lock", db, arguments)
        return _thing(arguments)

    async def archive(self, db: Db, **arguments: Any) -> Thing:
        self._called("archive", db, arguments)
        if arguments["thing_id"] == "thg_busy":
            raise Conflict("Busy.", code="busy")
        return _thing(arguments)

    async def search(self, db: Db, **arguments: Any) -> Page:
        self._called("search", db, arguments)
        return Page([{"id": "pce_1", "thing_id": arguments["thing_id"], "shape": "round"}], "n")

    async def make(self, db: Db, **arguments: Any) -> dict[str, Any]:
        self._called("make", db, arguments)
        return {"id": "thg_mine", "workspace_id": arguments["workspace_id"], "name": "mine"}

    async def get_mine(self, db: Db, **arguments: Any) -> dict[str, Any]:
        self._called("get mine", db, arguments)
        return {"id": arguments["thing_id"], "workspace_id": arguments["workspace_id"], "name": "m"}

    async def get_part(self, db: Db, **arguments: Any) -> Part:
        self._called("get part", db, arguments)
        return Part(id=arguments["part_id"], workspace_id="wsp_1", thing_id=arguments["thing_id"])

    async def ping(self, db: Db, **arguments: Any) -> None:
        self._called("ping", db, arguments)


def _hooked(call: routes.Call, hook: str) -> None:
    call.request.app.state.events.append(hook)
    call.request.app.state.hooked.append((hook, call))


def _acting(call: routes.Call) -> dict[str, Any]:
    """The archive's owner: the workspace, and the role acting."""
    _hooked(call, "owner")
    return {"workspace_id": call.access.workspace_id, "acting_as": call.access.role}


def _why(call: routes.Call) -> dict[str, Any]:
    _hooked(call, "more")
    return {"reason": "tidy"}


async def _check(call: routes.Call) -> None:
    _hooked(call, "before")
    if call.values["thing_id"] == "thg_locked":
        raise Conflict("Locked.", code="locked")


def _archived(call: routes.Call, thing: Thing) -> None:
    _hooked(call, f"after {thing.id}")


def _as_role(call: routes.Call) -> dict[str, Any]:
    """Mine are the workspace's, seen by a role."""
    return {"workspace_id": call.access.workspace_id, "role": call.access.role}


def _hand_written(services: Services) -> tuple[Any, Any]:
    """The routes a family writes by hand (`Operations.route` names them)."""

    async def echo(request: Request, access: Reader, thing_id: ThingId, db: ReadDb) -> Response:
        thing = await services.get(db, workspace_id=access.workspace_id, thing_id=thing_id)
        return item_response(request, thing)

    async def ping(access: Writer, thing_id: ThingId, db: WriteDb) -> None:
        await services.ping(db, workspace_id=access.workspace_id, thing_id=thing_id)

    return echo, ping


def _made(services: Services) -> list[APIRouter]:
    router = routes.workspace_router("/things", tag="things")
    things = routes.ItemRoutes(
        router, "things", "/{thing_id}", [ThingId], model=Thing, reader=Reader, writer=Writer
    )
    things.filtered_page("List things", ThingList, ThingQuery, services.list, orders=ORDERS)
    things.create("Create a thing", ThingCreate, services.create, takes=("name", "colour"))
    things.get("Get a thing", services.get, query={"fields": (Fields, None)})
    things.update("Rename a thing", ThingUpdate, services.update, takes="name")
    things.delete("Delete a thing", services.delete, query={"cascade": (Cascade, False)})
    things.view(
        "summary",
        "summary",
        "Summarise a thing",
        services.summary,
        query={"depth": (Depth, 2)},
        response_model=ThingSummary,
        db=SnapshotDb,
    )
    things.list_page(
        "List a thing's parts",
        PartList,
        services.parts,
        below="parts",
        verb="parts",
        query={"kind": (Kind, None)},
    )
    things.action(
        "copy", "Copy a thing", services.copy, body=ThingCreate, takes="name", created=True
    )
    things.action(
        "import",
        "Import things",
        services.import_,
        body=ThingImport,
        takes="names",
        created=True,
        envelope=ThingList,
        collection=True,
        access=Importer,
    )
    things.action(
        "reorder",
        "Reorder things",
        services.reorder,
        body=ThingOrder,
        envelope=ThingList,
        collection=True,
    )
    things.action(
        "move",
        "Move a thing to another workspace",
        services.move,
        body=ThingMove,
        created=True,
        location=things.location_of,
    )
    things.action("lock", "Lock a thing", services.lock, if_match=False)
    things.action(
        "archive",
        "Archive a thing",
        services.archive,
        owner=_acting,
        more=_why,
        before=_check,
        after=_archived,
    )
    pieces = things.like("pieces", "/{thing_id}/pieces/{piece_id}", [ThingId, PieceId])
    pieces.filtered_page(
        "Search a thing's pieces",
        PieceList,
        PieceQuery,
        services.search,
        orders=ORDERS,
        verb="search",
        query_first=True,
        rows=PIECE_JSON,
    )
    echo, ping = _hand_written(services)
    routes.Operations(router, "things").route(
        "GET", "/{thing_id}/echo", response_model=Thing, summary="Echo a thing"
    )(echo)

    mine_router = routes.workspace_router("/mine")
    mine = routes.ItemRoutes(
        mine_router,
        "mine",
        "/{thing_id}",
        [ThingId],
        model=Thing,
        reader=Reader,
        writer=Writer,
        tags=["mine"],
        rows=THING_JSON,
        owner=_as_role,
    )
    mine.create("Make one of mine", ThingCreate, services.make, takes="name")
    mine.get("Get one of mine", services.get_mine)
    # A part's service answers models, not rows.
    parts = mine.like(
        "mine_parts", "/{thing_id}/parts/{part_id}", [ThingId, PartId], model=Part, rows=None
    )
    parts.get("Get a part of mine", services.get_part)
    routes.Operations(mine_router, "mine", tags=["mine"]).route(
        "POST", "/{thing_id}/ping", status_code=204, summary="Ping one of mine"
    )(ping)
    return [router, mine_router]


def _written(services: Services) -> list[APIRouter]:
    """The same routes, written the ordinary FastAPI way."""
    router = APIRouter(route_class=CheckedRoute, prefix=THINGS, tags=["things"])

    @router.get("", operation_id="things_list", response_model=ThingList, summary="List things")
    async def list_things(
        request: Request,
        access: Reader,
        db: ReadDb,
        query: Annotated[ThingQuery, query_model(ThingQuery)],
    ) -> Response:
        data, page = await services.list(
            db,
            workspace_id=access.workspace_id,
            colour=query.colour,
            order=resolve_sort(query.sort, ORDERS),
            cursor=query.cursor,
            limit=query.limit,
        )
        return page_response(request, ThingList, data, page)

    @router.post(
        "",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_create",
        status_code=201,
        response_model=Thing,
        summary="Create a thing",
        responses={201: with_headers("ETag", "Location")},
    )
    async def create(request: Request, access: Writer, db: WriteDb, body: ThingCreate) -> Response:
        thing = await services.create(
            db, workspace_id=access.workspace_id, name=body.name, colour=body.colour
        )
        location = f"/v1/workspaces/{access.workspace_id}/things/{thing.id}"
        return item_response(request, thing, status=201, location=location)

    @router.get(
        "/{thing_id}", operation_id="things_get", response_model=Thing, summary="Get a thing"
    )
    async def get(
        request: Request, access: Reader, thing_id: ThingId, db: ReadDb, fields: Fields = None
    ) -> Response:
        thing = await services.get(
            db, workspace_id=access.workspace_id, thing_id=thing_id, fields=fields
        )
        return item_response(request, thing)

    @router.patch(
        "/{thing_id}",
        operation_id="things_update",
        response_model=Thing,
        summary="Rename a thing",
        responses={200: with_headers("ETag")},
    )
    async def update(
        request: Request,
        access: Writer,
        thing_id: ThingId,
        db: WriteDb,
        body: ThingUpdate,
        if_match: IfMatch = None,
    ) -> Response:
        thing = await services.update(
            db,
            workspace_id=access.workspace_id,
            thing_id=thing_id,
            name=body.name,
            if_match=if_match,
        )
        return item_response(request, thing)

    @router.delete(
        "/{thing_id}",
        operation_id="things_delete",
        status_code=204,
        response_class=Response,
        summary="Delete a thing",
    )
    async def delete(
        access: Writer,
        thing_id: ThingId,
        db: WriteDb,
        if_match: IfMatch = None,
        cascade: Cascade = False,
    ) -> Response:
        await services.delete(
            db,
            workspace_id=access.workspace_id,
            thing_id=thing_id,
            if_match=if_match,
            cascade=cascade,
        )
        return no_content()

    @router.get(
        "/{thing_id}/summary",
        operation_id="things_summary",
        response_model=ThingSummary,
        summary="Summarise a thing",
    )
    async def summary(
        request: Request, access: Reader, thing_id: ThingId, db: SnapshotDb, depth: Depth = 2
    ) -> Response:
        found = await services.summary(
            db, workspace_id=access.workspace_id, thing_id=thing_id, depth=depth
        )
        return item_response(request, found)

    @router.get(
        "/{thing_id}/parts",
        operation_id="things_parts",
        response_model=PartList,
        summary="List a thing's parts",
    )
    async def parts(
        request: Request,
        access: Reader,
        thing_id: ThingId,
        db: ReadDb,
        kind: Kind = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response:
        data, page = await services.parts(
            db,
            workspace_id=access.workspace_id,
            thing_id=thing_id,
            kind=kind,
            cursor=cursor,
            limit=limit,
        )
        return page_response(request, PartList, data, page)

    @router.post(
        "/{thing_id}/copy",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_copy",
        status_code=201,
        response_model=Thing,
        summary="Copy a thing",
        responses={201: with_headers("ETag", "Location")},
    )
    async def copy(
        request: Request, access: Writer, thing_id: ThingId, db: WriteDb, body: ThingCreate
    ) -> Response:
        thing = await services.copy(
            db, workspace_id=access.workspace_id, thing_id=thing_id, name=body.name
        )
        location = f"/v1/workspaces/{access.workspace_id}/things/{thing.id}"
        return item_response(request, thing, status=201, location=location)

    @router.post(
        "/import",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_import",
        status_code=201,
        response_model=ThingList,
        summary="Import things",
    )
    async def import_(access: Importer, db: WriteDb, body: ThingImport) -> Response:
        made = await services.import_(db, workspace_id=access.workspace_id, names=body.names)
        return json_response(ThingList(data=made, has_more=False, next_cursor=None), 201)

    @router.post(
        "/reorder",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_reorder",
        response_model=ThingList,
        summary="Reorder things",
    )
    async def reorder(access: Writer, db: WriteDb, body: ThingOrder) -> Response:
        found = await services.reorder(db, workspace_id=access.workspace_id, body=body)
        return json_response(ThingList(data=found, has_more=False, next_cursor=None))

    @router.post(
        "/{thing_id}/move",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_move",
        status_code=201,
        response_model=Thing,
        summary="Move a thing to another workspace",
        responses={201: with_headers("ETag", "Location")},
    )
    async def move(
        request: Request, access: Writer, thing_id: ThingId, db: WriteDb, body: ThingMove
    ) -> Response:
        thing = await services.move(
            db, workspace_id=access.workspace_id, thing_id=thing_id, body=body
        )
        location = f"/v1/workspaces/{thing.workspace_id}/things/{thing.id}"
        return item_response(request, thing, status=201, location=location)

    @router.post(
        "/{thing_id}/lock",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_lock",
        response_model=Thing,
        summary="Lock a thing",
        responses={200: with_headers("ETag")},
    )
    async def lock(request: Request, access: Writer, thing_id: ThingId, db: WriteDb) -> Response:
        thing = await services.lock(db, workspace_id=access.workspace_id, thing_id=thing_id)
        return item_response(request, thing)

    @router.post(
        "/{thing_id}/archive",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_archive",
        response_model=Thing,
        summary="Archive a thing",
        responses={200: with_headers("ETag")},
    )
    async def archive(
        request: Request,
        access: Writer,
        thing_id: ThingId,
        db: WriteDb,
        if_match: IfMatch = None,
    ) -> Response:
        call = routes.Call(request, access, db, {"thing_id": thing_id, "if_match": if_match})
        arguments = {**_acting(call), "thing_id": thing_id, "if_match": if_match, **_why(call)}
        await _check(call)
        thing = await services.archive(db, **arguments)
        _archived(call, thing)
        return item_response(request, thing)

    @router.get(
        "/{thing_id}/pieces",
        operation_id="pieces_search",
        response_model=PieceList,
        summary="Search a thing's pieces",
    )
    async def search(
        request: Request,
        access: Reader,
        thing_id: ThingId,
        query: Annotated[PieceQuery, query_model(PieceQuery)],
        db: ReadDb,
    ) -> Response:
        page = await services.search(
            db,
            workspace_id=access.workspace_id,
            thing_id=thing_id,
            shape=query.shape,
            order=resolve_sort(query.sort, ORDERS),
            cursor=query.cursor,
            limit=query.limit,
        )
        return rows_page_response(request, PIECE_JSON, page)

    echo, ping = _hand_written(services)
    router.add_api_route(
        "/{thing_id}/echo",
        echo,
        methods=["GET"],
        operation_id="things_echo",
        response_model=Thing,
        summary="Echo a thing",
    )

    mine_router = APIRouter(route_class=CheckedRoute, prefix=MINE)

    @mine_router.post(
        "",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="mine_create",
        status_code=201,
        response_model=Thing,
        summary="Make one of mine",
        tags=["mine"],
        responses={201: with_headers("ETag", "Location")},
    )
    async def make(request: Request, access: Writer, db: WriteDb, body: ThingCreate) -> Response:
        row = await services.make(
            db, workspace_id=access.workspace_id, role=access.role, name=body.name
        )
        location = f"/v1/workspaces/{access.workspace_id}/mine/{row['id']}"
        return json_item_response(request, THING_JSON.json(row), status=201, location=location)

    @mine_router.get(
        "/{thing_id}",
        operation_id="mine_get",
        response_model=Thing,
        summary="Get one of mine",
        tags=["mine"],
    )
    async def get_mine(request: Request, access: Reader, thing_id: ThingId, db: ReadDb) -> Response:
        row = await services.get_mine(
            db, workspace_id=access.workspace_id, role=access.role, thing_id=thing_id
        )
        return json_item_response(request, THING_JSON.json(row))

    @mine_router.get(
        "/{thing_id}/parts/{part_id}",
        operation_id="mine_parts_get",
        response_model=Part,
        summary="Get a part of mine",
        tags=["mine"],
    )
    async def get_part(
        request: Request, access: Reader, thing_id: ThingId, part_id: PartId, db: ReadDb
    ) -> Response:
        part = await services.get_part(
            db,
            workspace_id=access.workspace_id,
            role=access.role,
            thing_id=thing_id,
            part_id=part_id,
        )
        return item_response(request, part)

    mine_router.add_api_route(
        "/{thing_id}/ping",
        ping,
        methods=["POST"],
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="mine_ping",
        status_code=204,
        response_class=Response,
        summary="Ping one of mine",
        tags=["mine"],
    )
    return [router, mine_router]


# --- the apps -------------------------------------------------------------------------------


class NotingDatabase(Database):
    """The app's database, noting each handle a route takes of it (before it is opened)."""

    def __init__(self, url: str, events: list[str]) -> None:
        super().__init__(url)
        self.events = events

    def reader(self) -> Db:
        self.events.append("read db")
        return super().reader()

    def transaction(self) -> AbstractAsyncContextManager[Db]:
        self.events.append("transaction")
        return super().transaction()

    def snapshot(self) -> AbstractAsyncContextManager[Db]:
        self.events.append("snapshot")
        return super().snapshot()


def _app(routers: list[APIRouter], services: Services) -> FastAPI:
    app = FastAPI()
    app.state = AppState()
    app.state.events = services.events
    app.state.hooked = services.hooked
    install_error_handlers(app)
    # Served as `create_app` serves the family routers: the routes themselves, in one table,
    # each run by its lean handler (`include_router` copies them for FastAPI's handler).
    app.router.routes.insert(0, RouteTable([r for router in routers for r in router.routes]))
    return app


@dataclass
class Served:
    """An app serving one set of routers, and the notes of its services."""

    client: httpx.AsyncClient
    services: Services
    routers: list[APIRouter]

    async def send(self, method: str, url: str, **options: Any) -> httpx.Response:
        """The answer to one request, the notes of what ran for it starting afresh."""
        self.services.events.clear()
        self.services.calls.clear()
        self.services.hooked.clear()
        return await self.client.request(method, url, **options)

    @property
    def called(self) -> tuple[str, dict[str, Any]]:
        """The one service call of the last request."""
        (only,) = self.services.calls
        return only


async def _served(build: Callable[[Services], list[APIRouter]]) -> AsyncIterator[Served]:
    services = Services()
    routers = build(services)
    app = _app(routers, services)
    database = NotingDatabase(DATABASE_URL, services.events)
    await database.connect()
    app.state.database = database
    try:
        async with client_for(app) as client:
            yield Served(client, services, routers)
    finally:
        await database.close()


@pytest.fixture
async def made() -> AsyncIterator[Served]:
    async for served in _served(_made):
        yield served


@pytest.fixture
async def written() -> AsyncIterator[Served]:
    async for served in _served(_written):
        yield served


def _document(routers: list[APIRouter]) -> dict[str, Any]:
    """The routes' operations as the project's document lists them (query models included)."""
    services = Services()
    return build_openapi(_app(routers, services), routers, {})["paths"]


def _operation(method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = _document(_made(Services()))[path][method]
    return operation


def _dependencies(route: Any) -> list[tuple[str, Any]]:
    """Each dependency's name and callable (a query model's parser: the model it reads)."""
    return [
        (d.name, getattr(d.call, QUERY_MODEL_ATTRIBUTE, d.call))
        for d in route.dependant.dependencies
    ]


# --- the routes are the ones written by hand ----------------------------------------------------


def test_the_routes_are_the_ones_written_by_hand() -> None:
    made, written = _made(Services()), _written(Services())
    assert _document(made) == _document(written)
    ours_routes = [route for router in made for route in router.routes]
    theirs_routes = [route for router in written for route in router.routes]
    assert len(ours_routes) == 19
    for ours, theirs in zip(ours_routes, theirs_routes, strict=True):
        assert isinstance(ours, CheckedRoute)
        assert isinstance(theirs, CheckedRoute)
        assert (ours.path, ours.methods, ours.status_code, ours.operation_id, ours.tags) == (
            theirs.path,
            theirs.methods,
            theirs.status_code,
            theirs.operation_id,
            theirs.tags,
        )
        assert getattr(ours.response_class, "value", ours.response_class) is getattr(
            theirs.response_class, "value", theirs.response_class
        )
        assert ours.response_model is theirs.response_model, ours.path
        # The same dependencies (the access one, the database), resolved in the same order.
        assert _dependencies(ours) == _dependencies(theirs), ours.path
        for kind in ("path_params", "query_params", "header_params", "body_params"):
            ours_fields = [(f.name, f.field_info.default) for f in getattr(ours.dependant, kind)]
            theirs_fields = [
                (f.name, f.field_info.default) for f in getattr(theirs.dependant, kind)
            ]
            assert repr(ours_fields) == repr(theirs_fields), (ours.path, kind)
        assert ours.lean
        assert theirs.lean


# A request of each kind the routes take, right and wrong, sent to both apps.
_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/things", {"params": {"colour": "red", "limit": "2"}}),
    ("POST", "/things", {"json": {"name": "new", "colour": "blue"}}),
    ("GET", "/things/thg_2", {"params": {"fields": "name"}}),
    ("PATCH", "/things/thg_2", {"json": {"name": "two"}, "headers": {"If-Match": '"e"'}}),
    ("DELETE", "/things/thg_2", {"params": {"cascade": "true"}}),
    ("GET", "/things/thg_2/summary", {}),
    ("GET", "/things/thg_2/summary", {"params": {"depth": "9"}}),
    ("GET", "/things/thg_2/parts", {"params": {"kind": "bolt", "cursor": "c"}}),
    ("POST", "/things/thg_2/copy", {"json": {"name": "twin"}, "headers": {"If-Match": '"e"'}}),
    ("POST", "/things/import", {"json": {"names": ["a", "b"]}}),
    ("POST", "/things/reorder", {"json": {"ids": ["thg_3", "thg_1"]}}),
    ("POST", "/things/thg_2/move", {"json": {"to": "wsp_9"}}),
    ("POST", "/things/thg_2/lock", {"headers": {"If-Match": '"e"'}}),
    ("POST", "/things/thg_2/archive", {"headers": {"If-Match": '"e"'}}),
    ("POST", "/things/thg_busy/archive", {}),
    ("POST", "/things/thg_locked/archive", {}),
    ("GET", "/things/thg_2/pieces", {"params": {"shape": "round", "limit": "3"}}),
    ("GET", "/things/thg_2/pieces", {"params": {"shape": "much too long"}}),
    ("GET", "/things/thg_2/echo", {}),
    ("POST", "/mine", {"json": {"name": "mine"}}),
    ("GET", "/mine/thg_4", {}),
    ("GET", "/mine/thg_4/parts/prt_5", {}),
    ("POST", "/mine/thg_4/ping", {}),
    ("POST", "/things", {"json": {"name": "new"}}),
]


async def test_the_routes_answer_as_the_ones_written_by_hand(made: Served, written: Served) -> None:
    for method, path, options in _REQUESTS:
        for workspace in ("wsp_1", "wsp_closed"):
            url = f"/v1/workspaces/{workspace}{path}"
            ours, theirs = (
                await made.send(method, url, **options),
                await written.send(method, url, **options),
            )
            assert (ours.status_code, ours.headers.items(), ours.content) == (
                theirs.status_code,
                theirs.headers.items(),
                theirs.content,
            ), (method, url)
            assert made.services.calls == written.services.calls, (method, url)
            hooks = [(hook, call.values) for hook, call in made.services.hooked]
            theirs_hooks = [(hook, call.values) for hook, call in written.services.hooked]
            assert hooks == theirs_hooks, (method, url)
            assert made.services.events == written.services.events, (method, url)


# --- each option: the service's arguments and the answer ---------------------------------------


async def test_takes_passes_the_bodys_fields_by_name_instead_of_the_body(made: Served) -> None:
    base = "/v1/workspaces/wsp_1/things"

    created = await made.send("POST", base, json={"name": "new", "colour": "blue"})
    assert created.status_code == 201
    assert created.headers["location"] == f"{base}/thg_new"
    assert created.json() == {"id": "thg_new", "workspace_id": "wsp_1", "name": "new"}
    assert made.called == ("create", {"workspace_id": "wsp_1", "name": "new", "colour": "blue"})
    # The body's defaults apply to the fields it leaves out.
    await made.send("POST", base, json={"name": "new"})
    assert made.called == ("create", {"workspace_id": "wsp_1", "name": "new", "colour": "grey"})
    # An update taking a field gets it instead of `changes`.
    renamed = await made.send(
        "PATCH", f"{base}/thg_2", json={"name": "two"}, headers={"If-Match": '"e"'}
    )
    assert renamed.status_code == 200
    assert made.called == (
        "update",
        {"workspace_id": "wsp_1", "thing_id": "thg_2", "name": "two", "if_match": '"e"'},
    )
    await made.send("PATCH", f"{base}/thg_2", json={})
    assert made.called == (
        "update",
        {"workspace_id": "wsp_1", "thing_id": "thg_2", "name": None, "if_match": None},
    )
    # An action taking a list field.
    await made.send("POST", f"{base}/import", json={"names": ["a", "b"]})
    assert made.called == ("import", {"workspace_id": "wsp_1", "names": ["a", "b"]})
    # A body with a field missing is refused before the service is called.
    refused = await made.send("POST", base, json={"colour": "blue"})
    assert refused.status_code == 422
    assert made.services.calls == []


async def test_a_routes_own_query_reaches_the_service_by_name(made: Served) -> None:
    base = "/v1/workspaces/wsp_1/things/thg_2"

    got = await made.send("GET", base, params={"fields": "name"})
    assert got.status_code == 200
    assert "etag" in got.headers
    assert made.called == ("get", {"workspace_id": "wsp_1", "thing_id": "thg_2", "fields": "name"})
    await made.send("GET", base)
    assert made.called == ("get", {"workspace_id": "wsp_1", "thing_id": "thg_2", "fields": None})

    deleted = await made.send("DELETE", base, params={"cascade": "true"}, headers={"If-Match": "x"})
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert made.called == (
        "delete",
        {"workspace_id": "wsp_1", "thing_id": "thg_2", "if_match": "x", "cascade": True},
    )
    await made.send("DELETE", base)
    assert made.called == (
        "delete",
        {"workspace_id": "wsp_1", "thing_id": "thg_2", "if_match": None, "cascade": False},
    )

    too_deep = await made.send("GET", f"{base}/summary", params={"depth": "9"})
    assert too_deep.status_code == 422
    assert made.services.calls == []
    unknown = await made.send("GET", base, params={"depth": "2"})
    assert unknown.status_code == 422
    assert made.services.calls == []


async def test_a_view_is_a_get_below_the_item(made: Served) -> None:
    base = "/v1/workspaces/wsp_1/things/thg_2"

    viewed = await made.send("GET", f"{base}/summary", params={"depth": "3"})
    assert viewed.status_code == 200
    assert viewed.json() == {"id": "thg_2", "depth": 3}
    assert made.called == ("summary", {"workspace_id": "wsp_1", "thing_id": "thg_2", "depth": 3})
    # Read on the database it names, and answered as a get is: with its ETag, 304 when current.
    assert made.services.events == ["reader", "snapshot", "summary"]
    current = {"If-None-Match": viewed.headers["etag"]}
    again = await made.send("GET", f"{base}/summary", params={"depth": "3"}, headers=current)
    assert (again.status_code, again.content) == (304, b"")
    other = await made.send("GET", f"{base}/summary", headers=current)
    assert other.status_code == 200
    assert made.called == ("summary", {"workspace_id": "wsp_1", "thing_id": "thg_2", "depth": 2})
    assert _operation("get", THINGS + "/{thing_id}/summary")["operationId"] == "things_summary"


async def test_a_list_below_an_item_pages_with_its_own_query(made: Served) -> None:
    base = "/v1/workspaces/wsp_1/things/thg_2/parts"

    listed = await made.send("GET", base, params={"kind": "bolt", "limit": "4", "cursor": "c"})
    assert listed.status_code == 200
    assert listed.json() == {
        "object": "list",
        "data": [{"id": "prt_1", "workspace_id": "wsp_1", "thing_id": "thg_2"}],
        "has_more": False,
        "next_cursor": None,
    }
    assert "link" not in listed.headers
    assert made.called == (
        "parts",
        {"workspace_id": "wsp_1", "thing_id": "thg_2", "kind": "bolt", "cursor": "c", "limit": 4},
    )
    await made.send("GET", base)
    assert made.called == (
        "parts",
        {
            "workspace_id": "wsp_1",
            "thing_id": "thg_2",
            "kind": None,
            "cursor": None,
            "limit": DEFAULT_LIMIT,
        },
    )
    operation = _operation("get", THINGS + "/{thing_id}/parts")
    assert operation["operationId"] == "things_parts"
    names = [p["name"] for p in operation["parameters"]]
    assert names == ["thing_id", "workspace_id", "kind", "limit", "cursor"]


async def test_actions_that_create_or_act_on_the_collection_take_no_if_match(
    made: Served,
) -> None:
    base = "/v1/workspaces/wsp_1/things"
    stale = {"If-Match": '"stale"'}

    copied = await made.send("POST", f"{base}/thg_2/copy", json={"name": "twin"}, headers=stale)
    assert copied.status_code == 201
    assert copied.headers["location"] == f"{base}/thg_copy"
    assert copied.json() == {"id": "thg_copy", "workspace_id": "wsp_1", "name": "twin"}
    assert made.called == ("copy", {"workspace_id": "wsp_1", "thing_id": "thg_2", "name": "twin"})

    imported = await made.send("POST", f"{base}/import", json={"names": ["a"]}, headers=stale)
    assert imported.status_code == 201
    assert "location" not in imported.headers
    assert imported.json() == {
        "object": "list",
        "data": [{"id": "thg_a", "workspace_id": "wsp_1", "name": "a"}],
        "has_more": False,
        "next_cursor": None,
    }
    assert made.called == ("import", {"workspace_id": "wsp_1", "names": ["a"]})

    reordered = await made.send("POST", f"{base}/reorder", json={"ids": ["thg_3"]}, headers=stale)
    assert reordered.status_code == 200
    assert [thing["id"] for thing in reordered.json()["data"]] == ["thg_3"]
    assert made.called == ("reorder", {"workspace_id": "wsp_1", "body": ThingOrder(ids=["thg_3"])})

    locked = await made.send("POST", f"{base}/thg_2/lock", headers=stale)
    assert locked.status_code == 200
    assert made.called == ("lock", {"workspace_id": "wsp_1", "thing_id": "thg_2"})

    # An action on the item passes the header on.
    archived = await made.send("POST", f"{base}/thg_2/archive", headers=stale)
    assert archived.status_code == 200
    assert made.called[1]["if_match"] == '"stale"'

    def headers(method: str, path: str) -> list[str]:
        parameters = _operation(method, THINGS + path).get("parameters", [])
        # Every POST takes Idempotency-Key (app/idempotency); If-Match is the question here.
        headers = [p["name"] for p in parameters if p["in"] == "header"]
        return [name for name in headers if name != "Idempotency-Key"]

    assert headers("post", "/{thing_id}/copy") == []
    assert headers("post", "/import") == []
    assert headers("post", "/reorder") == []
    assert headers("post", "/{thing_id}/lock") == []
    assert headers("post", "/{thing_id}/archive") == ["if-match"]
    assert headers("patch", "/{thing_id}") == ["if-match"]


async def test_a_created_action_answers_201_at_the_location_it_is_given(made: Served) -> None:
    moved = await made.send("POST", "/v1/workspaces/wsp_1/things/thg_2/move", json={"to": "wsp_9"})
    assert moved.status_code == 201
    # `location_of` the answer: its own workspace, not the request's.
    assert moved.headers["location"] == "/v1/workspaces/wsp_9/things/thg_2"
    assert moved.json() == {"id": "thg_2", "workspace_id": "wsp_9", "name": "one"}
    assert made.called == (
        "move",
        {"workspace_id": "wsp_1", "thing_id": "thg_2", "body": ThingMove(to="wsp_9")},
    )
    assert "201" in _operation("post", THINGS + "/{thing_id}/move")["responses"]


async def test_access_chooses_the_dependency_and_owner_the_first_arguments(made: Served) -> None:
    things, mine = "/v1/workspaces/wsp_1/things", "/v1/workspaces/wsp_1/mine"

    # By default a GET is the reader's, any other method the writer's.
    await made.send("GET", f"{things}/thg_2")
    assert made.services.events[0] == "reader"
    await made.send("POST", f"{things}/thg_2/lock")
    assert made.services.events[0] == "writer"
    await made.send("POST", f"{things}/import", json={"names": []})
    assert made.services.events[0] == "importer"

    # The family's owner makes the first arguments of each of its routes…
    made_one = await made.send("POST", mine, json={"name": "mine"})
    assert made_one.status_code == 201
    assert made_one.headers["location"] == f"{mine}/thg_mine"
    assert made_one.json() == {"id": "thg_mine", "workspace_id": "wsp_1", "name": "mine"}
    assert made.called == ("make", {"workspace_id": "wsp_1", "role": "writer", "name": "mine"})
    got = await made.send("GET", f"{mine}/thg_4")
    assert got.json() == {"id": "thg_4", "workspace_id": "wsp_1", "name": "m"}
    assert made.called == (
        "get mine",
        {"workspace_id": "wsp_1", "role": "reader", "thing_id": "thg_4"},
    )
    # …and those of the routes of a kind `like` it.
    part = await made.send("GET", f"{mine}/thg_4/parts/prt_5")
    assert part.json() == {"id": "prt_5", "workspace_id": "wsp_1", "thing_id": "thg_4"}
    assert made.called == (
        "get part",
        {"workspace_id": "wsp_1", "role": "reader", "thing_id": "thg_4", "part_id": "prt_5"},
    )
    # A route's own owner replaces the family's.
    await made.send("POST", f"{things}/thg_2/archive")
    assert made.called[1]["acting_as"] == "writer"
    assert "role" not in made.called[1]


def test_like_keeps_the_familys_access_tags_owner_model_and_rows() -> None:
    router = routes.workspace_router("/mine")
    mine = routes.ItemRoutes(
        router,
        "mine",
        "/{thing_id}",
        [ThingId],
        model=Thing,
        reader=Reader,
        writer=Writer,
        tags=["mine"],
        rows=THING_JSON,
        owner=_as_role,
    )
    parts = mine.like("mine_parts", "/{thing_id}/parts/{part_id}", [ThingId, PartId])
    assert (parts.router, parts.name, parts.item, parts.collection) == (
        router,
        "mine_parts",
        "/{thing_id}/parts/{part_id}",
        "/{thing_id}/parts",
    )
    assert parts.ids == [("thing_id", ThingId), ("part_id", PartId)]
    kept = (parts.model, parts.reader, parts.writer, parts.tags, parts.rows, parts.owner)
    assert kept == (Thing, Reader, Writer, ["mine"], THING_JSON, _as_role)
    changed = mine.like(
        "other",
        "/{thing_id}/x/{part_id}",
        [ThingId, PartId],
        model=Part,
        rows=None,
        writer=Importer,
    )
    assert (changed.model, changed.rows, changed.writer, changed.reader) == (
        Part,
        None,
        Importer,
        Reader,
    )
    with pytest.raises(ValueError, match="1 parameters, 2 types"):
        mine.like("bad", "/{thing_id}", [ThingId, PartId])


def test_location_of_an_item_is_its_path_from_its_fields() -> None:
    things = routes.ItemRoutes(
        routes.workspace_router("/things"),
        "parts",
        "/{thing_id}/parts/{part_id}",
        [ThingId, PartId],
        model=Part,
        reader=Reader,
        writer=Writer,
    )
    part = Part(id="prt_5", workspace_id="wsp_2", thing_id="thg_3")
    assert things.location_of(part) == "/v1/workspaces/wsp_2/things/thg_3/parts/prt_5"
    # An item whose own id is the router's last parameter (a workspace).
    workspaces = routes.ItemRoutes(
        APIRouter(prefix="/v1/workspaces"),
        "workspaces",
        "/{workspace_id}",
        [],
        model=Thing,
        reader=Reader,
        writer=Writer,
    )
    workspace = Thing(id="wsp_7", workspace_id="wsp_ignored", name="w")
    assert workspaces.location_of(workspace) == "/v1/workspaces/wsp_7"


async def test_a_filtered_page_with_its_own_rows_and_verb(made: Served) -> None:
    base = "/v1/workspaces/wsp_1/things/thg_2/pieces"

    found = await made.send("GET", base, params={"shape": "round", "limit": "3"})
    assert found.status_code == 200
    # The page's rows, written by the route's `rows`.
    assert found.json() == {
        "object": "list",
        "data": [{"id": "pce_1", "thing_id": "thg_2", "shape": "round"}],
        "has_more": True,
        "next_cursor": "n",
    }
    assert found.headers["link"] == (
        f'<http://rapport.test{base}?shape=round&limit=3&cursor=n>; rel="next"'
    )
    assert made.called == (
        "search",
        {
            "workspace_id": "wsp_1",
            "thing_id": "thg_2",
            "shape": "round",
            "order": ORDERS["name"],
            "cursor": None,
            "limit": 3,
        },
    )
    unsorted = await made.send("GET", base, params={"sort": "shape"})
    assert unsorted.status_code == 422
    assert made.services.calls == []
    assert _operation("get", THINGS + "/{thing_id}/pieces")["operationId"] == "pieces_search"


# --- the order things run in -------------------------------------------------------------------


async def test_the_access_dependency_runs_before_the_database_is_taken(made: Served) -> None:
    things = "/v1/workspaces/wsp_1/things"

    await made.send("POST", things, json={"name": "new"})
    assert made.services.events == ["writer", "transaction", "create"]
    await made.send("GET", f"{things}/thg_2")
    assert made.services.events == ["reader", "read db", "get"]
    # A caller refused takes no connection and opens no transaction.
    refused = await made.send("POST", "/v1/workspaces/wsp_closed/things", json={"name": "new"})
    assert refused.status_code == 403
    assert made.services.events == ["writer"]
    refused = await made.send("GET", "/v1/workspaces/wsp_closed/things/thg_2/summary")
    assert refused.status_code == 403
    assert made.services.events == ["reader"]


async def test_query_first_reads_the_query_before_the_database(made: Served) -> None:
    # With `query_first`, a wrong query costs no database handle…
    refused = await made.send(
        "GET", "/v1/workspaces/wsp_1/things/thg_2/pieces", params={"shape": "much too long"}
    )
    assert refused.status_code == 422
    assert made.services.events == ["reader"]
    # …by default, the handle is taken first.
    refused = await made.send(
        "GET", "/v1/workspaces/wsp_1/things", params={"colour": "much too long"}
    )
    assert refused.status_code == 422
    assert made.services.events == ["reader", "read db"]
    found = await made.send("GET", "/v1/workspaces/wsp_1/things/thg_2/pieces")
    assert found.status_code == 200
    assert made.services.events == ["reader", "read db", "search"]

    route = next(r for r in made.routers[0].routes if r.operation_id == "pieces_search")
    assert [name for name, _ in _dependencies(route)] == ["access", "query", "db"]
    route = next(r for r in made.routers[0].routes if r.operation_id == "things_list")
    assert [name for name, _ in _dependencies(route)] == ["access", "db", "query"]


async def test_the_hooks_run_in_order_around_the_service(made: Served) -> None:
    base = "/v1/workspaces/wsp_1/things"

    archived = await made.send("POST", f"{base}/thg_2/archive", headers={"If-Match": '"e"'})
    assert archived.status_code == 200
    assert archived.json()["id"] == "thg_2"
    assert made.services.events == [
        "writer",
        "transaction",
        "owner",
        "more",
        "before",
        "archive",
        "after thg_2",
    ]
    # The owner's and `more`'s arguments, with the ids and the header.
    assert made.called == (
        "archive",
        {
            "workspace_id": "wsp_1",
            "acting_as": "writer",
            "thing_id": "thg_2",
            "if_match": '"e"',
            "reason": "tidy",
        },
    )
    # Each hook is given the request as the endpoint holds it.
    calls = dict(made.services.hooked)
    assert list(calls) == ["owner", "more", "before", "after thg_2"]
    for call in calls.values():
        assert call.access == Access("wsp_1", "writer")
        assert isinstance(call.db, Db)
        assert call.values == {"thing_id": "thg_2", "if_match": '"e"'}
        assert call.body is None
        assert call.request.url.path == f"{base}/thg_2/archive"


async def test_after_does_not_run_when_the_service_or_the_check_refuses(made: Served) -> None:
    base = "/v1/workspaces/wsp_1/things"

    busy = await made.send("POST", f"{base}/thg_busy/archive")
    assert busy.status_code == 409
    assert busy.json()["code"] == "busy"
    assert made.services.events == ["writer", "transaction", "owner", "more", "before", "archive"]
    # A `before` that refuses: the service is not called either.
    locked = await made.send("POST", f"{base}/thg_locked/archive")
    assert locked.status_code == 409
    assert locked.json()["code"] == "locked"
    assert made.services.events == ["writer", "transaction", "owner", "more", "before"]
    assert made.services.calls == []


# --- Operations.route and PageQuery ---------------------------------------------------------------


async def test_a_route_written_by_hand_is_named_after_its_function(made: Served) -> None:
    echoed = await made.send("GET", "/v1/workspaces/wsp_1/things/thg_2/echo")
    assert echoed.status_code == 200
    assert echoed.json() == {"id": "thg_2", "workspace_id": "wsp_1", "name": "one"}
    pinged = await made.send("POST", "/v1/workspaces/wsp_1/mine/thg_4/ping")
    # A 204 has no body, not even a JSON `null`, and says no media type.
    assert (pinged.status_code, pinged.content) == (204, b"")
    assert "content-type" not in pinged.headers
    assert made.called == ("ping", {"workspace_id": "wsp_1", "thing_id": "thg_4"})

    echo = _operation("get", THINGS + "/{thing_id}/echo")
    assert (echo["operationId"], echo["tags"]) == ("things_echo", ["things"])
    ping = _operation("post", MINE + "/{thing_id}/ping")
    assert (ping["operationId"], ping["tags"]) == ("mine_ping", ["mine"])
    assert "content" not in ping["responses"]["204"]

    # The decorator gives the function back, registered as it is.
    router = routes.workspace_router("/x")

    async def handler(access: Reader) -> Response:
        return no_content()

    assert routes.Operations(router, "xs").route("GET", "/y")(handler) is handler
    (route,) = router.routes
    assert (route.endpoint, route.operation_id) == (handler, "xs_handler")


def _fields(model: type[BaseModel]) -> list[tuple[str, str]]:
    return [(name, repr(info)) for name, info in model.model_fields.items()]


def test_page_query_puts_the_paging_fields_last_or_first() -> None:
    class Last(routes.PageQuery):
        shape: str | None = Field(None, max_length=10, description="Only this shape.")
        sort: str = Field("name", max_length=20, description="`name`.")

    class First(routes.PageQuery, paging_first=True):
        shape: str | None = Field(None, max_length=10, description="Only this shape.")
        sort: str = Field("name", max_length=20, description="`name`.")

    class WrittenLast(routes.PageQuery):
        shape: str | None = Field(None, max_length=10, description="Only this shape.")
        sort: str = Field("name", max_length=20, description="`name`.")
        limit: routes.PageLimit = DEFAULT_LIMIT
        cursor: routes.PageCursor = None

    class WrittenFirst(routes.PageQuery):
        limit: routes.PageLimit = DEFAULT_LIMIT
        cursor: routes.PageCursor = None
        shape: str | None = Field(None, max_length=10, description="Only this shape.")
        sort: str = Field("name", max_length=20, description="`name`.")

    assert list(Last.model_fields) == ["shape", "sort", "limit", "cursor"]
    assert list(First.model_fields) == ["limit", "cursor", "shape", "sort"]
    # The same fields as declared by hand; one that declares them keeps its own order.
    assert _fields(Last) == _fields(WrittenLast)
    assert _fields(First) == _fields(WrittenFirst)
    assert list(WrittenFirst.model_fields) == ["limit", "cursor", "shape", "sort"]
    assert list(WrittenLast.model_fields) == ["shape", "sort", "limit", "cursor"]
    assert First(limit=3) == First(limit=3, cursor=None, shape=None, sort="name")
    with pytest.raises(ValueError, match="limit"):
        First(limit=0)

    # The document lists the route's query parameters in that order.
    parameters = _operation("get", THINGS + "/{thing_id}/pieces")["parameters"]
    assert [p["name"] for p in parameters] == [
        "thing_id",
        "workspace_id",
        "limit",
        "cursor",
        "shape",
        "sort",
    ]
    parameters = _operation("get", THINGS)["parameters"]
    assert [p["name"] for p in parameters] == ["workspace_id", "colour", "sort", "limit", "cursor"]

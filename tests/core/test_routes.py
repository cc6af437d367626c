"""The routes `app.core.routes.ItemRoutes` registers are the ones a family would write by hand:
the same OpenAPI operations and parameters, run by the lean handler, calling the service with
the documented arguments (issue 19)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, Request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import column
from starlette.responses import Response

from app.core import routes
from app.core.db import Database
from app.core.dependencies import AppState, IfMatch, ReadDb, SnapshotDb, WriteDb
from app.core.errors import install_error_handlers
from app.core.openapi import with_headers
from app.core.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, SortOrder, resolve_sort
from app.core.query import query_model
from app.core.responses import item_response, no_content, page_response
from app.core.routing import CheckedRoute
from app.core.schemas import Filters, ListPage, PatchModel
from tests.conftest import DATABASE_URL, client_for


@dataclass(frozen=True)
class Access:
    workspace_id: str


async def _access(workspace_id: str) -> Access:
    return Access(workspace_id)


# A stand-in for a family's access dependencies: the helper only reads `workspace_id`.
Reader = Annotated[Access, Depends(_access)]
ThingId = Annotated[str, routes.id_path("thing's", "thg")]
PartId = Annotated[str, routes.id_path("part's", "prt", example=False)]
ORDERS = {"name": SortOrder("name", (column("name"), column("id")))}


class Thing(BaseModel):
    id: str
    workspace_id: str
    name: str


class ThingList(ListPage[Thing]):
    pass


class ThingCreate(BaseModel):
    name: str


class ThingUpdate(PatchModel):
    name: str | None = None


class ThingRename(BaseModel):
    name: str = "renamed"


class ThingQuery(routes.PageQuery):
    colour: str | None = Field(None, max_length=10, description="Only this colour.")
    sort: str = Field("name", max_length=20, description="`name`.")
    limit: routes.PageLimit = DEFAULT_LIMIT
    cursor: routes.PageCursor = None


class ThingFilters(Filters):
    colour: str | None = None


class Service:
    """The family's service: remembers each call's arguments, answers a thing."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def _thing(self, workspace_id: str, thing_id: str = "thg_1") -> Thing:
        return Thing(id=thing_id, workspace_id=workspace_id, name="one")

    async def list_things(self, db: Any, workspace_id: str, filters: Any, **page: Any) -> Any:
        self.calls.append(("list", workspace_id, filters, page))
        return [self._thing(workspace_id)], Page([], "next")

    async def list_parts(self, db: Any, workspace_id: str, thing_id: str, **page: Any) -> Any:
        self.calls.append(("parts", workspace_id, thing_id, page))
        return [], Page([], None)

    async def create(self, db: Any, workspace_id: str, body: ThingCreate) -> Thing:
        self.calls.append(("create", workspace_id, body.name))
        return self._thing(workspace_id, "thg_new")

    async def get(self, db: Any, workspace_id: str, thing_id: str) -> Thing:
        self.calls.append(("get", workspace_id, thing_id))
        return self._thing(workspace_id, thing_id)

    async def update(
        self, db: Any, workspace_id: str, thing_id: str, changes: Any, if_match: Any
    ) -> Thing:
        self.calls.append(("update", workspace_id, thing_id, changes, if_match))
        return self._thing(workspace_id, thing_id)

    async def delete(self, db: Any, workspace_id: str, thing_id: str, if_match: Any) -> None:
        self.calls.append(("delete", workspace_id, thing_id, if_match))

    async def rename(
        self, db: Any, workspace_id: str, thing_id: str, name: str, if_match: Any
    ) -> Thing:
        self.calls.append(("rename", workspace_id, thing_id, name, if_match))
        return self._thing(workspace_id, thing_id)

    async def archive(self, db: Any, workspace_id: str, thing_id: str, if_match: Any) -> Thing:
        self.calls.append(("archive", workspace_id, thing_id, if_match))
        return self._thing(workspace_id, thing_id)


def _made(service: Service) -> APIRouter:
    router = routes.workspace_router("/things", tag="things")
    things = routes.ItemRoutes(
        router, "things", "/{thing_id}", [ThingId], model=Thing, reader=Reader, writer=Reader
    )
    things.filtered_page(
        "List things",
        ThingList,
        ThingQuery,
        service.list_things,
        filters=ThingFilters,
        orders=ORDERS,
    )
    things.create("Create a thing", ThingCreate, service.create, description="Made.")
    things.get("Get a thing", service.get, db=SnapshotDb)
    things.update("Change a thing", ThingUpdate, service.update)
    things.delete("Delete a thing", service.delete, responses={409: {"description": "Busy."}})
    things.action("rename", "Rename", service.rename, body=ThingRename, takes="name")
    things.action("archive-now", "Archive", service.archive)
    parts = routes.ItemRoutes(
        router,
        "parts",
        "/{thing_id}/parts/{part_id}",
        [ThingId, PartId],
        model=Thing,
        reader=Reader,
        writer=Reader,
    )
    parts.list_page("List a thing's parts", ThingList, service.list_parts)
    return router


def _written(service: Service) -> APIRouter:
    """The same routes, written the ordinary FastAPI way."""
    router = APIRouter(
        route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}/things", tags=["things"]
    )

    @router.get("", operation_id="things_list", response_model=ThingList, summary="List things")
    async def list_things(
        request: Request,
        access: Reader,
        db: ReadDb,
        query: Annotated[ThingQuery, query_model(ThingQuery)],
    ) -> Response:
        data, page = await service.list_things(
            db,
            access.workspace_id,
            ThingFilters(colour=query.colour),
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
        description="Made.",
        responses={201: with_headers("ETag", "Location")},
    )
    async def create(request: Request, body: ThingCreate, access: Reader, db: WriteDb) -> Response:
        thing = await service.create(db, access.workspace_id, body)
        location = f"/v1/workspaces/{access.workspace_id}/things/{thing.id}"
        return item_response(request, thing, status=201, location=location)

    @router.get(
        "/{thing_id}", operation_id="things_get", response_model=Thing, summary="Get a thing"
    )
    async def get(request: Request, access: Reader, thing_id: ThingId, db: SnapshotDb) -> Response:
        return item_response(request, await service.get(db, access.workspace_id, thing_id))

    @router.patch(
        "/{thing_id}",
        operation_id="things_update",
        response_model=Thing,
        summary="Change a thing",
        responses={200: with_headers("ETag")},
    )
    async def update(
        request: Request,
        body: ThingUpdate,
        access: Reader,
        thing_id: ThingId,
        db: WriteDb,
        if_match: IfMatch = None,
    ) -> Response:
        thing = await service.update(db, access.workspace_id, thing_id, body.changes(), if_match)
        return item_response(request, thing)

    @router.delete(
        "/{thing_id}",
        operation_id="things_delete",
        status_code=204,
        response_class=Response,
        summary="Delete a thing",
        responses={409: {"description": "Busy."}},
    )
    async def delete(
        access: Reader, thing_id: ThingId, db: WriteDb, if_match: IfMatch = None
    ) -> Response:
        await service.delete(db, access.workspace_id, thing_id, if_match)
        return no_content()

    @router.post(
        "/{thing_id}/rename",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_rename",
        response_model=Thing,
        summary="Rename",
        responses={200: with_headers("ETag")},
    )
    async def rename(
        request: Request,
        access: Reader,
        thing_id: ThingId,
        db: WriteDb,
        body: Annotated[ThingRename, Body()] = ThingRename(),  # noqa: B008
        if_match: IfMatch = None,
    ) -> Response:
        thing = await service.rename(db, access.workspace_id, thing_id, body.name, if_match)
        return item_response(request, thing)

    @router.post(
        "/{thing_id}/archive-now",
        dependencies=[routes.IDEMPOTENCY_KEY],
        operation_id="things_archive_now",
        response_model=Thing,
        summary="Archive",
        responses={200: with_headers("ETag")},
    )
    async def archive(
        request: Request, access: Reader, thing_id: ThingId, db: WriteDb, if_match: IfMatch = None
    ) -> Response:
        return item_response(
            request, await service.archive(db, access.workspace_id, thing_id, if_match)
        )

    @router.get(
        "/{thing_id}/parts",
        operation_id="parts_list",
        response_model=ThingList,
        summary="List a thing's parts",
    )
    async def list_parts(
        request: Request,
        access: Reader,
        thing_id: ThingId,
        db: ReadDb,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response:
        data, page = await service.list_parts(
            db, access.workspace_id, thing_id, cursor=cursor, limit=limit
        )
        return page_response(request, ThingList, data, page)

    return router


def _app(router: APIRouter) -> FastAPI:
    app = FastAPI()
    app.state = AppState()
    install_error_handlers(app)
    app.include_router(router)
    return app


@pytest.fixture
async def made() -> AsyncIterator[tuple[httpx.AsyncClient, Service, FastAPI]]:
    service = Service()
    app = _app(_made(service))
    database = Database(DATABASE_URL)
    await database.connect()
    app.state.database = database
    try:
        async with client_for(app) as client:
            yield client, service, app
    finally:
        await database.close()


def _dependencies(route: Any) -> list[Any]:
    return [(d.name, d.call) for d in route.dependant.dependencies]


def test_the_routes_are_the_ones_written_by_hand() -> None:
    made, written = _app(_made(Service())), _app(_written(Service()))
    assert made.openapi()["paths"] == written.openapi()["paths"]
    pairs = zip(_made(Service()).routes, _written(Service()).routes, strict=True)
    for ours, theirs in pairs:
        assert isinstance(ours, CheckedRoute)
        assert isinstance(theirs, CheckedRoute)
        assert (ours.path, ours.methods, ours.status_code) == (
            theirs.path,
            theirs.methods,
            theirs.status_code,
        )
        # The same parameters, resolved in the same order, and the lean handler runs both.
        assert [d[0] for d in _dependencies(ours)] == [d[0] for d in _dependencies(theirs)]
        for kind in ("path_params", "query_params", "header_params", "body_params"):
            ours_fields = [(f.name, f.field_info.default) for f in getattr(ours.dependant, kind)]
            theirs_fields = [
                (f.name, f.field_info.default) for f in getattr(theirs.dependant, kind)
            ]
            assert repr(ours_fields) == repr(theirs_fields), (ours.path, kind)
        assert ours.lean
        assert theirs.lean


async def test_item_routes_call_the_service_with_the_documented_arguments(
    made: tuple[httpx.AsyncClient, Service, FastAPI],
) -> None:
    client, service, _ = made
    base = "/v1/workspaces/wsp_1/things"

    created = await client.post(base, json={"name": "one"})
    assert created.status_code == 201
    assert created.headers["location"] == f"{base}/thg_new"
    got = await client.get(f"{base}/thg_2")
    assert got.status_code == 200
    assert got.json()["id"] == "thg_2"
    again = await client.get(f"{base}/thg_2", headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304
    patched = await client.patch(f"{base}/thg_2", json={"name": "two"}, headers={"If-Match": "x"})
    assert patched.status_code == 200
    deleted = await client.delete(f"{base}/thg_2")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert service.calls == [
        ("create", "wsp_1", "one"),
        ("get", "wsp_1", "thg_2"),
        ("get", "wsp_1", "thg_2"),
        ("update", "wsp_1", "thg_2", {"name": "two"}, "x"),
        ("delete", "wsp_1", "thg_2", None),
    ]


async def test_actions_pass_the_body_or_the_field_they_take(
    made: tuple[httpx.AsyncClient, Service, FastAPI],
) -> None:
    client, service, _ = made
    base = "/v1/workspaces/wsp_1/things/thg_2"

    assert (await client.post(f"{base}/rename")).status_code == 200
    named = await client.post(f"{base}/rename", json={"name": "new"}, headers={"If-Match": "e"})
    assert named.status_code == 200
    assert (await client.post(f"{base}/archive-now")).status_code == 200
    assert service.calls == [
        ("rename", "wsp_1", "thg_2", "renamed", None),
        ("rename", "wsp_1", "thg_2", "new", "e"),
        ("archive", "wsp_1", "thg_2", None),
    ]


async def test_lists_pass_filters_sort_and_page(
    made: tuple[httpx.AsyncClient, Service, FastAPI],
) -> None:
    client, service, _ = made
    base = "/v1/workspaces/wsp_1/things"

    listed = await client.get(base, params={"colour": "red", "limit": "5", "cursor": "c"})
    assert listed.status_code == 200
    assert listed.json()["has_more"] is True
    assert 'rel="next"' in listed.headers["link"]
    parts = await client.get(f"{base}/thg_2/parts", params={"limit": "3", "cursor": "p"})
    assert parts.status_code == 200
    refused = await client.get(base, params={"sort": "colour"})
    assert refused.status_code == 422
    assert service.calls == [
        (
            "list",
            "wsp_1",
            ThingFilters(colour="red"),
            {"order": ORDERS["name"], "cursor": "c", "limit": 5},
        ),
        ("parts", "wsp_1", "thg_2", {"cursor": "p", "limit": 3}),
    ]


def test_a_query_model_gives_the_service_its_filters() -> None:
    query = ThingQuery(colour="red", sort="name")
    assert ThingQuery.filters_of(ThingFilters)(query) == ThingFilters(colour="red")


def test_an_item_path_needs_a_type_for_each_parameter() -> None:
    with pytest.raises(ValueError, match="2 parameters, 1 types"):
        routes.ItemRoutes(
            routes.workspace_router(),
            "parts",
            "/{thing_id}/parts/{part_id}",
            [ThingId],
            model=Thing,
            reader=Reader,
            writer=Reader,
        )


def test_ids_and_conflicts_are_described_alike() -> None:
    assert routes.id_path("lead's", "led").description == "The lead's id (`led_…`)."
    assert routes.id_path("lead's", "led").examples == ["led_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"]
    described = routes.id_path("bank's", "qbk", more="; or the built-in one", example=False)
    assert (described.description, described.examples) == (
        "The bank's id (`qbk_…`); or the built-in one.",
        None,
    )
    assert (
        "The thing's status does not allow"
        in routes.transition_conflict("thing's")[409]["description"]
    )


class Shade(Filters):
    """Filters of a stand-in list: the query models below take their fields from it."""

    colour: str | None = Field(default=None, max_length=20, description="Only this colour.")
    size: int | None = Field(default=None, ge=1, description="Only this size.")
    owner_id: str | None = routes.id_filter("Only this owner's.")


def test_a_query_model_takes_the_fields_of_its_filters_in_the_documented_order() -> None:
    class After(routes.PageQuery, orders=ORDERS, filters=Shade):
        sort: str = Field("name")

    class First(routes.PageQuery, paging_first=True, filters=Shade, without=("owner_id",)):
        sort: str = Field("name")

    class All(First, filters=Shade):
        pass

    assert list(After.model_fields) == ["colour", "size", "owner_id", "sort", "limit", "cursor"]
    assert list(First.model_fields) == ["limit", "cursor", "sort", "colour", "size"]
    assert list(All.model_fields) == ["limit", "cursor", "sort", "colour", "size", "owner_id"]
    assert After.ORDERS is ORDERS
    assert After.FILTERS is Shade
    assert All.FILTERS is Shade
    # The fields keep their limits and descriptions.
    schema = After.model_json_schema()["properties"]
    assert schema["colour"]["description"] == "Only this colour."
    assert schema["owner_id"]["anyOf"][0]["maxLength"] == 64
    with pytest.raises(ValidationError):
        After(size=0)
    with pytest.raises(ValidationError):
        First(colour="x" * 21)
    query = All(colour="red", owner_id="own_1", limit=3)
    assert All.filters_of(Shade)(query) == Shade(colour="red", owner_id="own_1")
    # A filter the query leaves out keeps its default.
    assert First.filters_of(Shade)(First(size=2)) == Shade(size=2)

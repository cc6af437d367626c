"""FastAPI's own idioms keep working beside Rapport's fast path (issue 19): dependency overrides
set after `create_app`, routers included later, routes the lean handler cannot run, and the
start-up check beside routes added later.

Every app here is this module's own (the session's app is never changed), and every override is
taken away when its test ends."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any, get_args

import httpx
import orjson
import pytest
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Request, Response
from pydantic import BaseModel
from sqlalchemy import literal, select

from app.auth.caller import WorkspaceAccess, resolve_caller, workspace_access
from app.auth.dependencies import caller_cache, check_routes, workspace_scope
from app.core.db import Db
from app.core.dependencies import ReadDb, WriteDb, database
from app.core.errors import ProblemError
from app.core.routing import CheckedRoute, RouteTable
from app.core.settings import Settings
from app.main import ROUTERS, create_app
from tests.conftest import Account, assert_problem, client_for
from tests.people.factories import create_person

VOLATILE = {"request_id", "instance", "id", "created_at", "updated_at"}


def _dependency(alias: Any) -> Callable[..., Any]:
    """The callable behind a `Depends(...)` or an `Annotated[..., Depends(...)]` alias: the key
    `app.dependency_overrides` takes."""
    marker = get_args(alias)[1] if get_args(alias) else alias
    call: Callable[..., Any] = marker.dependency
    return call


READ_DB = _dependency(ReadDb)
WRITE_DB = _dependency(WriteDb)
PEOPLE_READER = _dependency(workspace_scope("people:read"))


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), client_for(app) as client:
        yield client


@pytest.fixture(scope="module")
async def rapport() -> AsyncIterator[FastAPI]:
    """The app as production builds it: the project's routes on the route table."""
    app = create_app(Settings())
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="module")
async def ordinary() -> AsyncIterator[FastAPI]:
    """The same routes served the ordinary FastAPI way: no route table, every router included
    with `include_router`, so FastAPI's router and handler (reading the app's overrides)."""
    app = create_app(Settings())
    app.router.routes[:] = [r for r in app.router.routes if not isinstance(r, RouteTable)]
    for router in ROUTERS:
        app.include_router(router)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(rapport: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """This module's client (so that the shared account fixtures sign up through `rapport`)."""
    async with client_for(rapport) as c:
        yield c


@contextmanager
def overridden(apps: Iterable[FastAPI], replacements: dict[Any, Any]) -> Iterator[None]:
    apps = list(apps)
    for app in apps:
        app.dependency_overrides.update(replacements)
    try:
        yield
    finally:
        for app in apps:
            for dependency in replacements:
                app.dependency_overrides.pop(dependency, None)


def _table(app: FastAPI) -> RouteTable:
    (table,) = [route for route in app.router.routes if isinstance(route, RouteTable)]
    return table


class Refused(ProblemError):
    status, code, default_detail = 418, "overridden", "An override answered."


async def refuse() -> None:
    raise Refused()


async def test_an_override_set_after_create_app_reaches_every_route(
    rapport: FastAPI, client: httpx.AsyncClient
) -> None:
    routes = [
        route
        for route in _table(rapport).routes
        if isinstance(route, CheckedRoute) and route.dependant.dependencies
    ]
    # Both handlers are covered: the lean one, and FastAPI's for the form routes.
    assert {route.lean for route in routes} == {True, False}
    replaced = {sub.call for route in routes for sub in route.dependant.dependencies}
    with overridden([rapport], dict.fromkeys(replaced, refuse)):
        for route in routes:
            path = re.sub(r"\{[^}]*\}", "x", route.path)
            for method in sorted(route.methods or ()):
                response = await client.request(method, path)
                assert response.status_code == 418, (method, route.path, response.text)
                assert_problem(response, 418, "overridden")
    # Taken away, the routes answer as before.
    assert_problem(await client.get("/v1/me"), 401, "unauthenticated")


def _answer(response: httpx.Response) -> dict[str, Any]:
    def normalised(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: normalised(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [normalised(v) for v in value]
        return value

    body: Any = response.content
    if body and "json" in response.headers.get("content-type", ""):
        body = normalised(orjson.loads(body))
    return {
        "status": response.status_code,
        "content-type": response.headers.get("content-type"),
        # A created record's ETag covers its id and times: only its presence compares.
        "etag": "etag" in response.headers
        if response.status_code == 201
        else response.headers.get("etag"),
        "location": "location" in response.headers,
        "body": body,
    }


def _owner_access(owner: Account) -> Callable[..., Any]:
    async def as_owner(request: Request, workspace_id: str, db: ReadDb) -> WorkspaceAccess:
        """People are read as the owner, with or without a credential; `db` is a dependency
        of the override itself (and overridden too)."""
        cache = caller_cache(request)
        signing_key = request.app.state.signing_key
        caller = await resolve_caller(
            db, authorization=f"Bearer {owner.access_token}", signing_key=signing_key, cache=cache
        )
        return await workspace_access(db, caller=caller, workspace_id=workspace_id, cache=cache)

    return as_owner


async def test_overridden_routes_answer_as_fastapis_own_handler_does(
    rapport: FastAPI, ordinary: FastAPI, client: httpx.AsyncClient, owner: Account
) -> None:
    ws = f"/v1/workspaces/{owner.workspace_id}"
    person = await create_person(client, owner, given_name="Ada")
    etag = (await client.get(f"{ws}/people/{person['id']}", headers=owner.headers)).headers["etag"]
    ran: list[str] = []

    async def read_db(request: Request) -> Db:
        ran.append("read")
        return database(request).reader()

    async def write_db(request: Request) -> AsyncIterator[Db]:
        ran.append("write")
        async with database(request).transaction() as db:
            yield db

    as_json = {**owner.headers, "Content-Type": "application/json"}
    grace = {"json": {"given_name": "Grace"}}
    read, write = ["read"], ["write"]
    # (method, url, request, status, the overridden database dependencies that ran)
    cases: list[tuple[str, str, dict[str, Any], int, list[str]]] = [
        ("GET", f"{ws}/people", {}, 200, read),
        ("GET", f"{ws}/people/{person['id']}", {}, 200, read),
        ("GET", f"{ws}/people/{person['id']}", {"headers": {"If-None-Match": etag}}, 304, read),
        ("GET", f"{ws}/people/per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d", {}, 404, read),
        ("GET", f"{ws}/people?limit=0", {}, 422, read),
        ("GET", f"{ws}/people?bogus=1", {}, 422, []),
        ("POST", f"{ws}/people", {**grace, "headers": owner.headers}, 201, write),
        ("POST", f"{ws}/people", grace, 401, []),
        ("POST", f"{ws}/people", {"content": b"{", "headers": as_json}, 400, []),
        ("GET", "/v1/me", {"headers": owner.headers}, 200, []),
        ("POST", "/v1/auth/revoke", {"data": {"token": "not-a-token"}}, 200, write),
    ]
    replacements = {READ_DB: read_db, WRITE_DB: write_db, PEOPLE_READER: _owner_access(owner)}
    async with client_for(ordinary) as ordinary_client:
        with overridden([rapport, ordinary], replacements):
            for method, url, kwargs, status, runs in cases:
                ran.clear()
                ours = await client.request(method, url, **kwargs)
                ours_ran = list(ran)
                ran.clear()
                theirs = await ordinary_client.request(method, url, **kwargs)
                assert _answer(ours) == _answer(theirs), (method, url)
                assert ours.status_code == status, (method, url, ours.text)
                assert ours_ran == ran == runs, (method, url)
    assert_problem(await client.get(f"{ws}/people"), 401, "unauthenticated")


class Thing(BaseModel):
    thing: str
    source: str
    one: int


async def source() -> str:
    return "dependency"


def _extra_router() -> APIRouter:
    """An ordinary router: FastAPI's default route class, a plain `Depends`, a project one."""
    router = APIRouter()

    @router.get("/v1/extra/{thing}", operation_id="extra_read", summary="Read a thing")
    async def read_thing(thing: str, found: Annotated[str, Depends(source)], db: ReadDb) -> Thing:
        return Thing(thing=thing, source=found, one=await db.scalar(select(literal(1))))

    return router


async def test_a_router_included_after_create_app_is_served_and_documented() -> None:
    app = create_app(Settings())
    # Built before the routes exist, as a first visit to /docs would.
    before = app.openapi()
    app.include_router(_extra_router())

    @app.get("/v1/extra-direct", operation_id="extra_direct", summary="Directly on the app")
    async def direct(found: Annotated[str, Depends(source)]) -> dict[str, str]:
        return {"source": found}

    async with running(app) as client:
        response = await client.get("/v1/extra/lamp")
        assert response.json() == {"thing": "lamp", "source": "dependency", "one": 1}
        with overridden([app], {source: lambda: "override"}):  # a sync override, too
            response = await client.get("/v1/extra/lamp")
            assert response.json() == {"thing": "lamp", "source": "override", "one": 1}
            assert (await client.get("/v1/extra-direct")).json() == {"source": "override"}
        assert (await client.get("/v1/extra-direct")).json() == {"source": "dependency"}
        served = (await client.get("/openapi.json")).json()
    assert served == app.openapi()
    assert "/v1/extra/{thing}" not in before["paths"]
    assert set(before["paths"]) | {"/v1/extra/{thing}", "/v1/extra-direct"} == set(served["paths"])
    operation = served["paths"]["/v1/extra/{thing}"]["get"]
    assert operation["operationId"] == "extra_read"
    # Completed as the project's own operations are (app.core.openapi).
    problem = operation["responses"]["500"]["content"]["application/problem+json"]
    assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert served["paths"]["/v1/extra-direct"]["get"]["operationId"] == "extra_direct"


PeopleReaders = Annotated[WorkspaceAccess, workspace_scope("people:read")]


async def test_an_included_routers_auth_is_documented_as_the_projects_own() -> None:
    """A route included after create_app that takes the project's authorisation dependency
    gets the same security requirement and 401/403 in the document as the project's routes."""
    app = create_app(Settings())
    router = APIRouter()

    @router.get("/v1/workspaces/{workspace_id}/extra", operation_id="extra_scoped")
    async def scoped(access: PeopleReaders) -> dict[str, str]:
        return {"workspace_id": access.workspace_id}

    app.include_router(router)
    operation = app.openapi()["paths"]["/v1/workspaces/{workspace_id}/extra"]["get"]
    own = app.openapi()["paths"]["/v1/workspaces/{workspace_id}/people"]["get"]
    assert operation["security"] == own["security"]
    assert {"401", "403", "404", "503"} <= set(operation["responses"])


def sync_source() -> str:
    # A plain function: the lean handler runs only coroutines, FastAPI's runs this in a thread.
    return "sync"


def _unusual_router(ran: list[str]) -> APIRouter:
    """A router like the project's own (CheckedRoute) whose routes only FastAPI's handler runs."""
    router = APIRouter(route_class=CheckedRoute)

    @router.get("/v1/unusual/sync", operation_id="unusual_sync", summary="Sync dependency")
    async def with_sync(value: Annotated[str, Depends(sync_source)]) -> dict[str, str]:
        return {"value": value}

    @router.get("/v1/unusual/response", operation_id="unusual_response", summary="Response")
    async def with_response(response: Response) -> dict[str, str]:
        response.headers["X-Unusual"] = "set"
        response.status_code = 202
        return {"value": "response"}

    @router.post("/v1/unusual/background", operation_id="unusual_tasks", summary="Tasks")
    async def with_tasks(tasks: BackgroundTasks) -> dict[str, str]:
        tasks.add_task(ran.append, "background")
        return {"value": "background"}

    return router


async def test_checked_routes_the_lean_handler_cannot_run_fall_back_to_fastapis() -> None:
    ran: list[str] = []
    router = _unusual_router(ran)
    assert not any(route.lean for route in router.routes if isinstance(route, CheckedRoute))
    app = create_app(Settings())
    # Served as create_app serves the project's routers, and the ordinary way under /included.
    app.router.routes.insert(0, RouteTable(router.routes))
    app.include_router(router, prefix="/included")
    async with running(app) as client:
        for prefix in ("", "/included"):
            response = await client.get(f"{prefix}/v1/unusual/sync")
            assert response.json() == {"value": "sync"}, prefix
            response = await client.get(f"{prefix}/v1/unusual/response")
            assert response.status_code == 202, prefix
            assert response.headers["x-unusual"] == "set"
            response = await client.post(f"{prefix}/v1/unusual/background")
            assert response.json() == {"value": "background"}
            assert ran == ["background"], prefix  # the task ran once the response was sent
            ran.clear()
            # CheckedRoute's own check stays in front of FastAPI's handler.
            response = await client.get(f"{prefix}/v1/unusual/sync?bogus=1")
            assert_problem(response, 422, "validation_failed")
            with overridden([app], {sync_source: lambda: "override"}):
                response = await client.get(f"{prefix}/v1/unusual/sync")
                assert response.json() == {"value": "override"}, prefix


def test_the_start_up_check_accepts_ordinary_routes() -> None:
    # check_routes runs once, in create_app, over the project's routers: routes added later
    # are not checked (docs/architecture.md), and ordinary ones would pass if they were.
    check_routes([*_extra_router().routes, *_unusual_router([]).routes])

"""What the API gives away besides what was asked: headers, documentation, error details, the
order of checks on a request body, and how weak a production secret may be."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import orjson
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import SecretStr
from sqlalchemy import insert, select, text

from app.auth.models import login_throttles
from app.core.db import utcnow
from app.core.dependencies import ReadDb, WriteDb
from app.core.logging import JsonLineHandler
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import Account, add_member, assert_problem, bearer
from tests.people.factories import create_person
from tests.security.serving import SERVING_MODES, served

PRIVATE = "private, no-store"

# --- headers --------------------------------------------------------------------------------


async def test_authenticated_responses_are_private_and_never_sniffed(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    url = f"/v1/workspaces/{owner.workspace_id}/people/{person['id']}"
    read = await client.get(url, headers=owner.headers)
    assert read.status_code == 200
    assert read.headers["cache-control"] == PRIVATE
    assert read.headers["x-content-type-options"] == "nosniff"
    # Not stored by any cache, yet the client may still revalidate what it holds.
    again = await client.get(url, headers={**owner.headers, "If-None-Match": read.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["etag"] == read.headers["etag"]
    assert again.headers["cache-control"] == PRIVATE
    assert again.headers["x-content-type-options"] == "nosniff"

    refused = await client.get(url, headers=bearer("not-a-token"))
    assert_problem(refused, 401, "invalid_token")
    assert refused.headers["cache-control"] == PRIVATE
    assert refused.headers["x-content-type-options"] == "nosniff"


async def test_cache_control_a_route_sets_is_kept(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/api-keys",
        json={"name": "Career portal", "scopes": ["people:read"]},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    assert created.headers.get_list("cache-control") == ["no-store"]
    assert created.headers["x-content-type-options"] == "nosniff"
    token = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": owner.email, "password": owner.password},
    )
    assert token.status_code == 200, token.text
    assert token.headers.get_list("cache-control") == ["no-store"]


async def test_anonymous_responses_are_not_sniffed_and_no_response_names_the_server(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for response in (
        await client.get("/healthz"),
        await client.get("/v1/nowhere"),
        await client.get("/openapi.json"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "cache-control" not in response.headers
        assert "server" not in response.headers
    for mode in SERVING_MODES:
        added = dict(served(app, mode).encoded_headers)
        assert b"server" not in added, mode


# --- documentation ------------------------------------------------------------------------

DOCUMENTATION = (
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
    "/static-offline-docs/swagger-ui.css",
)


async def test_documentation_can_be_turned_off() -> None:
    app = create_app(Settings(public_docs=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as client:
        for path in DOCUMENTATION:
            assert_problem(await client.get(path), 404, "not_found")
    # The committed document is still generated from the app (`make openapi`).
    assert "/v1/me" in app.openapi()["paths"]


async def test_documentation_is_public_by_default_outside_production(
    client: httpx.AsyncClient,
) -> None:
    for path in DOCUMENTATION:
        assert (await client.get(path)).status_code == 200, path
    key = SecretStr(secrets.token_urlsafe(48))
    assert Settings(env="development").public_docs is True
    assert Settings(env="production", secret_key=key).public_docs is False
    assert Settings(env="production", secret_key=key, public_docs=True).public_docs is True


# --- the production secret ----------------------------------------------------------------

WEAK_SECRETS = [
    "short-but-random-Xq9",
    "k" * 64,
    "password" * 4,
    "changeme-changeme-changeme-changeme",
]


def test_production_refuses_short_or_low_entropy_secrets_only() -> None:
    for weak in WEAK_SECRETS:
        with pytest.raises(RuntimeError, match="RAPPORT_SECRET_KEY") as refused:
            create_app(Settings(env="production", secret_key=SecretStr(weak)))
        assert weak not in str(refused.value)
        # Outside production any key will do (tests, development).
        assert Settings(env="development", secret_key=SecretStr(weak)).signing_key() == weak
    for key in (secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)):
        assert Settings(env="production", secret_key=SecretStr(key)).signing_key() == key


# --- request bodies -------------------------------------------------------------------------

PLACEHOLDER_ID = "wsp_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"
UNREADABLE_BODIES = [
    (b'{"name": ', "application/json"),
    (b"\xff\xfe{}", "application/json"),
    (b"[]", "application/json"),
    (b'{"name": "Ada"}', "text/plain"),
]


def _protected_body_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if operation.get("security") and "requestBody" in operation:
                routes.append((method.upper(), path))
    return routes


async def test_no_credential_is_401_whatever_the_body(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    routes = _protected_body_routes(app)
    assert len(routes) > 20
    for method, template in routes:
        path = template
        while "{" in path:
            start = path.index("{")
            path = path[:start] + PLACEHOLDER_ID + path[path.index("}", start) + 1 :]
        for content, media_type in UNREADABLE_BODIES:
            for credential in ({}, bearer("not-a-token")):
                headers = {"Content-Type": media_type, **credential}
                response = await client.request(method, path, content=content, headers=headers)
                assert response.status_code == 401, (method, template, content, response.text)
                assert response.headers["content-type"] == "application/problem+json"


async def test_json_routes_refuse_other_media_types_after_authentication(
    client: httpx.AsyncClient, owner: Account
) -> None:
    ws = f"/v1/workspaces/{owner.workspace_id}"
    viewer = await add_member(client, owner, "viewer")
    json_text = b'{"given_name": "Ada"}'
    for media_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        headers = {**owner.headers, "Content-Type": media_type}
        body = assert_problem(
            await client.post(f"{ws}/people", content=json_text, headers=headers),
            415,
            "unsupported_media_type",
        )
        assert "Ada" not in body["detail"]
        # Authorisation comes first: a viewer may not create people, whatever the body.
        refused = await client.post(
            f"{ws}/people",
            content=json_text,
            headers={**viewer.headers, "Content-Type": media_type},
        )
        assert_problem(refused, 403, "forbidden")
    renamed = await client.patch(
        ws, content=b'{"name": "Renamed"}', headers={**owner.headers, "Content-Type": "text/plain"}
    )
    assert_problem(renamed, 415, "unsupported_media_type")
    assert (await client.get(f"{ws}/people", headers=owner.headers)).json()["data"] == []
    assert (await client.get(ws, headers=owner.headers)).json()["name"] != "Renamed"
    # The OAuth2 endpoints keep taking forms.
    token = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": owner.email, "password": owner.password},
    )
    assert token.status_code == 200, token.text


# --- what a failing statement gives away --------------------------------------------------

SECRET_VALUE = "secret-value-" + secrets.token_hex(4)
# Statements that fail with a driver error naming the value sent: on SQLite SQLAlchemy prints
# the parameters; on PostgreSQL asyncpg quotes a value it cannot encode, and PostgreSQL quotes
# a value it cannot read.
FAILING = {
    "sqlite": {
        "missing table": (
            "SELECT value FROM no_such_table WHERE value = :secret",
            "OperationalError",
        )
    },
    "postgresql": {
        "encoding": ("SELECT CAST(:secret AS integer)", "DataError"),
        "server": (
            "SELECT CAST(CAST(:secret AS text) AS integer)",
            "InvalidTextRepresentationError",
        ),
    },
}


@contextmanager
def json_log() -> Iterator[io.StringIO]:
    """The `rapport` logs, as the app writes them to stdout, for the duration."""
    logger = logging.getLogger("rapport")
    previous = list(logger.handlers)
    stream = io.StringIO()
    logger.handlers[:] = [JsonLineHandler(stream)]
    try:
        yield stream
    finally:
        logger.handlers[:] = previous


@pytest.fixture
async def failing_app() -> AsyncIterator[FastAPI]:
    """The app with two routes for these tests only: one statement that fails, and two
    inserts of the same key (the second breaks the primary key), with the client's value."""
    app = create_app(Settings())
    routes = APIRouter()

    @routes.post("/test/fail/{kind}")
    async def fail(kind: str, db: ReadDb) -> None:
        statement, _ = FAILING[db.dialect_name][kind]
        await db.scalar(text(statement), {"secret": SECRET_VALUE})

    @routes.post("/test/conflict")
    async def conflict(db: WriteDb) -> None:
        row = {"key": SECRET_VALUE, "window_started_at": utcnow(), "failures": 1}
        await db.execute(insert(login_throttles).values(**row))
        await db.execute(insert(login_throttles).values(**row))

    app.include_router(routes)
    async with app.router.lifespan_context(app):
        yield app


async def test_failing_statements_repeat_no_values_in_logs_or_responses(
    failing_app: FastAPI,
) -> None:
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    database = failing_app.state.database
    async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as client:
        for kind, (_, error_class) in FAILING[database.dialect_name].items():
            with json_log() as log:
                response = await client.post(f"/test/fail/{kind}")
            assert_problem(response, 500, "internal_error")
            assert SECRET_VALUE not in response.text
            lines = [orjson.loads(line) for line in log.getvalue().splitlines()]
            (error,) = [line for line in lines if "trace" in line]
            assert error["request_id"] == response.headers["x-request-id"]
            assert "Traceback" in error["trace"]
            assert error_class in error["trace"], error["trace"]
            assert SECRET_VALUE not in log.getvalue(), (kind, error["trace"])

        with json_log() as log:
            response = await client.post("/test/conflict")
        body = assert_problem(response, 409, "conflict")
        assert SECRET_VALUE not in response.text
        assert SECRET_VALUE not in log.getvalue()
        assert body["detail"] == "The change conflicts with existing data."
    stored = await database.reader().all(
        select(login_throttles).where(login_throttles.c.key == SECRET_VALUE)
    )
    assert stored == []

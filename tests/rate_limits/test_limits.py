"""Rate limits (issue 21), through an app of their own at small quotas: per API key, per user
(every token of theirs together), per client address for requests without a credential and for
refused credentials; the RateLimit header fields on every response; 429 `rate_limited` with
`Retry-After`; and, without their storage, requests let through."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import (
    PASSWORD,
    Account,
    assert_problem,
    bearer,
    client_for,
    create_api_key,
)
from tests.servers import free_port

KEY, USER, ADDRESS = 3, 4, 5


def limited_settings(**overrides: Any) -> Settings:
    return Settings(
        rate_limit_api_key=f"{KEY}/minute",
        rate_limit_user=f"{USER}/minute",
        rate_limit_address=f"{ADDRESS}/minute",
        **overrides,
    )


@pytest.fixture
async def limited() -> AsyncIterator[Any]:
    """An app on the suite's database whose quotas are a few requests a minute."""
    application = create_app(limited_settings())
    async with application.router.lifespan_context(application):
        yield application


def fields(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """`RateLimit`'s policy name and parameters (draft-ietf-httpapi-ratelimit-headers-09)."""
    name, *parameters = response.headers["ratelimit"].split(";")
    return name, dict(p.split("=") for p in parameters)


def remaining(response: httpx.Response) -> int:
    return int(fields(response)[1]["r"])


async def test_an_api_key_has_its_quota_then_429(
    client: httpx.AsyncClient, owner: Account, limited: Any
) -> None:
    key = await create_api_key(client, owner, ["people:read"])
    other = await create_api_key(client, owner, ["people:read"])
    url = f"/v1/workspaces/{owner.workspace_id}/people"
    async with client_for(limited) as c:
        answers = [await c.get(url, headers=bearer(key["secret"])) for _ in range(KEY)]
        assert [a.status_code for a in answers] == [200] * KEY
        for answer in answers:
            assert answer.headers["ratelimit-policy"] == f'"api-key";q={KEY};w=60'
        assert [remaining(a) for a in answers] == [KEY - 1 - n for n in range(KEY)]
        reset = int(fields(answers[-1])[1]["t"])
        assert 1 <= reset <= 60
        refused = await c.get(url, headers=bearer(key["secret"]))
        body = assert_problem(refused, 429, "rate_limited")
        assert "3 requests per 60 seconds" in body["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert remaining(refused) == 0
        # Another key has a quota of its own.
        fine = await c.get(url, headers=bearer(other["secret"]))
        assert fine.status_code == 200
        assert remaining(fine) == KEY - 1


async def test_a_user_is_limited_across_their_tokens(
    client: httpx.AsyncClient, owner: Account, limited: Any
) -> None:
    second = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": owner.email, "password": PASSWORD},
    )
    tokens = [owner.access_token, second.json()["access_token"]]
    async with client_for(limited) as c:
        answers = [await c.get("/v1/me", headers=bearer(tokens[n % 2])) for n in range(USER)]
        assert [a.status_code for a in answers] == [200] * USER
        assert answers[0].headers["ratelimit-policy"] == f'"user";q={USER};w=60'
        assert [remaining(a) for a in answers] == [USER - 1 - n for n in range(USER)]
        assert_problem(await c.get("/v1/me", headers=bearer(tokens[0])), 429, "rate_limited")
        assert_problem(await c.get("/v1/me", headers=bearer(tokens[1])), 429, "rate_limited")


async def test_requests_without_a_credential_count_per_client_address(limited: Any) -> None:
    async with (
        client_for(limited, "2001:db8:aa:1::1") as first,
        client_for(limited, "2001:db8:aa:1::2") as same_network,
        client_for(limited, "192.0.2.7") as elsewhere,
    ):
        answers = [await first.get("/healthz") for _ in range(ADDRESS - 1)]
        answers.append(await same_network.get("/healthz"))
        assert [a.status_code for a in answers] == [200] * ADDRESS
        assert answers[0].headers["ratelimit-policy"] == f'"address";q={ADDRESS};w=60'
        assert [remaining(a) for a in answers] == [ADDRESS - 1 - n for n in range(ADDRESS)]
        # The /64 is one client: the next request from any of its addresses is refused, before
        # it runs (a sign-up is not attempted).
        refused = await same_network.post(
            "/v1/auth/signup",
            json={"email": "limited@example.com", "password": PASSWORD, "name": "L"},
        )
        assert_problem(refused, 429, "rate_limited")
        assert remaining(refused) == 0
        assert int(refused.headers["retry-after"]) >= 1
        assert (await elsewhere.get("/healthz")).status_code == 200
    async with client_for(limited) as c:
        login = await c.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": "limited@example.com", "password": "x"},
        )
        assert login.status_code == 400  # no such account: the sign-up above never ran


async def test_refused_tokens_count_against_the_address_and_meet_a_429(limited: Any) -> None:
    async with client_for(limited, "198.51.100.9") as c:
        wrong = bearer("rk_live_" + "0" * 40)
        answers = [await c.get("/v1/me", headers=wrong) for _ in range(ADDRESS)]
        assert [a.status_code for a in answers] == [401] * ADDRESS
        assert [remaining(a) for a in answers] == [ADDRESS - 1 - n for n in range(ADDRESS)]
        assert answers[0].headers["ratelimit-policy"] == f'"address";q={ADDRESS};w=60'
        assert_problem(await c.get("/v1/me", headers=wrong), 429, "rate_limited")


async def test_every_response_carries_the_fields(
    client: httpx.AsyncClient, owner: Account, limited: Any
) -> None:
    """Successes, problems, a 304, a HEAD, unknown paths and the probes: each with both fields."""
    person = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/people",
        json={"family_name": "Fields"},
        headers=owner.headers,
    )
    item = f"/v1/workspaces/{owner.workspace_id}/people/{person.json()['id']}"
    wide = create_app(Settings())  # the suite's quotas: room for every request below
    async with wide.router.lifespan_context(wide), client_for(wide) as c:
        answers = [
            await c.get(item, headers=owner.headers),
            await c.get(item, headers={**owner.headers, "If-None-Match": person.headers["etag"]}),
            await c.head(item, headers=owner.headers),
            await c.patch(item, json={"notes": "x"}, headers=owner.headers),
            await c.post(item, headers=owner.headers),
            await c.get(f"{item}x", headers=owner.headers),
            await c.get("/v1/nowhere", headers=owner.headers),
            await c.get("/v1/nowhere"),
            await c.get(
                f"/v1/workspaces/{owner.workspace_id}/people?limit=0", headers=owner.headers
            ),
            await c.get("/healthz"),
            await c.get("/readyz"),
            await c.get("/openapi.json"),
        ]
    statuses = [a.status_code for a in answers]
    assert statuses == [200, 304, 200, 200, 405, 404, 404, 404, 422, 200, 200, 200]
    for answer in answers:
        assert "ratelimit" in answer.headers, answer.request.url
        assert answer.headers["ratelimit-policy"].startswith(('"user";', '"address";'))


async def test_without_its_storage_the_api_lets_requests_through(
    client: httpx.AsyncClient, owner: Account
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    application = create_app(limited_settings(rate_limit_storage=nowhere))
    async with application.router.lifespan_context(application), client_for(application) as c:
        answers = [await c.get("/v1/me", headers=owner.headers) for _ in range(USER + 2)]
    assert [a.status_code for a in answers] == [200] * (USER + 2)
    assert all("ratelimit" not in a.headers for a in answers)


def test_a_setting_is_one_limit_and_a_known_storage() -> None:
    with pytest.raises(ValueError, match="one limit"):
        Settings(rate_limit_user="10/minute;100/hour")
    with pytest.raises(ValueError, match="rate_limit_api_key"):
        Settings(rate_limit_api_key="often")
    with pytest.raises(ValueError, match="memory:// or redis://"):
        Settings(rate_limit_storage="memcached://localhost")
    assert Settings(rate_limit_storage="redis://localhost:6379/0").rate_limit_storage


def test_the_document_declares_the_limit_on_every_operation(app: Any) -> None:
    document = app.openapi()
    assert set(document["components"]["headers"]) == {"RateLimit", "RateLimit-Policy"}
    operations = 0
    for item in document["paths"].values():
        for operation in item.values():
            responses = operation["responses"]
            assert "rate_limited" in responses["429"]["description"]
            assert "Retry-After" in responses["429"]["headers"]
            for response in responses.values():
                assert {"RateLimit", "RateLimit-Policy"} <= set(response["headers"])
            operations += 1
    assert operations > 100

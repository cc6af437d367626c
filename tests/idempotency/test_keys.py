"""Idempotency keys through the HTTP API (issue 21), on the suite's database: a keyed POST has its
effect once and its retry gets the first answer again; the same key for another request, another
credential's or another workspace's keys, bad keys, failed requests, expiry, kept secrets."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from app.core.db import Database, utcnow
from app.core.settings import Settings
from app.idempotency.models import idempotency_keys
from app.idempotency.service import Sealer, keep_purging, purge_expired
from app.main import create_app
from app.people.models import people
from app.workspaces.models import workspaces
from tests.conftest import Account, add_member, assert_problem, bearer, create_api_key, signup


def keyed(account: Account, key: str) -> dict[str, str]:
    return {**account.headers, "Idempotency-Key": key}


def people_url(account: Account) -> str:
    return f"/v1/workspaces/{account.workspace_id}/people"


async def count_people(database: Database, workspace_id: str, family_name: str) -> int:
    found = await database.reader().scalar(
        select(func.count())
        .select_from(people)
        .where(people.c.workspace_id == workspace_id, people.c.family_name == family_name)
    )
    return int(found)


async def test_a_retry_gets_the_first_answer_and_creates_nothing_more(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    body = {"given_name": "Ada", "family_name": "Once", "tags": ["a", "b"]}
    first = await client.post(people_url(owner), json=body, headers=keyed(owner, "k-1"))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    # The same JSON value, written with other spacing and member order.
    again = await client.post(
        people_url(owner),
        content=b'{ "tags": ["a","b"], "family_name": "Once",  "given_name": "Ada" }',
        headers={**keyed(owner, "k-1"), "Content-Type": "application/json"},
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    for name in ("location", "etag", "content-type", "content-length"):
        assert again.headers[name] == first.headers[name]
    # Each answer is still a response of its own: its own request id.
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert await count_people(database, owner.workspace_id, "Once") == 1


async def test_the_same_key_for_another_request_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    made = await client.post(
        people_url(owner), json={"family_name": "Reused"}, headers=keyed(owner, "k-2")
    )
    assert made.status_code == 201
    ws = f"/v1/workspaces/{owner.workspace_id}"
    others = [
        (people_url(owner), {"family_name": "Reused", "given_name": "Other"}),
        (f"{ws}/organisations", {"name": "Reused"}),
    ]
    for url, body in others:
        refused = await client.post(url, json=body, headers=keyed(owner, "k-2"))
        assert_problem(refused, 422, "idempotency_key_reused")
    assert await count_people(database, owner.workspace_id, "Reused") == 1
    organisations = await client.get(f"{ws}/organisations", headers=owner.headers)
    assert [o["name"] for o in organisations.json()["data"]] == []


async def test_keys_belong_to_one_credential_in_one_workspace(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    editor = await add_member(client, owner, "editor")
    key = await create_api_key(client, owner, ["people:write", "people:read"])
    api_key = {**bearer(key["secret"]), "Idempotency-Key": "shared"}
    body = {"family_name": "Shared"}
    answers = [
        await client.post(people_url(owner), json=body, headers=keyed(owner, "shared")),
        await client.post(people_url(owner), json=body, headers=keyed(editor, "shared")),
        await client.post(people_url(owner), json=body, headers=api_key),
        # The editor's own workspace: another scope for the same user and key.
        await client.post(people_url(editor), json=body, headers=keyed(editor, "shared")),
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 201]
    assert all("idempotent-replayed" not in a.headers for a in answers)
    assert len({a.json()["id"] for a in answers}) == 4
    assert await count_people(database, owner.workspace_id, "Shared") == 3
    assert await count_people(database, editor.workspace_id, "Shared") == 1


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "string_too_short"),
        ("k" * 256, "string_too_long"),
        ("tab\there", "string_pattern_mismatch"),
        ("\x7f", "string_pattern_mismatch"),
        ("caf\u00e9", "string_pattern_mismatch"),
    ],
)
async def test_a_malformed_key_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database, key: str, why: str
) -> None:
    response = await client.post(
        people_url(owner),
        json={"family_name": "Malformed"},
        headers=[
            (b"Authorization", owner.headers["Authorization"].encode()),
            (b"Idempotency-Key", key.encode("latin-1")),
        ],
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["parameter"] == "Idempotency-Key"
    assert body["errors"][0]["code"] == why
    assert await count_people(database, owner.workspace_id, "Malformed") == 0


async def test_the_longest_printable_key_is_taken(
    client: httpx.AsyncClient, owner: Account
) -> None:
    # Printable ASCII, a space inside, none first or last.
    key = "".join(chr(33 + n % 94) for n in range(254)).replace("A", " ") + "~"
    assert len(key) == 255
    first = await client.post(
        people_url(owner), json={"family_name": "L"}, headers=keyed(owner, key)
    )
    again = await client.post(
        people_url(owner), json={"family_name": "L"}, headers=keyed(owner, key)
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"


async def test_a_failed_request_keeps_nothing_and_its_retry_runs(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    ws = f"/v1/workspaces/{owner.workspace_id}"
    missing = "per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"
    failed = await client.post(
        f"{ws}/interviews", json={"person_id": missing}, headers=keyed(owner, "k-3")
    )
    assert_problem(failed, 422, "validation_failed")
    # The same request again runs again (and fails again: nothing was kept to replay).
    again = await client.post(
        f"{ws}/interviews", json={"person_id": missing}, headers=keyed(owner, "k-3")
    )
    assert again.status_code == 422
    assert "idempotent-replayed" not in again.headers
    # Nothing kept, so the key is free for the corrected request.
    person = await client.post(
        people_url(owner), json={"family_name": "Later"}, headers=owner.headers
    )
    fixed = await client.post(
        f"{ws}/interviews", json={"person_id": person.json()["id"]}, headers=keyed(owner, "k-3")
    )
    assert fixed.status_code == 201, fixed.text
    kept = await database.reader().scalar(
        select(func.count()).select_from(idempotency_keys).where(idempotency_keys.c.key == "k-3")
    )
    assert kept == 1


async def test_an_action_is_replayed_not_repeated(
    client: httpx.AsyncClient, owner: Account
) -> None:
    ws = f"/v1/workspaces/{owner.workspace_id}"
    person = await client.post(
        people_url(owner), json={"family_name": "Act"}, headers=owner.headers
    )
    interview = await client.post(
        f"{ws}/interviews", json={"person_id": person.json()["id"]}, headers=owner.headers
    )
    url = f"{ws}/interviews/{interview.json()['id']}/schedule"
    body = {"scheduled_at": "2031-05-01T09:00:00Z"}
    first = await client.post(url, json=body, headers=keyed(owner, "k-4"))
    assert first.status_code == 200, first.text
    # Run again, the action would be a 409 (a scheduled interview is rescheduled, not scheduled).
    unkeyed = await client.post(url, json=body, headers=owner.headers)
    assert_problem(unkeyed, 409, "invalid_transition")
    replayed = await client.post(url, json=body, headers=keyed(owner, "k-4"))
    assert replayed.status_code == 200
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.content == first.content


async def test_an_api_key_secret_is_replayed_but_never_stored_in_the_clear(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}/api-keys"
    body = {"name": "retried", "scopes": ["people:read"]}
    first = await client.post(url, json=body, headers=keyed(owner, "k-5"))
    again = await client.post(url, json=body, headers=keyed(owner, "k-5"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["secret"] == first.json()["secret"]
    listed = await client.get(url, headers=owner.headers)
    assert [k["name"] for k in listed.json()["data"]].count("retried") == 1
    stored = await database.reader().scalar(
        select(idempotency_keys.c.response).where(idempotency_keys.c.key == "k-5")
    )
    secret = first.json()["secret"].encode()
    assert stored is not None
    assert secret not in bytes(stored)
    assert first.json()["id"].encode() not in bytes(stored)


async def test_a_204_is_replayed_without_a_body(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    first = await client.post("/v1/me/sign-out-everywhere", headers=keyed(account, "k-6"))
    assert first.status_code == 204
    # Signing out everywhere ended the session of `account`'s token: the retry comes with a
    # token of a new sign-in, the same user (the key is the user's, not the token's).
    token = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": account.email, "password": account.password},
    )
    fresh = Account(
        account.user_id,
        account.email,
        account.workspace_id,
        token.json()["access_token"],
        token.json()["refresh_token"],
    )
    again = await client.post("/v1/me/sign-out-everywhere", headers=keyed(fresh, "k-6"))
    assert again.status_code == 204
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == b""
    assert "content-length" not in again.headers or again.headers["content-length"] == "0"


async def test_an_expired_key_runs_again_and_expired_keys_are_purged(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    body = {"family_name": "Expired"}
    await client.post(people_url(owner), json=body, headers=keyed(owner, "k-7"))
    await client.post(people_url(owner), json=body, headers=keyed(owner, "k-8"))
    await expire(database, ["k-7", "k-8"])
    again = await client.post(people_url(owner), json=body, headers=keyed(owner, "k-7"))
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await count_people(database, owner.workspace_id, "Expired") == 3
    # k-7 is kept anew, for 24 hours; k-8 waits for the purge, which takes expired keys only.
    assert await kept(database, ["k-7", "k-8"]) == ["k-7", "k-8"]
    async with database.transaction() as db:
        purged = await purge_expired(db, now=utcnow())
    assert purged >= 1
    rows = await database.reader().all(
        select(
            idempotency_keys.c.key, idempotency_keys.c.created_at, idempotency_keys.c.expires_at
        ).where(idempotency_keys.c.key.in_(["k-7", "k-8"]))
    )
    assert [r["key"] for r in rows] == ["k-7"]
    assert rows[0]["expires_at"] - rows[0]["created_at"] == timedelta(hours=24)


async def test_a_purge_takes_a_batch_at_a_time(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    names = [f"batch-{n}" for n in range(3)]
    for name in names:
        await client.post(people_url(owner), json={"family_name": name}, headers=keyed(owner, name))
    await expire(database, names)
    async with database.transaction() as db:
        assert await purge_expired(db, now=utcnow(), limit=2) == 2
    assert len(await kept(database, names)) == 1


async def test_each_process_purges_expired_keys_when_it_starts(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    await client.post(people_url(owner), json={"family_name": "P"}, headers=keyed(owner, "k-13"))
    await expire(database, ["k-13"])
    started = create_app(Settings())
    async with started.router.lifespan_context(started):
        for _ in range(100):
            if not await kept(database, ["k-13"]):
                break
            await asyncio.sleep(0.02)
    assert await kept(database, ["k-13"]) == []


async def expire(database: Database, keys: list[str]) -> None:
    async with database.transaction() as db:
        await db.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.key.in_(keys))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


async def kept(database: Database, keys: list[str]) -> list[str]:
    rows = await database.reader().all(
        select(idempotency_keys.c.key)
        .where(idempotency_keys.c.key.in_(keys))
        .order_by(idempotency_keys.c.key)
    )
    return [r["key"] for r in rows]


async def test_an_answer_sealed_under_another_secret_is_a_409(
    app: Any, client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    body = {"family_name": "Sealed"}
    await client.post(people_url(owner), json=body, headers=keyed(owner, "k-9"))
    kept = app.state.idempotency_sealer
    app.state.idempotency_sealer = Sealer("another secret")
    try:
        again = await client.post(people_url(owner), json=body, headers=keyed(owner, "k-9"))
    finally:
        app.state.idempotency_sealer = kept
    assert_problem(again, 409, "idempotency_key_unusable")
    assert await count_people(database, owner.workspace_id, "Sealed") == 1


async def test_auth_routes_take_no_key(client: httpx.AsyncClient, app: Any) -> None:
    """Sign-up, token and revoke have no credential to keep a key for: the document does not
    offer the header there, and a retried sign-up is the usual 409."""
    document = app.openapi()
    for path in ("/v1/auth/signup", "/v1/auth/token", "/v1/auth/revoke"):
        parameters = document["paths"][path]["post"].get("parameters", [])
        assert "Idempotency-Key" not in [p["name"] for p in parameters]
    account = await signup(client)
    retried = await client.post(
        "/v1/auth/signup",
        json={"email": account.email, "password": account.password, "name": "Ada"},
        headers={"Idempotency-Key": "k-10"},
    )
    assert_problem(retried, 409, "email_taken")


async def test_every_other_post_offers_the_key_and_documents_its_answers(app: Any) -> None:
    document = app.openapi()
    checked = 0
    for path, operations in document["paths"].items():
        operation = operations.get("post")
        if operation is None or path.startswith("/v1/auth/"):
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        responses = operation["responses"]
        assert "idempotency_request_in_progress" in responses["409"]["description"], path
        assert "idempotency_key_reused" in responses["422"]["description"], path
        success = next(code for code in responses if code.startswith("2"))
        assert "Idempotent-Replayed" in responses[success]["headers"], path
        checked += 1
    assert checked > 40


async def test_a_workspace_deleted_takes_its_keys(
    client: httpx.AsyncClient, database: Database
) -> None:
    """No route deletes a workspace yet; an operator's delete (or a future route's) takes the
    workspace's kept answers with it, and leaves the user's answers made outside any."""
    account = await signup(client)
    made = await client.post(
        "/v1/workspaces", json={"name": "Short-lived"}, headers=keyed(account, "k-11")
    )
    assert made.status_code == 201, made.text
    workspace_id = made.json()["id"]
    person = await client.post(
        f"/v1/workspaces/{workspace_id}/people",
        json={"family_name": "Gone"},
        headers=keyed(account, "k-12"),
    )
    assert person.status_code == 201, person.text
    async with database.transaction() as db:
        await db.execute(delete(workspaces).where(workspaces.c.id == workspace_id))
    left = await database.reader().all(
        select(idempotency_keys.c.key).where(idempotency_keys.c.credential_id == account.user_id)
    )
    assert [r["key"] for r in left] == ["k-11"]


async def test_the_purge_task_stops_when_cancelled_mid_statement() -> None:
    """Cancelled while a statement runs (the app stopping), the purge task ends, even when the
    database layer answers the cancellation with an error of its own (SQLite's rollback of a
    statement cut short fails): it once took that for a failed purge and slept on, and the app
    waited for it to stop."""

    class Slow:
        async def execute(self, *args: object) -> int:
            await asyncio.sleep(60)
            return 0

    class Cut:
        """A transaction whose statement waits, and whose end fails once it is cancelled."""

        async def __aenter__(self) -> Slow:
            return Slow()

        async def __aexit__(self, *exc: object) -> None:
            raise RuntimeError("Can't reconnect until invalid transaction is rolled back.")

    class Stuck:
        def transaction(self) -> Cut:
            return Cut()

    task = asyncio.create_task(keep_purging(Stuck(), every_seconds=60))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=2)

"""Keys and ex-members that could be turned against a workspace (issue 18, findings 2-5), each
attack replayed over HTTP, across two app instances where it needs two."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from app.api_keys.models import api_keys
from app.auth import caller as caller_module
from app.auth.scopes import KEY_SCOPES
from app.core import ids
from app.core.db import Database, utcnow
from app.core.security import digest, new_token
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import (
    Account,
    add_member,
    alembic,
    assert_problem,
    bearer,
    client_for,
    create_api_key,
    signup,
)
from tests.core import test_migrations

TTL = 1.0
scratch_url = test_migrations.scratch_url  # an empty database of the kind under test


@pytest.fixture
async def two_processes() -> AsyncIterator[list[tuple[Any, httpx.AsyncClient]]]:
    """Two app instances on one database, each with its own caller cache (TTL 1 s)."""
    async with AsyncExitStack() as stack:
        pairs = []
        for _ in range(2):
            app = create_app(Settings(auth_cache_seconds=TTL))
            await stack.enter_async_context(app.router.lifespan_context(app))
            pairs.append((app, await stack.enter_async_context(client_for(app))))
        yield pairs


def workspace_url(account: Account, suffix: str = "") -> str:
    return f"/v1/workspaces/{account.workspace_id}{suffix}"


async def member_roles(client: httpx.AsyncClient, owner: Account) -> dict[str, str]:
    response = await client.get(workspace_url(owner, "/members"), headers=owner.headers)
    assert response.status_code == 200, response.text
    return {m["user_id"]: m["role"] for m in response.json()["data"]}


async def invited_emails(client: httpx.AsyncClient, owner: Account) -> list[str]:
    response = await client.get(workspace_url(owner, "/invitations"), headers=owner.headers)
    assert response.status_code == 200, response.text
    return [i["email"] for i in response.json()["data"]]


async def key_by(
    client: httpx.AsyncClient, creator: Account, owner: Account, scopes: list[str]
) -> dict[str, Any]:
    """An API key that `creator` makes in `owner`'s workspace."""
    response = await client.post(
        workspace_url(owner, "/api-keys"),
        json={"name": "co-owner's", "scopes": scopes},
        headers=creator.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def key_row(database: Database, key_id: str) -> dict[str, Any]:
    row = await database.reader().one(select(*api_keys.c).where(api_keys.c.id == key_id))
    return dict(row)


# --- finding 2: no key manages members or keys ----------------------------------------------------


async def test_a_key_cannot_be_given_members_write(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    response = await client.post(
        workspace_url(owner, "/api-keys"),
        json={"name": "takeover", "scopes": ["people:read", "members:write"]},
        headers=owner.headers,
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["pointer"] == "/scopes/1"
    keys = await client.get(workspace_url(owner, "/api-keys"), headers=owner.headers)
    assert keys.json()["data"] == []


async def test_a_key_with_every_scope_cannot_touch_memberships_or_keys(
    client: httpx.AsyncClient, owner: Account
) -> None:
    outsider = await signup(client, name="Outsider")
    coach = await add_member(client, owner, "editor")
    key = await create_api_key(client, owner, sorted(KEY_SCOPES))
    headers = bearer(key["secret"])
    before = await member_roles(client, owner)
    owner_member = next(
        m["id"]
        for m in (await client.get(workspace_url(owner, "/members"), headers=owner.headers)).json()[
            "data"
        ]
        if m["user_id"] == owner.user_id
    )
    attempts = (
        ("POST", "/invitations", {"email": outsider.email, "role": "owner"}),
        ("PATCH", f"/members/{owner_member}", {"role": "viewer"}),
        ("PATCH", f"/members/{coach.extra['member_id']}", {"role": "owner"}),
        ("DELETE", f"/members/{coach.extra['member_id']}", None),
        ("POST", "/api-keys", {"name": "child", "scopes": ["people:read"]}),
        ("POST", f"/api-keys/{key['id']}/revoke", None),
    )
    for method, suffix, body in attempts:
        response = await client.request(
            method, workspace_url(owner, suffix), json=body, headers=headers
        )
        assert_problem(response, 403, "user_token_required")
    assert await member_roles(client, owner) == before
    assert outsider.email not in await invited_emails(client, owner)
    listed = (await client.get(workspace_url(owner, "/api-keys"), headers=owner.headers)).json()
    assert [k["id"] for k in listed["data"]] == [key["id"]]
    # Reading members stays possible.
    assert (await client.get(workspace_url(owner, "/members"), headers=headers)).status_code == 200


async def test_a_stored_key_holding_members_write_does_not_get_it(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """A key written before the scope was withdrawn (the migration removes it; this is the
    belt to its braces): the scope is not honoured."""
    outsider = await signup(client, name="Outsider")
    secret = new_token(caller_module.API_KEY_PREFIX)
    now = utcnow()
    async with database.transaction() as db:
        await db.execute(
            insert(api_keys).values(
                id=ids.new_id("key"),
                workspace_id=owner.workspace_id,
                name="legacy",
                prefix=secret[:12],
                last_four=secret[-4:],
                secret_hash=digest(secret),
                scopes=["members:write", "members:read"],
                created_by=owner.user_id,
                created_at=now,
                updated_at=now,
            )
        )
    response = await client.post(
        workspace_url(owner, "/invitations"),
        json={"email": outsider.email, "role": "owner"},
        headers=bearer(secret),
    )
    assert_problem(response, 403, "user_token_required")
    assert outsider.user_id not in await member_roles(client, owner)
    assert await invited_emails(client, owner) == []


# --- finding 3: a key never grants more than its creator may do now -----------------------------


async def test_removing_a_member_disables_their_keys_here_at_once_and_elsewhere_within_the_bound(
    two_processes: list[tuple[Any, httpx.AsyncClient]], database: Database
) -> None:
    (_, here), (_, elsewhere) = two_processes
    owner = await signup(here)
    co_owner = await add_member(here, owner, "owner")
    key = await key_by(here, co_owner, owner, ["workspaces:write", "people:write"])
    headers = bearer(key["secret"])
    for client in (here, elsewhere):  # both processes trust the key now
        assert (await client.get(workspace_url(owner, "/people"), headers=headers)).is_success

    removed = await here.delete(
        workspace_url(owner, f"/members/{co_owner.extra['member_id']}"), headers=owner.headers
    )
    assert removed.status_code == 204

    assert_problem(
        await here.get(workspace_url(owner, "/people"), headers=headers), 401, "invalid_token"
    )
    assert (await key_row(database, key["id"]))["revoked_at"] is not None
    await asyncio.sleep(TTL + 0.2)
    assert_problem(
        await elsewhere.get(workspace_url(owner, "/people"), headers=headers), 401, "invalid_token"
    )
    # Re-adding the person does not bring their old key back.
    again = await here.post(
        workspace_url(owner, "/invitations"),
        json={"email": co_owner.email, "role": "owner"},
        headers=owner.headers,
    )
    assert again.status_code == 201, again.text
    accepted = await here.post(
        f"/v1/me/invitations/{again.json()['id']}/accept", headers=co_owner.headers
    )
    assert accepted.status_code == 201, accepted.text
    assert_problem(
        await here.get(workspace_url(owner, "/people"), headers=headers), 401, "invalid_token"
    )


async def test_a_demotion_clamps_the_creators_keys_to_the_new_role(
    two_processes: list[tuple[Any, httpx.AsyncClient]],
) -> None:
    (_, here), (_, elsewhere) = two_processes
    owner = await signup(here)
    co_owner = await add_member(here, owner, "owner")
    key = await key_by(here, co_owner, owner, ["workspaces:write", "people:write"])
    headers = bearer(key["secret"])
    person = {"display_name": "Grace"}
    for client in (here, elsewhere):
        assert (await client.get(workspace_url(owner, "/people"), headers=headers)).is_success

    demoted = await here.patch(
        workspace_url(owner, f"/members/{co_owner.extra['member_id']}"),
        json={"role": "viewer"},
        headers=owner.headers,
    )
    assert demoted.status_code == 200, demoted.text

    await asyncio.sleep(TTL + 0.2)  # the bound for the other process
    for client in (here, elsewhere):
        create = await client.post(workspace_url(owner, "/people"), json=person, headers=headers)
        assert assert_problem(create, 403, "insufficient_scope")["scope"] == "people:write"
        rename = await client.patch(workspace_url(owner), json={"name": "x"}, headers=headers)
        assert_problem(rename, 403, "insufficient_scope")
        # What a viewer may do, the key still may.
        assert (await client.get(workspace_url(owner, "/people"), headers=headers)).is_success
    people = await here.get(workspace_url(owner, "/people"), headers=owner.headers)
    assert people.json()["data"] == []


async def test_a_demotion_applies_to_the_creators_keys_at_once_in_the_process_that_made_it(
    two_processes: list[tuple[Any, httpx.AsyncClient]],
) -> None:
    (_, here), _ = two_processes
    owner = await signup(here)
    co_owner = await add_member(here, owner, "owner")
    key = await key_by(here, co_owner, owner, ["people:write"])
    headers = bearer(key["secret"])
    assert (await here.get(workspace_url(owner, "/people"), headers=headers)).is_success
    demoted = await here.patch(
        workspace_url(owner, f"/members/{co_owner.extra['member_id']}"),
        json={"role": "viewer"},
        headers=owner.headers,
    )
    assert demoted.status_code == 200
    create = await here.post(
        workspace_url(owner, "/people"), json={"display_name": "Grace"}, headers=headers
    )
    assert_problem(create, 403, "insufficient_scope")


# --- finding 4: privileged actions read the role from the database ------------------------------


async def test_a_demoted_owner_cannot_act_as_owner_through_another_process() -> None:
    async with AsyncExitStack() as stack:
        pairs = []
        for _ in range(2):  # a long TTL: the other process surely still remembers the role
            app = create_app(Settings(auth_cache_seconds=300))
            await stack.enter_async_context(app.router.lifespan_context(app))
            pairs.append(await stack.enter_async_context(client_for(app)))
        here, elsewhere = pairs
        owner = await signup(here)
        co_owner = await add_member(here, owner, "owner")
        outsider = await signup(here, name="Outsider")
        assert (await elsewhere.get(workspace_url(owner), headers=co_owner.headers)).is_success

        demoted = await here.patch(
            workspace_url(owner, f"/members/{co_owner.extra['member_id']}"),
            json={"role": "viewer"},
            headers=owner.headers,
        )
        assert demoted.status_code == 200

        attempts = (
            ("POST", "/api-keys", {"name": "permanent", "scopes": ["people:read"]}),
            ("PATCH", "", {"name": "Mine now"}),
            ("POST", "/invitations", {"email": outsider.email, "role": "owner"}),
            ("PATCH", f"/members/{co_owner.extra['member_id']}", {"role": "owner"}),
        )
        for method, suffix, body in attempts:
            response = await elsewhere.request(
                method, workspace_url(owner, suffix), json=body, headers=co_owner.headers
            )
            assert_problem(response, 403, "forbidden")
        roles = await member_roles(here, owner)
        assert roles[co_owner.user_id] == "viewer"
        assert outsider.user_id not in roles
        assert outsider.email not in await invited_emails(here, owner)
        keys = await here.get(workspace_url(owner, "/api-keys"), headers=owner.headers)
        assert keys.json()["data"] == []
        current = (await here.get(workspace_url(owner), headers=owner.headers)).json()
        assert current["name"] != "Mine now"


async def test_a_key_whose_creator_was_demoted_elsewhere_cannot_change_settings() -> None:
    async with AsyncExitStack() as stack:
        pairs = []
        for _ in range(2):
            app = create_app(Settings(auth_cache_seconds=300))
            await stack.enter_async_context(app.router.lifespan_context(app))
            pairs.append(await stack.enter_async_context(client_for(app)))
        here, elsewhere = pairs
        owner = await signup(here)
        co_owner = await add_member(here, owner, "owner")
        key = await key_by(here, co_owner, owner, ["workspaces:write"])
        headers = bearer(key["secret"])
        assert (await elsewhere.get(workspace_url(owner), headers=headers)).is_success
        await here.patch(
            workspace_url(owner, f"/members/{co_owner.extra['member_id']}"),
            json={"role": "editor"},
            headers=owner.headers,
        )
        rename = await elsewhere.patch(workspace_url(owner), json={"name": "x"}, headers=headers)
        assert_problem(rename, 403, "insufficient_scope")


# --- finding 5: revocation wins every race with a lookup in flight -------------------------------


class PausedLookups:
    """The app's database, with the first lookup by `statement` held between the database's
    answer and the caller's use of it until the test lets it go: the window in which a
    revocation used to be overtaken by a stale answer being cached. Later lookups (the
    revocation's own) pass."""

    def __init__(self, database: Database, statement: Any) -> None:
        self.database = database
        self.statement = statement
        self.answered = asyncio.Event()
        self.go_on = asyncio.Event()
        self._reader = database.reader

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(self.database, "reader", self._paused_reader)

    async def _hold(self, statement: Any) -> None:
        if statement is self.statement and not self.answered.is_set():
            self.answered.set()
            await self.go_on.wait()

    def _paused_reader(self) -> Any:
        inner = self._reader()
        pause = self

        class Reader:
            def __getattr__(self, name: str) -> Any:
                return getattr(inner, name)

            async def first(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
                row = await inner.first(statement, *args, **kwargs)
                await pause._hold(statement)
                return row

            async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
                value = await inner.scalar(statement, *args, **kwargs)
                await pause._hold(statement)
                return value

        return Reader()


@pytest.fixture
async def cached_app() -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(Settings(auth_cache_seconds=300))
    async with app.router.lifespan_context(app), client_for(app) as client:
        yield app, client


async def test_a_revocation_racing_a_first_use_always_wins(
    cached_app: tuple[Any, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = cached_app
    owner = await signup(client)
    for _ in range(30):
        key = await create_api_key(client, owner, ["people:read"])
        pause = PausedLookups(app.state.database, caller_module._key_by_hash)
        with monkeypatch.context() as patch:
            pause.install(patch)
            first_use = asyncio.create_task(
                client.get(workspace_url(owner, "/people"), headers=bearer(key["secret"]))
            )
            await pause.answered.wait()  # it has read the key as valid, and not cached it yet
            revoked = await client.post(
                workspace_url(owner, f"/api-keys/{key['id']}/revoke"), headers=owner.headers
            )
            assert revoked.status_code == 200
            pause.go_on.set()  # the first use goes on with what it read before the revocation
            await first_use  # concurrent with the revocation: either answer is right for it
        after = await client.get(workspace_url(owner, "/people"), headers=bearer(key["secret"]))
        assert_problem(after, 401, "invalid_token")


async def test_a_removal_racing_a_role_lookup_always_wins(
    cached_app: tuple[Any, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = cached_app
    owner = await signup(client)
    for _ in range(10):
        async with client_for(app) as newcomer:  # each sign-up from an address of its own
            coach = await add_member(newcomer, owner, "viewer")
        pause = PausedLookups(app.state.database, caller_module._role_of)
        with monkeypatch.context() as patch:
            pause.install(patch)
            first_use = asyncio.create_task(
                client.get(workspace_url(owner, "/people"), headers=coach.headers)
            )
            await pause.answered.wait()
            removed = await client.delete(
                workspace_url(owner, f"/members/{coach.extra['member_id']}"),
                headers=owner.headers,
            )
            assert removed.status_code == 204, removed.text
            pause.go_on.set()
            await first_use
        after = await client.get(workspace_url(owner, "/people"), headers=coach.headers)
        assert_problem(after, 404, "not_found")


# --- the migration that withdraws the scope -----------------------------------------------------


async def test_the_migration_takes_members_write_from_keys_and_revokes_orphans(
    scratch_url: str,
) -> None:
    """Keys stored before revision 0008: `members:write` goes, and a key whose creator is no
    longer a member is revoked; the others keep working as they were."""
    from sqlalchemy import MetaData, Table
    from sqlalchemy.ext.asyncio import create_async_engine

    assert alembic("upgrade", "0007", url=scratch_url).returncode == 0
    engine = create_async_engine(scratch_url)
    now = utcnow()
    try:
        async with engine.begin() as conn:
            tables = await conn.run_sync(
                lambda sync: {
                    name: Table(name, MetaData(), autoload_with=sync)
                    for name in ("users", "workspaces", "memberships", "api_keys")
                }
            )
            stamp = {"created_at": now, "updated_at": now}
            for user in ("usr_a", "usr_b"):
                await conn.execute(
                    insert(tables["users"]).values(
                        id=user,
                        email=f"{user}@example.com",
                        email_key=f"{user}@example.com",
                        name=user,
                        password_hash="x",
                        **stamp,
                    )
                )
            await conn.execute(insert(tables["workspaces"]).values(id="wsp_1", name="W", **stamp))
            await conn.execute(
                insert(tables["memberships"]).values(
                    id="mem_1", workspace_id="wsp_1", user_id="usr_a", role="owner", **stamp
                )
            )
            for key_id, creator in (("key_kept", "usr_a"), ("key_orphan", "usr_b")):
                await conn.execute(
                    insert(api_keys).values(
                        id=key_id,
                        workspace_id="wsp_1",
                        name=key_id,
                        prefix="rk_live_abcd",
                        last_four="wxyz",
                        secret_hash=key_id.ljust(64, "0"),
                        scopes=["members:write", "people:read"],
                        created_by=creator,
                        **stamp,
                    )
                )
        assert alembic("upgrade", "0008", url=scratch_url).returncode == 0
        async with engine.connect() as conn:
            rows = {
                r.id: r
                for r in await conn.execute(
                    select(api_keys.c.id, api_keys.c.scopes, api_keys.c.revoked_at)
                )
            }
        assert rows["key_kept"].scopes == ["people:read"]
        assert rows["key_kept"].revoked_at is None
        assert rows["key_orphan"].scopes == ["people:read"]
        assert rows["key_orphan"].revoked_at is not None
    finally:
        await engine.dispose()

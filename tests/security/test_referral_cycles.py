"""Referrals form a tree at any depth: no PATCH of a person and no referral closes a loop, however
long the chain it would close (issue 18, finding 14)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.core.db import Database
from app.people.models import people
from tests.conftest import Account, assert_problem
from tests.people.factories import (
    create_person,
    insert_interview,
    insert_people,
    item,
    person_row,
    stored_people,
)
from tests.referrals.factories import make_person, snapshot, workspace_path

# Longer than any bound the check used to stop at (1,000 referrers), so a loop closed by the
# chain's far end is only seen by a walk that goes all the way up.
LONG_CHAIN = 1_100
# Rows per INSERT: well inside both databases' limits on bound parameters per statement.
_BATCH = 100


async def insert_chain(database: Database, workspace_id: str, length: int) -> list[str]:
    """People written straight into the table, each referred by the one before: the first is
    the head (nobody referred them), the last the tail."""
    rows: list[dict[str, Any]] = []
    referrer: str | None = None
    for number in range(length):
        row = person_row(
            workspace_id, display_name=f"Link {number}", referred_by_id=referrer, source="referral"
        )
        rows.append(row)
        referrer = row["id"]
    for start in range(0, length, _BATCH):
        await insert_people(database, rows[start : start + _BATCH])
    return [row["id"] for row in rows]


async def refer(
    client: httpx.AsyncClient, owner: Account, person_id: str, referrer_id: str | None
) -> httpx.Response:
    return await client.patch(
        item(owner, person_id), json={"referred_by_id": referrer_id}, headers=owner.headers
    )


async def referrer_shown(client: httpx.AsyncClient, owner: Account, person_id: str) -> Any:
    response = await client.get(item(owner, person_id), headers=owner.headers)
    assert response.status_code == 200, response.text
    return response.json()["referred_by_id"]


def assert_cycle_refused(response: httpx.Response, code: str = "referral_cycle") -> None:
    problem = assert_problem(response, 409, code)
    assert problem["errors"][0]["pointer"] == "/referred_by_id"
    assert problem["errors"][0]["code"] == code


async def test_closing_a_chain_longer_than_a_thousand_is_refused(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    chain = await insert_chain(database, owner.workspace_id, LONG_CHAIN)
    head, tail = chain[0], chain[-1]
    before = await stored_people(database, owner.workspace_id)

    response = await refer(client, owner, head, tail)

    assert_cycle_refused(response)
    assert await referrer_shown(client, owner, head) is None
    assert await stored_people(database, owner.workspace_id) == before


@pytest.mark.parametrize("length", [1, 2, 3])
async def test_short_loops_are_refused(
    client: httpx.AsyncClient, owner: Account, database: Database, length: int
) -> None:
    chain = await insert_chain(database, owner.workspace_id, length)
    head, tail = chain[0], chain[-1]
    before = await stored_people(database, owner.workspace_id)

    response = await refer(client, owner, head, tail)

    assert_cycle_refused(response, "self_referral" if length == 1 else "referral_cycle")
    assert await referrer_shown(client, owner, head) is None
    assert await stored_people(database, owner.workspace_id) == before


async def test_a_long_chain_grows_and_moves_but_never_closes(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    chain = await insert_chain(database, owner.workspace_id, LONG_CHAIN)
    head, tail = chain[0], chain[-1]

    # A newcomer below the tail: the chain is one longer.
    newcomer = await create_person(client, owner, given_name="Newcomer", referred_by_id=tail)
    assert newcomer["referred_by_id"] == tail
    # Someone outside the chain takes the head under their wing: legitimate at any length.
    elder = await create_person(client, owner, given_name="Elder")
    moved = await refer(client, owner, head, elder["id"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["referred_by_id"] == elder["id"]
    before = await stored_people(database, owner.workspace_id)

    # But the elder cannot now be referred by the newcomer, 1,101 referrals below them.
    response = await refer(client, owner, elder["id"], newcomer["id"])

    assert_cycle_refused(response)
    assert await referrer_shown(client, owner, elder["id"]) is None
    assert await stored_people(database, owner.workspace_id) == before
    # Moving a branch within the chain closes nothing: the tail goes up next to the head.
    branch = await refer(client, owner, tail, head)
    assert branch.status_code == 200, branch.text
    assert branch.json()["referred_by_id"] == head


async def test_a_referral_cannot_close_a_chain_longer_than_a_thousand(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    chain = await insert_chain(database, owner.workspace_id, LONG_CHAIN)
    head, tail = chain[0], chain[-1]
    interview_id = await insert_interview(database, owner.workspace_id, tail)
    before = await snapshot(database, owner.workspace_id)

    # The head has no referrer, so the referral would make them the tail's referral.
    response = await client.post(
        f"{workspace_path(owner)}/interviews/{interview_id}/referrals",
        json={"referrals": [{"given_name": "Grace"}, {"person_id": head}]},
        headers=owner.headers,
    )

    problem = assert_problem(response, 409, "referral_cycle")
    assert problem["errors"][0]["pointer"] == "/referrals/1/person_id"
    assert await referrer_shown(client, owner, head) is None
    assert await snapshot(database, owner.workspace_id) == before


async def test_a_loop_already_in_the_data_does_not_hang_the_check(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    # Written behind the service's back (a restore, a manual fix): first and second refer
    # each other.
    first = await make_person(database, owner.workspace_id, "First")
    second = await make_person(database, owner.workspace_id, "Second", referred_by_id=first)
    async with database.transaction() as db:
        await db.execute(update(people).where(people.c.id == first).values(referred_by_id=second))
    outsider = await create_person(client, owner, given_name="Outsider")

    # The walk up from `second` ends once it comes round again; the outsider is not in the loop.
    joined = await refer(client, owner, outsider["id"], second)
    assert joined.status_code == 200, joined.text
    # The loop's own members are found on it, and stay as they were.
    before = await stored_people(database, owner.workspace_id)
    response = await refer(client, owner, first, second)
    assert_cycle_refused(response)
    assert await referrer_shown(client, owner, first) == second
    assert await stored_people(database, owner.workspace_id) == before

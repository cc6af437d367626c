"""`make run` seeds a demo account whose workspace shows the practice at once, idempotently."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.core.db import Database
from app.core.settings import Settings
from app.interviews.models import interviews as interviews_table
from app.organisations.models import organisations as organisations_table
from app.people.models import people as people_table
from app.seed import DEMO_EMAIL, DEMO_PASSWORD, seed


async def _all(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[Any]:
    items: list[Any] = []
    cursor = None
    for _ in range(20):
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        if not body["has_more"]:
            return items
        cursor = body["next_cursor"]
    raise AssertionError("pagination did not end")


async def test_demo_workspace_is_seeded_once_and_reads_through_the_api(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(Settings())
    assert await seed(Settings()) is False  # the second run changes nothing

    token = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": DEMO_EMAIL, "password": DEMO_PASSWORD},
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    me = (await client.get("/v1/me", headers=headers)).json()
    assert len(me["memberships"]) == 1
    base = f"/v1/workspaces/{me['memberships'][0]['workspace_id']}"

    people = await _all(client, f"{base}/people", headers)
    organisations = await _all(client, f"{base}/organisations", headers)
    interviews = await _all(client, f"{base}/interviews", headers)
    assert len(people) == 12
    assert len(organisations) == 4
    assert {i["status"] for i in interviews} == {
        "planned",
        "requested",
        "scheduled",
        "completed",
        "declined",
        "cancelled",
        "no_show",
    }
    assert any(p["referred_by_id"] for p in people)
    # Written directly, then given the documents their services would have stored.
    workspace_id = me["memberships"][0]["workspace_id"]
    for table in (people_table, organisations_table, interviews_table):
        without = await database.reader().scalar(
            select(func.count())
            .select_from(table)
            .where(table.c.workspace_id == workspace_id, table.c.doc.is_(None))
        )
        assert without == 0, table.name

    completed = next(i for i in interviews if i["status"] == "completed")
    assert completed["reflection"]["interests"]["score"] == 5
    agenda = await _all(client, f"{base}/interviews/{completed['id']}/agenda", headers)
    assert len(agenda) == 4
    assert all(item["question_id"] and item["answer"] and item["asked"] for item in agenda)

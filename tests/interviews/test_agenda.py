"""An interview's agenda: dense 1..n positions through append, insert, move, delete, reorder,
and copies of bank questions that keep their wording."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core import ids
from app.core.db import Database
from app.questions.models import question_banks, questions
from tests.conftest import Account, assert_problem, signup
from tests.interviews.factories import (
    base,
    create_interview,
    edit_question,
    make_bank,
    make_person,
    stored_agenda,
)


async def new_agenda(
    client: httpx.AsyncClient, owner: Account, database: Database, texts: list[str]
) -> tuple[str, list[dict[str, Any]]]:
    """An interview whose agenda holds `texts` in order; its agenda URL and the items."""
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}/agenda"
    items = []
    for text in texts:
        response = await client.post(url, json={"text": text}, headers=owner.headers)
        assert response.status_code == 201, response.text
        items.append(response.json())
    return url, items


def interview_id_of(url: str) -> str:
    return url.split("/")[-2]


async def texts(database: Database, url: str) -> list[str]:
    stored = await stored_agenda(database, interview_id_of(url))
    # Always dense: 1..n with no gap and no repeat.
    assert [position for position, _ in stored] == list(range(1, len(stored) + 1))
    return [text for _, text in stored]


async def test_append_and_insert_keep_positions_dense(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    url, items = await new_agenda(client, owner, database, ["A", "B", "C"])
    assert [i["position"] for i in items] == [1, 2, 3]
    first = items[0]
    assert first["object"] == "agenda_item"
    assert first["id"].startswith("agi_")
    assert first["question_id"] is None
    assert first["asked"] is False
    assert first["answer"] is None
    assert first["category"] is None

    inserted = await client.post(
        url, json={"text": "X", "position": 2, "category": "typical_day"}, headers=owner.headers
    )
    assert inserted.status_code == 201
    assert inserted.json()["position"] == 2
    assert inserted.headers["location"] == f"{url}/{inserted.json()['id']}"
    assert await texts(database, url) == ["A", "X", "B", "C"]
    # Past the end means append.
    appended = await client.post(url, json={"text": "Z", "position": 99}, headers=owner.headers)
    assert appended.json()["position"] == 5
    assert await texts(database, url) == ["A", "X", "B", "C", "Z"]

    listed = await client.get(url, params={"limit": 2}, headers=owner.headers)
    page = listed.json()
    assert [i["text"] for i in page["data"]] == ["A", "X"]
    assert page["has_more"] is True
    rest = await client.get(
        url, params={"limit": 10, "cursor": page["next_cursor"]}, headers=owner.headers
    )
    assert [i["text"] for i in rest.json()["data"]] == ["B", "C", "Z"]
    assert [i["position"] for i in rest.json()["data"]] == [3, 4, 5]


async def test_move_patch_and_delete(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    url, items = await new_agenda(client, owner, database, ["A", "B", "C", "D"])
    a, b, c, d = (i["id"] for i in items)
    moved = await client.patch(f"{url}/{d}", json={"position": 1}, headers=owner.headers)
    assert moved.status_code == 200
    assert moved.json()["position"] == 1
    assert await texts(database, url) == ["D", "A", "B", "C"]
    await client.patch(f"{url}/{d}", json={"position": 3}, headers=owner.headers)
    assert await texts(database, url) == ["A", "B", "D", "C"]
    last = await client.patch(f"{url}/{a}", json={"position": 100}, headers=owner.headers)
    assert last.json()["position"] == 4
    assert await texts(database, url) == ["B", "D", "C", "A"]

    answered = await client.patch(
        f"{url}/{b}",
        json={"asked": True, "answer": "Mostly meetings.", "text": "B!", "category": "other"},
        headers=owner.headers,
    )
    body = answered.json()
    assert (body["asked"], body["answer"], body["text"], body["category"]) == (
        True,
        "Mostly meetings.",
        "B!",
        "other",
    )
    assert body["position"] == 1
    fetched = await client.get(f"{url}/{b}", headers=owner.headers)
    assert fetched.json() == body
    assert fetched.headers["etag"] == answered.headers["etag"]

    deleted = await client.delete(f"{url}/{d}", headers=owner.headers)
    assert deleted.status_code == 204
    assert await texts(database, url) == ["B!", "C", "A"]
    assert_problem(await client.get(f"{url}/{d}", headers=owner.headers), 404, "not_found")
    await client.delete(f"{url}/{b}", headers=owner.headers)
    assert await texts(database, url) == ["C", "A"]
    assert c


async def test_reorder_takes_every_item_once(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    url, items = await new_agenda(client, owner, database, ["A", "B", "C"])
    a, b, c = (i["id"] for i in items)
    response = await client.post(
        f"{url}/reorder", json={"item_ids": [c, a, b]}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "list"
    assert body["has_more"] is False
    assert [(i["text"], i["position"]) for i in body["data"]] == [("C", 1), ("A", 2), ("B", 3)]
    assert await texts(database, url) == ["C", "A", "B"]

    other_url, others = await new_agenda(client, owner, database, ["Z"])
    for wrong in ([c, a], [c, a, b, b], [c, a, others[0]["id"]], [c, a, b, ids.new_id("agi")]):
        response = await client.post(
            f"{url}/reorder", json={"item_ids": wrong}, headers=owner.headers
        )
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0] == {
            "pointer": "/item_ids",
            "detail": problem["errors"][0]["detail"],
            "code": "agenda_mismatch",
        }
        assert await texts(database, url) == ["C", "A", "B"]
    assert await texts(database, other_url) == ["Z"]
    response = await client.post(f"{url}/reorder", json={"item_ids": []}, headers=owner.headers)
    assert_problem(response, 422, "validation_failed")


async def _builtin_questions(database: Database) -> list[dict[str, str]]:
    """The first two questions of the built-in bank (installed by migration 0003)."""
    rows = await database.reader().all(
        select(questions.c.id, questions.c.text, questions.c.category)
        .join(question_banks, question_banks.c.id == questions.c.bank_id)
        .where(question_banks.c.builtin.is_(True))
        .order_by(questions.c.position)
        .limit(2)
    )
    assert len(rows) == 2
    return rows


async def test_from_bank_copies_a_snapshot_in_the_given_order(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    builtin = await _builtin_questions(database)
    own = await make_bank(database, owner.workspace_id, ["Whom else should I ask?"], "referrals")
    url, _ = await new_agenda(client, owner, database, ["My own question"])
    response = await client.post(
        f"{url}/from-bank",
        json={"question_ids": [own[0], builtin[1]["id"], builtin[0]["id"]]},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert [(i["position"], i["question_id"], i["text"], i["category"]) for i in data] == [
        (2, own[0], "Whom else should I ask?", "referrals"),
        (3, builtin[1]["id"], builtin[1]["text"], builtin[1]["category"]),
        (4, builtin[0]["id"], builtin[0]["text"], builtin[0]["category"]),
    ]
    assert all(i["asked"] is False for i in data)

    await edit_question(database, own[0], "Reworded in the bank")
    item = await client.get(f"{url}/{data[0]['id']}", headers=owner.headers)
    assert item.json()["text"] == "Whom else should I ask?"
    assert await texts(database, url) == [
        "My own question",
        "Whom else should I ask?",
        builtin[1]["text"],
        builtin[0]["text"],
    ]


async def test_from_bank_refuses_questions_it_cannot_see(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client, name="Stranger")
    theirs = await make_bank(database, stranger.workspace_id, ["Private question"])
    mine = await make_bank(database, owner.workspace_id, ["Mine"])
    url, _ = await new_agenda(client, owner, database, ["A"])
    for question_ids in ([mine[0], theirs[0]], [ids.new_id("qst")], ["qst_bad"]):
        response = await client.post(
            f"{url}/from-bank", json={"question_ids": question_ids}, headers=owner.headers
        )
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["code"] == "question_not_found"
        assert await texts(database, url) == ["A"]
    for payload in ({"question_ids": []}, {"question_ids": [mine[0]] * 51}, {"ids": [mine[0]]}):
        response = await client.post(f"{url}/from-bank", json=payload, headers=owner.headers)
        assert_problem(response, 422, "validation_failed")
    assert await texts(database, url) == ["A"]


@pytest.mark.parametrize(
    ("payload", "pointer", "code"),
    [
        ({}, "/text", "missing"),
        ({"text": ""}, "/text", "string_too_short"),
        ({"text": "x" * 1001}, "/text", "string_too_long"),
        ({"text": "Q", "answer": "x" * 10_001}, "/answer", "string_too_long"),
        ({"text": "Q", "category": "gossip"}, "/category", "enum"),
        ({"text": "Q", "asked": "yes"}, "/asked", "bool_type"),
        ({"text": "Q", "position": 0}, "/position", "greater_than_equal"),
        # A JSON integer, strictly: not a boolean, a float or numeric text.
        ({"text": "Q", "position": True}, "/position", "int_type"),
        ({"text": "Q", "position": 1.5}, "/position", "int_type"),
        ({"text": "Q", "position": 1.01}, "/position", "int_type"),
        ({"text": "Q", "position": "1"}, "/position", "int_type"),
        ({"text": "Q", "question_id": "qst_x"}, "/question_id", "extra_forbidden"),
        ({"text": 7}, "/text", "string_type"),
    ],
)
async def test_invalid_items_are_refused(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    payload: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    url, items = await new_agenda(client, owner, database, ["A"])
    response = await client.post(url, json=payload, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["pointer"] == pointer
    assert problem["errors"][0]["code"] == code
    item_url = f"{url}/{items[0]['id']}"
    patch = {k: v for k, v in payload.items() if k != "text"} or {"text": None}
    response = await client.patch(item_url, json=patch, headers=owner.headers)
    assert_problem(response, 422, "validation_failed")
    assert (await client.get(item_url, headers=owner.headers)).json() == items[0]
    assert await texts(database, url) == ["A"]


async def test_item_etags_and_missing_items(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    url, items = await new_agenda(client, owner, database, ["A", "B"])
    item_url = f"{url}/{items[0]['id']}"
    etag = (await client.get(item_url, headers=owner.headers)).headers["etag"]
    cached = await client.get(item_url, headers={**owner.headers, "If-None-Match": etag})
    assert cached.status_code == 304
    await client.patch(item_url, json={"asked": True}, headers=owner.headers)
    stale = {**owner.headers, "If-Match": etag}
    response = await client.patch(item_url, json={"answer": "x"}, headers=stale)
    assert_problem(response, 412, "precondition_failed")
    assert_problem(await client.delete(item_url, headers=stale), 412, "precondition_failed")
    assert await texts(database, url) == ["A", "B"]

    # Viewers read the agenda but cannot change it.
    assert (await client.get(url, headers=viewer.headers)).status_code == 200
    response = await client.patch(item_url, json={"answer": "x"}, headers=viewer.headers)
    assert_problem(response, 403, "forbidden")

    # An item is found only under its own interview.
    other_url, _ = await new_agenda(client, owner, database, ["Z"])
    for missing in (
        f"{other_url}/{items[0]['id']}",
        f"{url}/agi_bad",
        f"{url}/{ids.new_id('agi')}",
        f"{url}/{ids.new_id('qst')}",
        f"{base(owner)}/int_bad/agenda/{items[0]['id']}",
    ):
        assert_problem(await client.get(missing, headers=owner.headers), 404, "not_found")
        response = await client.patch(missing, json={"asked": True}, headers=owner.headers)
        assert_problem(response, 404, "not_found")
        assert_problem(await client.delete(missing, headers=owner.headers), 404, "not_found")
    assert await texts(database, url) == ["A", "B"]


async def test_an_agenda_holds_at_most_100_items(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    bank = await make_bank(database, owner.workspace_id, [f"Q{n}" for n in range(50)])
    url, _ = await new_agenda(client, owner, database, [])
    for _ in range(2):
        response = await client.post(
            f"{url}/from-bank", json={"question_ids": bank}, headers=owner.headers
        )
        assert response.status_code == 201
    assert_problem(
        await client.post(url, json={"text": "one more"}, headers=owner.headers), 409, "agenda_full"
    )
    response = await client.post(
        f"{url}/from-bank", json={"question_ids": bank[:1]}, headers=owner.headers
    )
    assert_problem(response, 409, "agenda_full")
    assert len(await texts(database, url)) == 100

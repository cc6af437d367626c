"""Positions in a bank are always exactly 1..n: inserts, moves, deletes and reorders."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Account, assert_problem
from tests.questions.factories import (
    add_question,
    all_questions,
    bank_with_questions,
    questions_url,
    texts_in_order,
)

ABCDE = ["A?", "B?", "C?", "D?", "E?"]


async def move(
    client: httpx.AsyncClient, account: Account, bank_id: str, question: dict[str, Any], to: int
) -> dict[str, Any]:
    response = await client.patch(
        questions_url(account, bank_id, question["id"]),
        json={"position": to},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_at_a_position_shifts_the_rest(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank, _ = await bank_with_questions(client, owner, ["A?", "B?", "C?"])
    first = await add_question(client, owner, bank["id"], "Start?", position=1)
    assert first["position"] == 1
    middle = await add_question(client, owner, bank["id"], "Middle?", position=3)
    assert middle["position"] == 3
    assert await texts_in_order(client, owner, bank["id"]) == [
        "Start?",
        "A?",
        "Middle?",
        "B?",
        "C?",
    ]


async def test_create_past_the_end_appends(client: httpx.AsyncClient, owner: Account) -> None:
    bank, _ = await bank_with_questions(client, owner, ["A?", "B?"])
    question = await add_question(client, owner, bank["id"], "Last?", position=99)
    assert question["position"] == 3
    exact = await add_question(client, owner, bank["id"], "Really last?", position=4)
    assert exact["position"] == 4
    assert await texts_in_order(client, owner, bank["id"]) == ["A?", "B?", "Last?", "Really last?"]


async def test_move_up_and_down(client: httpx.AsyncClient, owner: Account) -> None:
    bank, added = await bank_with_questions(client, owner, ABCDE)
    moved = await move(client, owner, bank["id"], added[3], 2)  # D up to 2
    assert moved["position"] == 2
    assert await texts_in_order(client, owner, bank["id"]) == ["A?", "D?", "B?", "C?", "E?"]
    moved = await move(client, owner, bank["id"], added[0], 4)  # A down to 4
    assert moved["position"] == 4
    assert await texts_in_order(client, owner, bank["id"]) == ["D?", "B?", "C?", "A?", "E?"]
    moved = await move(client, owner, bank["id"], added[4], 1)  # E to the top
    assert await texts_in_order(client, owner, bank["id"]) == ["E?", "D?", "B?", "C?", "A?"]
    moved = await move(client, owner, bank["id"], added[4], 50)  # past the end: last
    assert moved["position"] == 5
    assert await texts_in_order(client, owner, bank["id"]) == ["D?", "B?", "C?", "A?", "E?"]
    same = await move(client, owner, bank["id"], added[2], 3)  # where it already is
    assert same["position"] == 3
    assert await texts_in_order(client, owner, bank["id"]) == ["D?", "B?", "C?", "A?", "E?"]


async def test_move_and_edit_together(client: httpx.AsyncClient, owner: Account) -> None:
    bank, added = await bank_with_questions(client, owner, ["A?", "B?", "C?"])
    response = await client.patch(
        questions_url(owner, bank["id"], added[2]["id"]),
        json={"position": 1, "text": "C, reworded?"},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert await texts_in_order(client, owner, bank["id"]) == ["C, reworded?", "A?", "B?"]


async def test_delete_in_the_middle_closes_the_gap(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank, added = await bank_with_questions(client, owner, ABCDE)
    response = await client.delete(
        questions_url(owner, bank["id"], added[1]["id"]), headers=owner.headers
    )
    assert response.status_code == 204
    assert await texts_in_order(client, owner, bank["id"]) == ["A?", "C?", "D?", "E?"]
    await client.delete(questions_url(owner, bank["id"], added[0]["id"]), headers=owner.headers)
    await client.delete(questions_url(owner, bank["id"], added[4]["id"]), headers=owner.headers)
    assert await texts_in_order(client, owner, bank["id"]) == ["C?", "D?"]
    assert_problem(
        await client.get(questions_url(owner, bank["id"], added[1]["id"]), headers=owner.headers),
        404,
        "not_found",
    )


async def test_reorder_with_the_full_list(client: httpx.AsyncClient, owner: Account) -> None:
    bank, added = await bank_with_questions(client, owner, ABCDE)
    order = [added[i]["id"] for i in (4, 2, 0, 1, 3)]
    response = await client.post(
        questions_url(owner, bank["id"]) + "/reorder",
        json={"question_ids": order},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "question_bank"
    assert body["id"] == bank["id"]
    assert body["question_count"] == 5
    assert [q["id"] for q in body["questions"]] == order
    assert [q["position"] for q in body["questions"]] == [1, 2, 3, 4, 5]
    assert await texts_in_order(client, owner, bank["id"]) == ["E?", "C?", "A?", "B?", "D?"]
    listed = await all_questions(client, owner, bank["id"])
    assert listed == body["questions"]


async def test_reorder_to_the_same_order_changes_nothing(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank, added = await bank_with_questions(client, owner, ["A?", "B?"])
    response = await client.post(
        questions_url(owner, bank["id"]) + "/reorder",
        json={"question_ids": [q["id"] for q in added]},
        headers=owner.headers,
    )
    assert response.status_code == 200
    assert await all_questions(client, owner, bank["id"]) == added


async def test_reorder_an_empty_bank(client: httpx.AsyncClient, owner: Account) -> None:
    bank, _ = await bank_with_questions(client, owner, [])
    response = await client.post(
        questions_url(owner, bank["id"]) + "/reorder",
        json={"question_ids": []},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["questions"] == []


async def test_reorder_mismatches_are_refused_and_nothing_moves(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank, added = await bank_with_questions(client, owner, ["A?", "B?", "C?"])
    _, [foreign] = await bank_with_questions(client, owner, ["Elsewhere?"])
    a, b, c = (q["id"] for q in added)
    url = questions_url(owner, bank["id"]) + "/reorder"
    for question_ids in (
        [c, b],  # one missing
        [c, b, a, a],  # a duplicate
        [c, c, a],  # a duplicate in place of a missing one
        [c, b, a, foreign["id"]],  # a question of another bank
        [c, b, foreign["id"]],  # swapped for another bank's question
        [c, b, "qst_nonsense"],  # a malformed id
        [],  # none at all
    ):
        response = await client.post(
            url, json={"question_ids": question_ids}, headers=owner.headers
        )
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"][0]["code"] == "reorder_mismatch", question_ids
        assert body["errors"][0]["pointer"] == "/question_ids"
        assert await all_questions(client, owner, bank["id"]) == added
    for bad_body in ({}, {"question_ids": None}, {"question_ids": "abc"}, {"ids": [a, b, c]}):
        response = await client.post(url, json=bad_body, headers=owner.headers)
        assert_problem(response, 422, "validation_failed")
    assert await all_questions(client, owner, bank["id"]) == added


async def test_concurrent_writes_keep_positions_dense(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank, added = await bank_with_questions(client, owner, ABCDE)
    url = questions_url(owner, bank["id"])
    writes = [
        client.post(
            url,
            json={"text": f"New {n}?", "category": "other", "position": 1},
            headers=owner.headers,
        )
        for n in range(4)
    ]
    writes += [
        client.patch(f"{url}/{q['id']}", json={"position": 1 + (i * 3) % 5}, headers=owner.headers)
        for i, q in enumerate(added)
    ]
    writes.append(client.delete(f"{url}/{added[2]['id']}", headers=owner.headers))
    responses = await asyncio.gather(*writes)
    # The delete may win over the move of the same question (then the move is 404).
    assert all(r.status_code in (200, 201, 204, 404) for r in responses), [
        r.text for r in responses
    ]
    texts = await texts_in_order(client, owner, bank["id"])  # checks 1..n
    assert len(texts) == 8
    assert "C?" not in texts

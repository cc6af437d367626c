"""`…/question-banks/{bank_id}/questions`: create, list, get, update, delete; bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core import ids
from app.questions import service
from tests.conftest import Account, assert_problem, signup
from tests.questions.factories import (
    BUILTIN_BANK_ID,
    add_question,
    all_questions,
    bank_with_questions,
    banks_url,
    create_bank,
    questions_url,
    texts_in_order,
)


async def test_create_and_get_a_question(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner)
    response = await client.post(
        questions_url(owner, bank["id"]),
        json={
            "text": "What does a good week look like for you?",
            "category": "typical_day",
            "notes": "Ask for a recent example.",
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    question = response.json()
    assert question["object"] == "question"
    assert question["id"].startswith("qst_")
    assert question["bank_id"] == bank["id"]
    assert question["text"] == "What does a good week look like for you?"
    assert question["category"] == "typical_day"
    assert question["notes"] == "Ask for a recent example."
    assert question["position"] == 1
    assert question["created_at"] == question["updated_at"]
    assert response.headers["location"] == questions_url(owner, bank["id"], question["id"])
    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.status_code == 200
    assert fetched.json() == question
    assert fetched.headers["etag"] == response.headers["etag"]
    cached = await client.get(
        response.headers["location"],
        headers={**owner.headers, "If-None-Match": fetched.headers["etag"]},
    )
    assert cached.status_code == 304


async def test_questions_are_appended_in_order(client: httpx.AsyncClient, owner: Account) -> None:
    bank, added = await bank_with_questions(client, owner, ["A?", "B?", "C?"])
    assert [q["position"] for q in added] == [1, 2, 3]
    assert await texts_in_order(client, owner, bank["id"]) == ["A?", "B?", "C?"]
    assert all(q["notes"] is None for q in added)


async def test_update_text_category_and_notes(client: httpx.AsyncClient, owner: Account) -> None:
    bank, [question] = await bank_with_questions(client, owner, ["Draft?"])
    url = questions_url(owner, bank["id"], question["id"])
    response = await client.patch(
        url,
        json={"text": "Final?", "category": "advice", "notes": "Keep it short."},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["text"], updated["category"], updated["notes"]) == (
        "Final?",
        "advice",
        "Keep it short.",
    )
    assert updated["position"] == 1
    assert updated["updated_at"] > question["updated_at"]
    cleared = await client.patch(url, json={"notes": None}, headers=owner.headers)
    assert cleared.json()["notes"] is None
    assert cleared.json()["text"] == "Final?"
    assert (await client.get(url, headers=owner.headers)).json() == cleared.json()
    unchanged = await client.patch(url, json={}, headers=owner.headers)
    assert unchanged.json() == cleared.json()


async def test_list_filters_by_category_and_sorts_backwards(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank = await create_bank(client, owner)
    for text, category in (("A?", "advice"), ("B?", "background"), ("C?", "advice")):
        await add_question(client, owner, bank["id"], text, category)
    url = questions_url(owner, bank["id"])
    advice = await client.get(url, params={"category": "advice"}, headers=owner.headers)
    assert [q["text"] for q in advice.json()["data"]] == ["A?", "C?"]
    backwards = await client.get(url, params={"sort": "-position"}, headers=owner.headers)
    assert [q["text"] for q in backwards.json()["data"]] == ["C?", "B?", "A?"]
    for params in (
        {"category": "gossip"},
        {"sort": "text"},
        {"limit": "0"},
        {"cursor": "x"},
        {"colour": "red"},
    ):
        response = await client.get(url, params=params, headers=owner.headers)
        assert_problem(response, 422, "validation_failed")


async def test_list_pages_by_position(client: httpx.AsyncClient, owner: Account) -> None:
    texts = [f"Question {n}?" for n in range(1, 8)]
    bank, _ = await bank_with_questions(client, owner, texts)
    seen: list[str] = []
    params = {"limit": "3"}
    for _ in range(10):
        response = await client.get(
            questions_url(owner, bank["id"]), params=params, headers=owner.headers
        )
        body = response.json()
        seen.extend(q["text"] for q in body["data"])
        if not body["has_more"]:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == texts


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "No category?"},
        {"category": "advice"},
        {"text": "", "category": "advice"},
        {"text": "x" * 1001, "category": "advice"},
        {"text": "Why?", "category": "gossip"},
        {"text": "Why?", "category": "ADVICE"},
        {"text": "Why?", "category": None},
        {"text": None, "category": "advice"},
        {"text": "Why?", "category": "advice", "notes": "x" * 2001},
        {"text": "Why?", "category": "advice", "position": 0},
        {"text": "Why?", "category": "advice", "position": -1},
        {"text": "Why?", "category": "advice", "position": "first"},
        {"text": "Why?", "category": "advice", "bank_id": BUILTIN_BANK_ID},
        {"text": "Why?", "category": "advice", "id": "qst_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"},
        {"text": "Why?", "category": "advice", "txet": "typo"},
        {"text": "Why\x00?", "category": "advice"},
    ],
)
async def test_create_rejects_bad_input_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account, body: dict[str, Any]
) -> None:
    bank, _ = await bank_with_questions(client, owner, ["Kept?"])
    response = await client.post(questions_url(owner, bank["id"]), json=body, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"]
    assert await texts_in_order(client, owner, bank["id"]) == ["Kept?"]


async def test_a_malformed_body_is_400(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner)
    response = await client.post(
        questions_url(owner, bank["id"]),
        content=b'{"text": ',
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")
    assert await all_questions(client, owner, bank["id"]) == []


async def test_the_longest_texts_are_accepted(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner)
    question = await add_question(client, owner, bank["id"], "x" * 1000, "other", notes="n" * 2000)
    assert len(question["text"]) == 1000
    assert len(question["notes"]) == 2000


@pytest.mark.parametrize(
    "body",
    [
        {"text": None},
        {"text": ""},
        {"text": "x" * 1001},
        {"category": None},
        {"category": "gossip"},
        {"position": None},
        {"position": 0},
        {"notes": "x" * 2001},
        {"bank_id": BUILTIN_BANK_ID},
        {"txet": "typo"},
    ],
)
async def test_update_rejects_bad_input_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account, body: dict[str, Any]
) -> None:
    bank, added = await bank_with_questions(client, owner, ["One?", "Two?"])
    url = questions_url(owner, bank["id"], added[0]["id"])
    assert_problem(
        await client.patch(url, json=body, headers=owner.headers), 422, "validation_failed"
    )
    assert await all_questions(client, owner, bank["id"]) == added


@pytest.mark.parametrize("value", [True, False, 1.5, "1", "2"])
async def test_a_position_is_a_json_integer(
    client: httpx.AsyncClient, owner: Account, value: Any
) -> None:
    """Not a boolean, a fraction or numeric text, which lax validation would read as an integer."""
    bank, added = await bank_with_questions(client, owner, ["One?", "Two?"])
    created = await client.post(
        questions_url(owner, bank["id"]),
        json={"text": "Why?", "category": "advice", "position": value},
        headers=owner.headers,
    )
    moved = await client.patch(
        questions_url(owner, bank["id"], added[1]["id"]),
        json={"position": value},
        headers=owner.headers,
    )
    for response in (created, moved):
        problem = assert_problem(response, 422, "validation_failed")
        assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [("/position", "int_type")]
    assert await all_questions(client, owner, bank["id"]) == added


async def test_etags_guard_question_writes(client: httpx.AsyncClient, owner: Account) -> None:
    bank, added = await bank_with_questions(client, owner, ["One?", "Two?"])
    url = questions_url(owner, bank["id"], added[0]["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    response = await client.patch(
        url, json={"text": "First?"}, headers={**owner.headers, "If-Match": etag}
    )
    assert response.status_code == 200
    stale = {**owner.headers, "If-Match": etag}
    assert_problem(
        await client.patch(url, json={"position": 2}, headers=stale), 412, "precondition_failed"
    )
    assert_problem(await client.delete(url, headers=stale), 412, "precondition_failed")
    assert await texts_in_order(client, owner, bank["id"]) == ["First?", "Two?"]
    # Moving another question changes this one's position, hence its ETag.
    current = response.headers["etag"]
    await client.patch(
        questions_url(owner, bank["id"], added[1]["id"]),
        json={"position": 1},
        headers=owner.headers,
    )
    assert_problem(
        await client.delete(url, headers={**owner.headers, "If-Match": current}),
        412,
        "precondition_failed",
    )
    assert await texts_in_order(client, owner, bank["id"]) == ["Two?", "First?"]


async def test_a_question_is_found_only_through_its_own_bank(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank, [question] = await bank_with_questions(client, owner, ["Here?"])
    other = await create_bank(client, owner, "Other")
    url = questions_url(owner, other["id"], question["id"])
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
    response = await client.patch(url, json={"text": "Moved?"}, headers=owner.headers)
    assert_problem(response, 404, "not_found")
    assert_problem(await client.delete(url, headers=owner.headers), 404, "not_found")
    # Under the built-in bank it is not found either, and writing there is refused outright.
    url = questions_url(owner, BUILTIN_BANK_ID, question["id"])
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
    response = await client.patch(url, json={"text": "Moved?"}, headers=owner.headers)
    assert_problem(response, 403, "builtin_read_only")
    assert await texts_in_order(client, owner, bank["id"]) == ["Here?"]


@pytest.mark.parametrize(
    "question_id", ["nope", "qst_1", ids.new_id("qst"), ids.new_id("qbk"), "qst_" + "Z" * 32]
)
async def test_bad_question_ids_are_404(
    client: httpx.AsyncClient, owner: Account, question_id: str
) -> None:
    bank, added = await bank_with_questions(client, owner, ["Stays?"])
    url = questions_url(owner, bank["id"], question_id)
    for response in (
        await client.get(url, headers=owner.headers),
        await client.patch(url, json={"text": "x"}, headers=owner.headers),
        await client.delete(url, headers=owner.headers),
    ):
        assert_problem(response, 404, "not_found")
    assert await all_questions(client, owner, bank["id"]) == added


async def test_another_workspaces_question_ids_are_not_found(
    client: httpx.AsyncClient, owner: Account
) -> None:
    stranger = await signup(client, name="Stranger")
    _, [theirs] = await bank_with_questions(client, stranger, ["Theirs?"])
    mine, _ = await bank_with_questions(client, owner, ["Mine?"])
    url = questions_url(owner, mine["id"], theirs["id"])
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
    assert_problem(await client.delete(url, headers=owner.headers), 404, "not_found")


async def test_a_bank_holds_a_bounded_number_of_questions(
    client: httpx.AsyncClient, owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_QUESTIONS_PER_BANK", 2)
    bank, _ = await bank_with_questions(client, owner, ["One?", "Two?"])
    response = await client.post(
        questions_url(owner, bank["id"]),
        json={"text": "Three?", "category": "other"},
        headers=owner.headers,
    )
    assert_problem(response, 409, "bank_full")
    assert await texts_in_order(client, owner, bank["id"]) == ["One?", "Two?"]
    fetched = await client.get(banks_url(owner, bank["id"]), headers=owner.headers)
    assert fetched.json()["question_count"] == 2

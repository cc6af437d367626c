"""`/v1/workspaces/{id}/question-banks`: create, list, get, update, delete; access rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core import ids
from tests.conftest import Account, add_member, assert_problem, bearer, create_api_key, signup
from tests.questions.factories import (
    BUILTIN_BANK_ID,
    add_question,
    bank_with_questions,
    banks_url,
    create_bank,
    questions_url,
)


async def own_banks(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    response = await client.get(
        banks_url(account), params={"builtin": "false", "limit": "100"}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


# --- create and get -----------------------------------------------------------------------------


async def test_create_a_bank(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.post(
        banks_url(owner),
        json={"name": "Product design", "description": "For designers at product companies."},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    bank = response.json()
    assert bank["object"] == "question_bank"
    assert bank["id"].startswith("qbk_")
    assert bank["workspace_id"] == owner.workspace_id
    assert bank["builtin"] is False
    assert bank["name"] == "Product design"
    assert bank["description"] == "For designers at product companies."
    assert bank["question_count"] == 0
    assert bank["created_at"].endswith("Z")
    assert bank["created_at"] == bank["updated_at"]
    assert response.headers["location"] == banks_url(owner, bank["id"])
    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.status_code == 200
    assert fetched.json() == bank
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_description_is_optional(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner, "Bare")
    assert bank["description"] is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x" * 201},
        {"name": None},
        {"name": "ok", "description": "x" * 2001},
        {"name": "ok", "builtin": True},
        {"name": "ok", "workspace_id": "wsp_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"},
        {"name": "ok", "question_count": 3},
        {"name": "nul\x00"},
        {"name": 12},
    ],
)
async def test_create_rejects_bad_input_and_creates_nothing(
    client: httpx.AsyncClient, owner: Account, body: dict[str, Any]
) -> None:
    response = await client.post(banks_url(owner), json=body, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"]
    assert await own_banks(client, owner) == []


async def test_limits_are_inclusive(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner, "n" * 200, description="d" * 2000)
    assert len(bank["name"]) == 200
    assert len(bank["description"]) == 2000


async def test_question_count_follows_the_questions(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank, added = await bank_with_questions(client, owner, ["One?", "Two?"])
    fetched = (await client.get(banks_url(owner, bank["id"]), headers=owner.headers)).json()
    assert fetched["question_count"] == 2
    await client.delete(questions_url(owner, bank["id"], added[0]["id"]), headers=owner.headers)
    fetched = (await client.get(banks_url(owner, bank["id"]), headers=owner.headers)).json()
    assert fetched["question_count"] == 1


# --- update -------------------------------------------------------------------------------------


async def test_rename_and_clear_the_description(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner, "Old", description="Old text")
    url = banks_url(owner, bank["id"])
    response = await client.patch(url, json={"name": "New"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    renamed = response.json()
    assert renamed["name"] == "New"
    assert renamed["description"] == "Old text"
    assert renamed["updated_at"] > bank["updated_at"]
    response = await client.patch(url, json={"description": None}, headers=owner.headers)
    assert response.json()["description"] is None
    assert response.json()["name"] == "New"
    assert (await client.get(url, headers=owner.headers)).json() == response.json()


async def test_an_empty_patch_changes_nothing(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner)
    response = await client.patch(banks_url(owner, bank["id"]), json={}, headers=owner.headers)
    assert response.status_code == 200
    assert response.json() == bank


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"name": ""},
        {"name": "x" * 201},
        {"description": "x" * 2001},
        {"builtin": True},
        {"question_count": 9},
        {"nmae": "typo"},
    ],
)
async def test_update_rejects_bad_input_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account, body: dict[str, Any]
) -> None:
    bank = await create_bank(client, owner, "Keep", description="Keep too")
    url = banks_url(owner, bank["id"])
    assert_problem(
        await client.patch(url, json=body, headers=owner.headers), 422, "validation_failed"
    )
    assert (await client.get(url, headers=owner.headers)).json() == bank


async def test_etags_guard_updates_and_deletes(client: httpx.AsyncClient, owner: Account) -> None:
    bank = await create_bank(client, owner, "Versioned")
    url = banks_url(owner, bank["id"])
    first = await client.get(url, headers=owner.headers)
    etag = first.headers["etag"]
    cached = await client.get(url, headers={**owner.headers, "If-None-Match": etag})
    assert cached.status_code == 304

    updated = await client.patch(
        url, json={"name": "V2"}, headers={**owner.headers, "If-Match": etag}
    )
    assert updated.status_code == 200
    assert updated.headers["etag"] != etag

    stale = {**owner.headers, "If-Match": etag}
    assert_problem(
        await client.patch(url, json={"name": "V3"}, headers=stale), 412, "precondition_failed"
    )
    assert_problem(await client.delete(url, headers=stale), 412, "precondition_failed")
    assert (await client.get(url, headers=owner.headers)).json() == updated.json()

    # A new question changes the bank's representation (its count), hence its ETag.
    await add_question(client, owner, bank["id"], "What next?")
    fresh = {**owner.headers, "If-Match": updated.headers["etag"]}
    assert_problem(await client.delete(url, headers=fresh), 412, "precondition_failed")
    current = await client.get(url, headers=owner.headers)
    deleted = await client.delete(
        url, headers={**owner.headers, "If-Match": current.headers["etag"]}
    )
    assert deleted.status_code == 204


# --- delete -------------------------------------------------------------------------------------


async def test_delete_a_bank_and_its_questions(client: httpx.AsyncClient, owner: Account) -> None:
    bank, added = await bank_with_questions(client, owner, ["One?", "Two?"])
    other, _ = await bank_with_questions(client, owner, ["Stays?"])
    response = await client.delete(banks_url(owner, bank["id"]), headers=owner.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(
        await client.get(banks_url(owner, bank["id"]), headers=owner.headers), 404, "not_found"
    )
    assert_problem(
        await client.get(questions_url(owner, bank["id"], added[0]["id"]), headers=owner.headers),
        404,
        "not_found",
    )
    assert [b["id"] for b in await own_banks(client, owner)] == [other["id"]]
    again = await client.delete(banks_url(owner, bank["id"]), headers=owner.headers)
    assert_problem(again, 404, "not_found")


# --- list ---------------------------------------------------------------------------------------


async def walk(
    client: httpx.AsyncClient, account: Account, params: dict[str, str]
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    query = dict(params)
    for _ in range(50):
        response = await client.get(banks_url(account), params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(body["data"])
        if not body["has_more"]:
            assert body["next_cursor"] is None
            assert "link" not in response.headers
            return seen
        assert response.headers["link"].endswith('rel="next"')
        query["cursor"] = body["next_cursor"]
    raise AssertionError("the list did not end")


async def test_list_walks_every_page_with_the_builtin_bank_first(
    client: httpx.AsyncClient, owner: Account
) -> None:
    names = ["Delta", "alpha", "Charlie", "bravo", "Echo"]
    created = [await create_bank(client, owner, name) for name in names]
    ids_in_order = [b["id"] for b in created]
    for limit in ("1", "2", "3", "100"):
        listed = await walk(client, owner, {"limit": limit})
        assert [b["id"] for b in listed] == [BUILTIN_BANK_ID, *ids_in_order], limit
        listed = await walk(client, owner, {"limit": limit, "sort": "-created_at"})
        assert [b["id"] for b in listed] == [BUILTIN_BANK_ID, *reversed(ids_in_order)], limit
    by_name = await walk(client, owner, {"limit": "2", "sort": "name"})
    assert [b["name"] for b in by_name][1:] == sorted(names)
    assert by_name[0]["id"] == BUILTIN_BANK_ID
    by_name_desc = await walk(client, owner, {"limit": "2", "sort": "-name"})
    assert [b["name"] for b in by_name_desc][1:] == sorted(names, reverse=True)
    assert by_name_desc[0]["id"] == BUILTIN_BANK_ID

    only_own = await walk(client, owner, {"limit": "2", "builtin": "false"})
    assert [b["id"] for b in only_own] == ids_in_order
    only_builtin = await walk(client, owner, {"builtin": "true"})
    assert [b["id"] for b in only_builtin] == [BUILTIN_BANK_ID]


async def test_the_first_page_holds_limit_items(client: httpx.AsyncClient, owner: Account) -> None:
    for name in ("A", "B", "C"):
        await create_bank(client, owner, name)
    body = (await client.get(banks_url(owner), params={"limit": "2"}, headers=owner.headers)).json()
    assert len(body["data"]) == 2
    assert body["data"][0]["builtin"] is True
    assert body["has_more"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "size"},
        {"sort": "-builtin"},
        {"limit": "0"},
        {"limit": "101"},
        {"cursor": "garbage"},
        {"builtin": "maybe"},
        {"colour": "red"},
    ],
)
async def test_list_rejects_bad_parameters(
    client: httpx.AsyncClient, owner: Account, params: dict[str, str]
) -> None:
    response = await client.get(banks_url(owner), params=params, headers=owner.headers)
    assert_problem(response, 422, "validation_failed")


async def test_a_cursor_of_another_sort_is_refused(
    client: httpx.AsyncClient, owner: Account
) -> None:
    for name in ("A", "B"):
        await create_bank(client, owner, name)
    first = (
        await client.get(banks_url(owner), params={"limit": "1"}, headers=owner.headers)
    ).json()
    response = await client.get(
        banks_url(owner),
        params={"limit": "1", "sort": "name", "cursor": first["next_cursor"]},
        headers=owner.headers,
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "invalid_cursor"


# --- access -------------------------------------------------------------------------------------


async def test_a_viewer_reads_but_cannot_write(client: httpx.AsyncClient, owner: Account) -> None:
    bank, added = await bank_with_questions(client, owner, ["One?", "Two?"])
    viewer = await add_member(client, owner, "viewer")
    assert (await client.get(banks_url(viewer, bank["id"]), headers=viewer.headers)).json() == (
        await client.get(banks_url(owner, bank["id"]), headers=owner.headers)
    ).json()
    bank_url = banks_url(viewer, bank["id"])
    question_url = questions_url(viewer, bank["id"], added[0]["id"])
    attempts = [
        client.post(banks_url(viewer), json={"name": "Mine"}, headers=viewer.headers),
        client.patch(bank_url, json={"name": "Renamed"}, headers=viewer.headers),
        client.delete(bank_url, headers=viewer.headers),
        client.post(bank_url + "/copy", headers=viewer.headers),
        client.post(
            questions_url(viewer, bank["id"]),
            json={"text": "New?", "category": "other"},
            headers=viewer.headers,
        ),
        client.patch(question_url, json={"position": 2}, headers=viewer.headers),
        client.delete(question_url, headers=viewer.headers),
        client.post(
            questions_url(viewer, bank["id"]) + "/reorder",
            json={"question_ids": [added[1]["id"], added[0]["id"]]},
            headers=viewer.headers,
        ),
    ]
    for attempt in attempts:
        assert_problem(await attempt, 403, "forbidden")
    assert [b["id"] for b in await own_banks(client, owner)] == [bank["id"]]
    listed = await client.get(questions_url(owner, bank["id"]), headers=owner.headers)
    assert [q["text"] for q in listed.json()["data"]] == ["One?", "Two?"]


async def test_an_editor_and_a_write_key_manage_banks(
    client: httpx.AsyncClient, owner: Account
) -> None:
    editor = await add_member(client, owner, "editor")
    by_editor = await create_bank(client, editor, "By editor")
    key = bearer((await create_api_key(client, owner, ["questions:write"]))["secret"])
    response = await client.post(banks_url(owner), json={"name": "By key"}, headers=key)
    assert response.status_code == 201, response.text
    by_key = response.json()
    assert (await client.delete(banks_url(owner, by_editor["id"]), headers=key)).status_code == 204
    assert [b["id"] for b in await own_banks(client, owner)] == [by_key["id"]]


async def test_a_read_key_cannot_write(client: httpx.AsyncClient, owner: Account) -> None:
    key = bearer((await create_api_key(client, owner, ["questions:read"]))["secret"])
    response = await client.post(banks_url(owner), json={"name": "Nope"}, headers=key)
    body = assert_problem(response, 403, "insufficient_scope")
    assert body["scope"] == "questions:write"
    assert await own_banks(client, owner) == []


async def test_another_workspaces_banks_are_not_found(
    client: httpx.AsyncClient, owner: Account
) -> None:
    stranger = await signup(client, name="Stranger")
    theirs, their_questions = await bank_with_questions(client, stranger, ["Private?"])
    question_id = their_questions[0]["id"]
    # The owner names the stranger's ids inside their own workspace: simply not found.
    reads = [
        client.get(banks_url(owner, theirs["id"]), headers=owner.headers),
        client.get(questions_url(owner, theirs["id"]), headers=owner.headers),
        client.get(questions_url(owner, theirs["id"], question_id), headers=owner.headers),
        client.patch(banks_url(owner, theirs["id"]), json={"name": "x"}, headers=owner.headers),
        client.delete(banks_url(owner, theirs["id"]), headers=owner.headers),
        client.post(
            questions_url(owner, theirs["id"]),
            json={"text": "Mine?", "category": "other"},
            headers=owner.headers,
        ),
        client.patch(
            questions_url(owner, theirs["id"], question_id),
            json={"text": "x"},
            headers=owner.headers,
        ),
        client.delete(questions_url(owner, theirs["id"], question_id), headers=owner.headers),
        client.post(
            questions_url(owner, theirs["id"]) + "/reorder",
            json={"question_ids": [question_id]},
            headers=owner.headers,
        ),
    ]
    for attempt in reads:
        assert_problem(await attempt, 404, "not_found")
    # And the stranger's workspace itself is not the owner's to see.
    assert_problem(await client.get(banks_url(stranger), headers=owner.headers), 404, "not_found")
    listed = await client.get(questions_url(stranger, theirs["id"]), headers=stranger.headers)
    assert [q["text"] for q in listed.json()["data"]] == ["Private?"]
    assert (
        await client.get(banks_url(stranger, theirs["id"]), headers=stranger.headers)
    ).json() == {
        **theirs,
        "question_count": 1,
    }


@pytest.mark.parametrize(
    "bank_id",
    [
        "nope",
        "qbk_123",
        ids.new_id("qbk"),
        ids.new_id("qst"),
        BUILTIN_BANK_ID.upper(),
        "qbk_" + "g" * 32,
    ],
)
async def test_bad_bank_ids_are_404(
    client: httpx.AsyncClient, owner: Account, bank_id: str
) -> None:
    for response in (
        await client.get(banks_url(owner, bank_id), headers=owner.headers),
        await client.patch(banks_url(owner, bank_id), json={"name": "x"}, headers=owner.headers),
        await client.delete(banks_url(owner, bank_id), headers=owner.headers),
        await client.post(banks_url(owner, bank_id) + "/copy", headers=owner.headers),
        await client.get(questions_url(owner, bank_id), headers=owner.headers),
    ):
        assert_problem(response, 404, "not_found")
    assert await own_banks(client, owner) == []

"""The built-in bank: readable by every workspace, listed first, read-only, copyable."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.questions.schemas import QuestionCategory
from tests.conftest import Account, add_member, assert_problem, bearer, create_api_key, signup
from tests.questions.factories import (
    BUILTIN_BANK_ID,
    all_questions,
    banks_url,
    create_bank,
    questions_url,
    texts_in_order,
)

BUILTIN_URL = "/v1/question-banks/builtin"
# A question that opens like this is usually a yes/no question: a dead end in an interview.
YES_NO_OPENINGS = ("do ", "does ", "is ", "are ", "can ", "could ", "would ", "will ", "have ")


async def builtin(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await client.get(BUILTIN_URL, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_builtin_bank_has_good_open_questions(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank = await builtin(client, owner)
    assert bank["object"] == "question_bank"
    assert bank["id"] == BUILTIN_BANK_ID
    assert bank["name"] == "Informational interview essentials"
    assert bank["builtin"] is True
    assert bank["workspace_id"] is None
    questions = bank["questions"]
    assert len(questions) >= 15
    assert bank["question_count"] == len(questions)
    assert [q["position"] for q in questions] == list(range(1, len(questions) + 1))
    categories = {q["category"] for q in questions}
    assert categories <= {c.value for c in QuestionCategory}
    # The topics advisers teach are all there.
    assert categories >= {
        "background",
        "typical_day",
        "satisfaction",
        "challenges",
        "opportunities",
        "getting_started",
        "job_titles",
        "employers",
        "referrals",
        "follow_up",
        "industry_trends",
        "advice",
    }
    for question in questions:
        assert question["object"] == "question"
        assert question["id"].startswith("qst_")
        assert question["bank_id"] == BUILTIN_BANK_ID
        text = question["text"]
        assert text.endswith("?"), text
        assert not text.lower().startswith(YES_NO_OPENINGS), text
        assert "hire me" not in text.lower(), text
        assert "job opening" not in text.lower(), text
    assert len({q["text"] for q in questions}) == len(questions)
    assert response_has_etag(await client.get(BUILTIN_URL, headers=owner.headers))


def response_has_etag(response: httpx.Response) -> bool:
    return response.headers.get("etag", "").startswith('"')


async def test_builtin_endpoint_honours_if_none_match(
    client: httpx.AsyncClient, owner: Account
) -> None:
    first = await client.get(BUILTIN_URL, headers=owner.headers)
    cached = await client.get(
        BUILTIN_URL, headers={**owner.headers, "If-None-Match": first.headers["etag"]}
    )
    assert cached.status_code == 304
    assert cached.content == b""


async def test_builtin_endpoint_needs_a_credential(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(BUILTIN_URL), 401, "unauthenticated")
    assert_problem(await client.get(BUILTIN_URL, headers=bearer("nope")), 401, "invalid_token")


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_every_member_reads_the_builtin_bank_in_their_workspace(
    client: httpx.AsyncClient, owner: Account, role: str
) -> None:
    member = await add_member(client, owner, role)
    expected = await builtin(client, owner)
    assert await builtin(client, member) == expected
    response = await client.get(banks_url(member, BUILTIN_BANK_ID), headers=member.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {k: v for k, v in expected.items() if k != "questions"}
    listed = await all_questions(client, member, BUILTIN_BANK_ID)
    assert listed == expected["questions"]
    first = expected["questions"][0]
    one = await client.get(
        questions_url(member, BUILTIN_BANK_ID, first["id"]), headers=member.headers
    )
    assert one.status_code == 200
    assert one.json() == first


async def test_an_api_key_with_questions_read_reads_the_builtin_bank(
    client: httpx.AsyncClient, owner: Account
) -> None:
    key = bearer((await create_api_key(client, owner, ["questions:read"]))["secret"])
    expected = await builtin(client, owner)
    response = await client.get(BUILTIN_URL, headers=key)
    assert response.status_code == 200
    assert response.json() == expected
    listed = await client.get(banks_url(owner), headers=key)
    assert listed.status_code == 200
    assert listed.json()["data"][0]["id"] == BUILTIN_BANK_ID
    response = await client.get(questions_url(owner, BUILTIN_BANK_ID), headers=key)
    assert response.status_code == 200
    assert len(response.json()["data"]) == min(20, expected["question_count"])


async def test_an_api_key_without_questions_scope_cannot_list_banks(
    client: httpx.AsyncClient, owner: Account
) -> None:
    key = bearer((await create_api_key(client, owner, ["people:read"]))["secret"])
    body = assert_problem(
        await client.get(banks_url(owner), headers=key), 403, "insufficient_scope"
    )
    assert body["scope"] == "questions:read"


async def test_builtin_bank_is_listed_first_in_every_workspace(
    client: httpx.AsyncClient, owner: Account
) -> None:
    stranger = await signup(client, name="Stranger")
    for account in (owner, stranger):
        response = await client.get(banks_url(account), headers=account.headers)
        assert response.status_code == 200, response.text
        [only] = response.json()["data"]
        assert only["id"] == BUILTIN_BANK_ID
        assert only["builtin"] is True
        assert only["workspace_id"] is None
        assert only["question_count"] >= 15


async def test_the_builtin_bank_is_read_only(client: httpx.AsyncClient, owner: Account) -> None:
    before = await builtin(client, owner)
    first_id = before["questions"][0]["id"]
    bank = banks_url(owner, BUILTIN_BANK_ID)
    question = questions_url(owner, BUILTIN_BANK_ID, first_id)
    every_id = [q["id"] for q in before["questions"]]
    attempts = [
        client.patch(bank, json={"name": "Mine now"}, headers=owner.headers),
        client.patch(bank, json={}, headers=owner.headers),
        client.delete(bank, headers=owner.headers),
        client.post(
            questions_url(owner, BUILTIN_BANK_ID),
            json={"text": "What else?", "category": "other"},
            headers=owner.headers,
        ),
        client.patch(question, json={"text": "Changed?"}, headers=owner.headers),
        client.patch(question, json={"position": 3}, headers=owner.headers),
        client.delete(question, headers=owner.headers),
        client.post(
            questions_url(owner, BUILTIN_BANK_ID) + "/reorder",
            json={"question_ids": list(reversed(every_id))},
            headers=owner.headers,
        ),
    ]
    for attempt in attempts:
        assert_problem(await attempt, 403, "builtin_read_only")
    assert await builtin(client, owner) == before


async def test_a_viewer_writing_to_the_builtin_bank_is_refused_by_role(
    client: httpx.AsyncClient, owner: Account
) -> None:
    viewer = await add_member(client, owner, "viewer")
    response = await client.delete(banks_url(viewer, BUILTIN_BANK_ID), headers=viewer.headers)
    assert_problem(response, 403, "forbidden")


async def test_copy_the_builtin_bank_into_a_workspace(
    client: httpx.AsyncClient, owner: Account
) -> None:
    original = await builtin(client, owner)
    response = await client.post(banks_url(owner, BUILTIN_BANK_ID) + "/copy", headers=owner.headers)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["object"] == "question_bank"
    assert copy["id"].startswith("qbk_")
    assert copy["id"] != BUILTIN_BANK_ID
    assert copy["builtin"] is False
    assert copy["workspace_id"] == owner.workspace_id
    assert copy["name"] == original["name"]
    assert copy["description"] == original["description"]
    assert copy["question_count"] == original["question_count"]
    assert response.headers["location"] == banks_url(owner, copy["id"])
    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.json() == copy
    assert fetched.headers["etag"] == response.headers["etag"]

    copied = await all_questions(client, owner, copy["id"])
    fields = ("text", "category", "notes", "position")
    assert [{k: q[k] for k in fields} for q in copied] == [
        {k: q[k] for k in fields} for q in original["questions"]
    ]
    assert not {q["id"] for q in copied} & {q["id"] for q in original["questions"]}
    assert all(q["bank_id"] == copy["id"] for q in copied)

    # The copy is the workspace's own: it can change, and the built-in bank does not.
    renamed = await client.patch(
        banks_url(owner, copy["id"]), json={"name": "My essentials"}, headers=owner.headers
    )
    assert renamed.status_code == 200
    moved = await client.patch(
        questions_url(owner, copy["id"], copied[-1]["id"]),
        json={"position": 1},
        headers=owner.headers,
    )
    assert moved.status_code == 200
    assert (await texts_in_order(client, owner, copy["id"]))[0] == copied[-1]["text"]
    assert await builtin(client, owner) == original

    listed = (await client.get(banks_url(owner), headers=owner.headers)).json()["data"]
    assert [b["id"] for b in listed] == [BUILTIN_BANK_ID, copy["id"]]


async def test_copy_with_a_name_and_by_an_editor(client: httpx.AsyncClient, owner: Account) -> None:
    editor = await add_member(client, owner, "editor")
    response = await client.post(
        banks_url(editor, BUILTIN_BANK_ID) + "/copy",
        json={"name": "For the design interviews"},
        headers=editor.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "For the design interviews"
    assert response.json()["workspace_id"] == owner.workspace_id


async def test_a_viewer_cannot_copy(client: httpx.AsyncClient, owner: Account) -> None:
    viewer = await add_member(client, owner, "viewer")
    response = await client.post(
        banks_url(viewer, BUILTIN_BANK_ID) + "/copy", headers=viewer.headers
    )
    assert_problem(response, 403, "forbidden")
    listed = (await client.get(banks_url(owner), headers=owner.headers)).json()["data"]
    assert [b["id"] for b in listed] == [BUILTIN_BANK_ID]


async def test_copy_rejects_a_bad_body_and_creates_nothing(
    client: httpx.AsyncClient, owner: Account
) -> None:
    url = banks_url(owner, BUILTIN_BANK_ID) + "/copy"
    for body in ({"name": ""}, {"name": "x" * 201}, {"nmae": "typo"}, {"name": 7}, [1]):
        response = await client.post(url, json=body, headers=owner.headers)
        assert_problem(response, 422, "validation_failed")
    listed = (await client.get(banks_url(owner), headers=owner.headers)).json()["data"]
    assert [b["id"] for b in listed] == [BUILTIN_BANK_ID]


async def test_copying_an_own_bank_copies_its_questions(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank = await create_bank(client, owner, "Source", description="Original")
    for text, category in (("First?", "background"), ("Second?", "advice"), ("Third?", "other")):
        await client.post(
            questions_url(owner, bank["id"]),
            json={"text": text, "category": category, "notes": f"about {text}"},
            headers=owner.headers,
        )
    response = await client.post(
        banks_url(owner, bank["id"]) + "/copy", json={"name": "Copy"}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    assert (copy["name"], copy["description"], copy["question_count"]) == ("Copy", "Original", 3)
    assert await texts_in_order(client, owner, copy["id"]) == ["First?", "Second?", "Third?"]
    notes = [q["notes"] for q in await all_questions(client, owner, copy["id"])]
    assert notes == ["about First?", "about Second?", "about Third?"]
    assert await texts_in_order(client, owner, bank["id"]) == ["First?", "Second?", "Third?"]


async def test_another_workspaces_bank_cannot_be_copied(
    client: httpx.AsyncClient, owner: Account
) -> None:
    stranger = await signup(client, name="Stranger")
    theirs = await create_bank(client, stranger, "Private")
    response = await client.post(banks_url(owner, theirs["id"]) + "/copy", headers=owner.headers)
    assert_problem(response, 404, "not_found")
    listed = (await client.get(banks_url(owner), headers=owner.headers)).json()["data"]
    assert [b["id"] for b in listed] == [BUILTIN_BANK_ID]

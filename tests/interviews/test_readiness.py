"""An interview's readiness checklist: each item passing and failing, the score, and access."""

from __future__ import annotations

from typing import Any

import httpx

from app.core import ids
from app.core.db import Database
from tests.conftest import Account, assert_problem, signup
from tests.interviews.factories import base, create_interview, make_organisation, make_person

GOOD_QUESTIONS = [
    "How did you get into this field?",
    "What does a typical week look like for you?",
    "What would you do in my position?",
]
ITEM_IDS = [
    "introduction_written",
    "agenda_size",
    "no_question_warnings",
    "organisation_researched",
    "logistics_set",
    "referrer_permission",
]


async def readiness(
    client: httpx.AsyncClient, account: Account, interview_id: str
) -> dict[str, Any]:
    response = await client.get(
        f"{base(account)}/{interview_id}/readiness", headers=account.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["object"] == "interview_readiness"
    assert body["interview_id"] == interview_id
    assert [i["id"] for i in body["items"]] == ITEM_IDS
    for item in body["items"]:
        assert item["label"]
        assert item["detail"]
    return body


def passed(body: dict[str, Any]) -> dict[str, bool]:
    return {i["id"]: i["passed"] for i in body["items"]}


def detail(body: dict[str, Any], item_id: str) -> str:
    return next(str(i["detail"]) for i in body["items"] if i["id"] == item_id)


async def patch(client: httpx.AsyncClient, account: Account, url: str, **fields: Any) -> None:
    response = await client.patch(url, json=fields, headers=account.headers)
    assert response.status_code == 200, response.text


async def add_agenda(
    client: httpx.AsyncClient, account: Account, interview_id: str, texts: list[str]
) -> None:
    for text in texts:
        response = await client.post(
            f"{base(account)}/{interview_id}/agenda", json={"text": text}, headers=account.headers
        )
        assert response.status_code == 201, response.text


async def schedule(
    client: httpx.AsyncClient, account: Account, interview_id: str, **logistics: Any
) -> None:
    response = await client.post(
        f"{base(account)}/{interview_id}/schedule",
        json={"scheduled_at": "2026-12-01T09:30:00Z", **logistics},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text


async def prepared_interview(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> tuple[str, str, str, str]:
    """An interview that passes every item: (interview, person, referrer, organisation) ids."""
    ws = owner.workspace_id
    organisation_id = await make_organisation(database, ws, "Contoso")
    await patch(
        client,
        owner,
        f"/v1/workspaces/{ws}/organisations/{organisation_id}",
        culture="Small teams.",
        recent_news="A new lab.",
    )
    referrer_id = await make_person(database, ws, "Ada Lovelace")
    await patch(
        client, owner, f"/v1/workspaces/{ws}/people/{referrer_id}", may_use_name_as_referral=True
    )
    person_id = await make_person(database, ws, "Grace Hopper", organisation_id)
    await patch(
        client, owner, f"/v1/workspaces/{ws}/people/{person_id}", referred_by_id=referrer_id
    )
    interview = await create_interview(
        client, owner, person_id, introduction="I am a chemist moving into energy storage."
    )
    await add_agenda(client, owner, interview["id"], GOOD_QUESTIONS)
    await schedule(
        client, owner, interview["id"], format="video", meeting_url="https://meet.example.com/x"
    )
    return interview["id"], person_id, referrer_id, organisation_id


async def test_a_prepared_interview_is_ready(
    client: httpx.AsyncClient, owner: Account, database: Database, viewer: Account
) -> None:
    interview_id, *_ = await prepared_interview(client, owner, database)
    body = await readiness(client, viewer, interview_id)  # interviews:read is enough
    assert all(passed(body).values()), body
    assert body["ready"] is True
    assert body["score"] == 100
    assert detail(body, "agenda_size") == "3 questions on the agenda."
    assert detail(body, "organisation_researched") == "2 of 6 research fields filled."
    assert "may use" in detail(body, "referrer_permission")


async def test_a_bare_interview_fails_what_is_missing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id, introduction="   ")
    body = await readiness(client, owner, interview["id"])
    assert passed(body) == {
        "introduction_written": False,
        "agenda_size": False,
        "no_question_warnings": True,
        "organisation_researched": False,
        "logistics_set": False,
        "referrer_permission": True,
    }
    assert body["ready"] is False
    assert body["score"] == 33
    assert detail(body, "organisation_researched") == "No organisation."
    assert detail(body, "referrer_permission") == "The person was not referred."
    assert detail(body, "agenda_size") == "0 questions on the agenda; prepare 3 to 6."


async def test_agenda_size_and_warnings(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview_id, *_ = await prepared_interview(client, owner, database)
    await add_agenda(client, owner, interview_id, ["What is hard about it?"] * 3)
    body = await readiness(client, owner, interview_id)
    assert passed(body)["agenda_size"] is True  # six
    await add_agenda(client, owner, interview_id, ["Are you hiring?"])
    body = await readiness(client, owner, interview_id)
    assert passed(body)["agenda_size"] is False  # seven
    assert passed(body)["no_question_warnings"] is False
    assert detail(body, "no_question_warnings").endswith("by position: 7.")
    assert body["score"] == 67
    assert body["ready"] is False


async def test_research_needs_two_fields(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview_id, _, _, organisation_id = await prepared_interview(client, owner, database)
    url = f"/v1/workspaces/{owner.workspace_id}/organisations/{organisation_id}"
    await patch(client, owner, url, recent_news=None)
    body = await readiness(client, owner, interview_id)
    assert passed(body)["organisation_researched"] is False
    assert (
        detail(body, "organisation_researched") == "1 of 6 research fields filled; fill at least 2."
    )
    await patch(client, owner, url, why_interested="Their grid work.")
    assert passed(await readiness(client, owner, interview_id))["organisation_researched"]


async def test_logistics_depend_on_the_format(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id, format="in_person")
    interview_id = interview["id"]
    body = await readiness(client, owner, interview_id)
    assert detail(body, "logistics_set") == "Missing a scheduled time, a location."

    await schedule(client, owner, interview_id)
    assert passed(await readiness(client, owner, interview_id))["logistics_set"] is False
    url = f"{base(owner)}/{interview_id}"
    await patch(client, owner, url, location="Their office, 3rd floor")
    assert passed(await readiness(client, owner, interview_id))["logistics_set"] is True

    await patch(client, owner, url, format="video", location=None)
    body = await readiness(client, owner, interview_id)
    assert detail(body, "logistics_set") == "Missing a meeting URL."
    await patch(client, owner, url, format="phone")
    assert passed(await readiness(client, owner, interview_id))["logistics_set"] is True
    await patch(client, owner, url, format=None)
    assert passed(await readiness(client, owner, interview_id))["logistics_set"] is False


async def test_referrer_permission_must_be_recorded(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interview_id, _, referrer_id, _ = await prepared_interview(client, owner, database)
    url = f"/v1/workspaces/{owner.workspace_id}/people/{referrer_id}"
    await patch(client, owner, url, may_use_name_as_referral=None)
    body = await readiness(client, owner, interview_id)
    assert passed(body)["referrer_permission"] is False
    assert body["score"] == 83
    # A refusal is a recorded answer too.
    await patch(client, owner, url, may_use_name_as_referral=False)
    body = await readiness(client, owner, interview_id)
    assert passed(body)["referrer_permission"] is True
    assert "may not" in detail(body, "referrer_permission")


async def test_readiness_of_an_unknown_or_foreign_interview_is_404(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client)
    person_id = await make_person(database, stranger.workspace_id)
    foreign = await create_interview(client, stranger, person_id)
    for interview_id in (foreign["id"], ids.new_id("int"), "int_x", ids.new_id("per")):
        response = await client.get(
            f"{base(owner)}/{interview_id}/readiness", headers=owner.headers
        )
        assert_problem(response, 404, "not_found")

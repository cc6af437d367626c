"""`POST …/interviews/{interview_id}/referrals`: names given in an interview become people,
referral records and follow-ups, all in one transaction or not at all."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.core import ids
from app.core.db import Database, utcnow
from tests.conftest import Account, assert_problem, signup
from tests.referrals.factories import (
    insert_interview,
    insert_organisation,
    make_person,
    snapshot,
    stored_follow_ups,
    stored_person,
    workspace_path,
)
from tests.request_schemas import request_body_validator


def referrals_url(account: Account, interview_id: str) -> str:
    return f"{workspace_path(account)}/interviews/{interview_id}/referrals"


async def post_referrals(
    client: httpx.AsyncClient, account: Account, interview_id: str, *items: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        referrals_url(account, interview_id),
        json={"referrals": list(items)},
        headers=account.headers,
    )


async def interview_with(database: Database, account: Account, name: str = "Ines Rao") -> tuple:
    interviewee = await make_person(database, account.workspace_id, name)
    interview_id = await insert_interview(database, account.workspace_id, interviewee)
    return interviewee, interview_id


async def test_creates_new_people_and_links_existing_ones_with_follow_ups(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interviewee, interview_id = await interview_with(database, owner)
    organisation_id = await insert_organisation(database, owner.workspace_id)
    existing = await make_person(database, owner.workspace_id, "Ken Ito")
    before = utcnow()

    response = await post_referrals(
        client,
        owner,
        interview_id,
        {
            "given_name": "Grace",
            "family_name": "Hopper",
            "email": "grace@example.com",
            "job_title": "Analyst",
            "organisation_id": organisation_id,
            "may_use_referrer_name": True,
            "notes": "Runs the analytics team.",
        },
        {"person_id": existing, "may_use_referrer_name": None},
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["object"] == "list"
    assert body["has_more"] is False
    new, linked = body["data"]
    for referral in (new, linked):
        assert referral["object"] == "referral"
        assert referral["id"].startswith("ref_")
        assert referral["interview_id"] == interview_id
        assert referral["referrer_id"] == interviewee
        assert referral["follow_up_id"].startswith("fup_")
    assert new["may_use_referrer_name"] is True
    assert new["notes"] == "Runs the analytics team."
    assert linked["person_id"] == existing
    assert linked["may_use_referrer_name"] is None

    person = await stored_person(database, new["person_id"])
    assert person["display_name"] == "Grace Hopper"
    assert person["source"] == "referral"
    assert person["referred_by_id"] == interviewee
    assert person["relationship_stage"] == "identified"
    assert person["organisation_id"] == organisation_id
    assert person["job_title"] == "Analyst"
    assert person["emails"] == [{"address": "grace@example.com", "label": None, "primary": True}]
    assert (await stored_person(database, existing))["referred_by_id"] == interviewee

    follow_ups = {f["id"]: f for f in await stored_follow_ups(database, owner.workspace_id)}
    assert set(follow_ups) == {new["follow_up_id"], linked["follow_up_id"]}
    task = follow_ups[new["follow_up_id"]]
    assert task["kind"] == "contact_referral"
    assert task["status"] == "open"
    assert task["person_id"] == new["person_id"]
    assert task["interview_id"] == interview_id
    assert task["title"] == "Contact Grace Hopper (referred by Ines Rao)"
    assert before + timedelta(days=7) <= task["due_at"] <= utcnow() + timedelta(days=7)
    assert follow_ups[linked["follow_up_id"]]["title"] == "Contact Ken Ito (referred by Ines Rao)"


async def test_an_existing_referrer_is_kept_and_the_referral_still_recorded(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    first_referrer = await make_person(database, owner.workspace_id, "Ada Lovelace")
    existing = await make_person(
        database, owner.workspace_id, "Ken Ito", referred_by_id=first_referrer
    )

    response = await post_referrals(client, owner, interview_id, {"person_id": existing})

    assert response.status_code == 201, response.text
    assert response.json()["data"][0]["person_id"] == existing
    assert (await stored_person(database, existing))["referred_by_id"] == first_referrer


async def test_one_invalid_item_keeps_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    existing = await make_person(database, owner.workspace_id, "Ken Ito")
    before = await snapshot(database, owner.workspace_id)

    response = await post_referrals(
        client,
        owner,
        interview_id,
        {"given_name": "Grace"},
        {"person_id": existing},
        {"person_id": ids.new_id("per")},
    )

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [
        {
            "pointer": "/referrals/2/person_id",
            "detail": "No person with this id in this workspace.",
            "code": "person_not_found",
        }
    ]
    assert await snapshot(database, owner.workspace_id) == before


async def test_an_unknown_organisation_keeps_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    before = await snapshot(database, owner.workspace_id)

    response = await post_referrals(
        client,
        owner,
        interview_id,
        {"given_name": "Grace"},
        {"given_name": "Ken", "organisation_id": ids.new_id("org")},
    )

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/referrals/1/organisation_id"
    assert body["errors"][0]["code"] == "organisation_not_found"
    assert await snapshot(database, owner.workspace_id) == before


async def test_referring_the_interviewee_to_themselves_is_a_cycle(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    interviewee, interview_id = await interview_with(database, owner)
    before = await snapshot(database, owner.workspace_id)

    response = await post_referrals(client, owner, interview_id, {"person_id": interviewee})

    body = assert_problem(response, 409, "referral_cycle")
    assert body["errors"][0]["pointer"] == "/referrals/0/person_id"
    assert await snapshot(database, owner.workspace_id) == before


async def test_naming_someone_up_the_chain_is_a_cycle(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    # ancestor referred middle, who referred the interviewee: none of them can be named now.
    ancestor = await make_person(database, owner.workspace_id, "Ada Lovelace")
    middle = await make_person(database, owner.workspace_id, "Ken Ito", referred_by_id=ancestor)
    interviewee = await make_person(database, owner.workspace_id, "Ines Rao", referred_by_id=middle)
    interview_id = await insert_interview(database, owner.workspace_id, interviewee)
    before = await snapshot(database, owner.workspace_id)

    for person_id in (ancestor, middle):
        response = await post_referrals(
            client, owner, interview_id, {"given_name": "Grace"}, {"person_id": person_id}
        )
        body = assert_problem(response, 409, "referral_cycle")
        assert body["errors"][0]["pointer"] == "/referrals/1/person_id"
    assert await snapshot(database, owner.workspace_id) == before


async def test_naming_a_person_twice_is_already_referred(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    existing = await make_person(database, owner.workspace_id, "Ken Ito")
    before = await snapshot(database, owner.workspace_id)

    twice = await post_referrals(
        client, owner, interview_id, {"person_id": existing}, {"person_id": existing}
    )
    body = assert_problem(twice, 409, "already_referred")
    assert body["errors"][0]["pointer"] == "/referrals/1/person_id"
    assert await snapshot(database, owner.workspace_id) == before

    first = await post_referrals(client, owner, interview_id, {"person_id": existing})
    assert first.status_code == 201, first.text
    after_first = await snapshot(database, owner.workspace_id)
    again = await post_referrals(client, owner, interview_id, {"person_id": existing})
    assert_problem(again, 409, "already_referred")
    assert await snapshot(database, owner.workspace_id) == after_first


async def test_bad_shapes_are_422_and_change_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    existing = await make_person(database, owner.workspace_id, "Ken Ito")
    before = await snapshot(database, owner.workspace_id)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"referrals": []}, "/referrals", "too_short"),
        ({"referrals": [{"given_name": "A"}] * 21}, "/referrals", "too_long"),
        ({"referrals": [{"notes": "no name"}]}, "/referrals/0/display_name", "name_required"),
        (
            {"referrals": [{"person_id": existing, "given_name": "Ken"}]},
            "/referrals/0/person_id",
            "person_or_new_contact",
        ),
        ({"referrals": [{"given_name": "A", "email": "nope"}]}, "/referrals/0/email", ""),
        ({"referrals": [{"given_name": "A", "colour": "red"}]}, "/referrals/0/colour", ""),
        (
            {"referrals": [{"given_name": "A", "may_use_referrer_name": "yes"}]},
            "/referrals/0/may_use_referrer_name",
            "bool_type",
        ),
        ({"referrals": [{"given_name": "x" * 101}]}, "/referrals/0/given_name", ""),
    ]
    for payload, pointer, code in cases:
        response = await client.post(
            referrals_url(owner, interview_id), json=payload, headers=owner.headers
        )
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"][0]["pointer"] == pointer, body
        if code:
            assert body["errors"][0]["code"] == code, body
    assert await snapshot(database, owner.workspace_id) == before


# Items around the shape rule (PERSON: an existing person, ORG: an organisation), and the code
# the server refuses each with, or None when it takes it.
PERSON, ORG = "<person>", "<organisation>"
SHAPES: list[tuple[dict[str, Any], str | None]] = [
    ({"person_id": PERSON}, None),
    ({"person_id": PERSON, "notes": "x", "may_use_referrer_name": True}, None),
    ({"person_id": PERSON, "given_name": None, "email": None, "organisation_id": None}, None),
    ({"given_name": "Grace"}, None),
    ({"family_name": "Hopper", "person_id": None}, None),
    (
        {"display_name": "G", "email": "g@example.com", "job_title": "CTO", "organisation_id": ORG},
        None,
    ),
    ({"given_name": "Grace", "display_name": None, "notes": "x"}, None),
    ({"person_id": PERSON, "given_name": "Ken"}, "person_or_new_contact"),
    ({"person_id": PERSON, "display_name": "Ken"}, "person_or_new_contact"),
    ({"person_id": PERSON, "email": "ken@example.com"}, "person_or_new_contact"),
    ({"person_id": PERSON, "job_title": "CTO"}, "person_or_new_contact"),
    ({"person_id": PERSON, "organisation_id": ORG}, "person_or_new_contact"),
    ({}, "name_required"),
    ({"notes": "x", "may_use_referrer_name": False}, "name_required"),
    ({"email": "g@example.com", "job_title": "CTO", "organisation_id": ORG}, "name_required"),
    ({"person_id": None}, "name_required"),
    (
        {"person_id": None, "given_name": None, "family_name": None, "display_name": None},
        "name_required",
    ),
]


@pytest.mark.parametrize(("shape", "code"), SHAPES)
async def test_the_documents_shape_rule_is_the_servers(
    app: Any,
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    shape: dict[str, Any],
    code: str | None,
) -> None:
    """The object-level `not` of ReferralCreate refuses exactly the items the server refuses
    with `person_or_new_contact` or `name_required` (a null counting as left out)."""
    _, interview_id = await interview_with(database, owner)
    names = {
        PERSON: await make_person(database, owner.workspace_id, "Ken Ito"),
        ORG: await insert_organisation(database, owner.workspace_id),
    }
    referral = {key: names.get(value, value) for key, value in shape.items()}
    body = {"referrals": [referral]}
    assert request_body_validator(app.openapi(), "referrals_create").is_valid(body) is (
        code is None
    )

    before = await snapshot(database, owner.workspace_id)
    response = await client.post(
        referrals_url(owner, interview_id), json=body, headers=owner.headers
    )
    if code is None:
        assert response.status_code == 201, response.text
    else:
        problem = assert_problem(response, 422, "validation_failed")
        assert [e["code"] for e in problem["errors"]] == [code], problem
        assert await snapshot(database, owner.workspace_id) == before


async def test_viewer_cannot_record_referrals(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    before = await snapshot(database, owner.workspace_id)

    response = await post_referrals(client, viewer, interview_id, {"given_name": "Grace"})

    assert_problem(response, 403, "forbidden")
    assert await snapshot(database, owner.workspace_id) == before


async def test_editor_may_record_referrals(
    client: httpx.AsyncClient, owner: Account, editor: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    response = await post_referrals(client, editor, interview_id, {"given_name": "Grace"})
    assert response.status_code == 201, response.text


async def test_another_workspaces_interview_is_not_found(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client, name="Stranger")
    _, foreign_interview = await interview_with(database, stranger)
    own_person = await make_person(database, owner.workspace_id, "Ken Ito")
    before = await snapshot(database, owner.workspace_id)

    for interview_id in (foreign_interview, "int_nope", ids.new_id("per")):
        response = await post_referrals(client, owner, interview_id, {"person_id": own_person})
        assert_problem(response, 404, "not_found")
    assert await snapshot(database, owner.workspace_id) == before


async def test_another_workspaces_person_cannot_be_named(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client, name="Stranger")
    foreign_person = await make_person(database, stranger.workspace_id, "Ken Ito")
    _, interview_id = await interview_with(database, owner)

    response = await post_referrals(client, owner, interview_id, {"person_id": foreign_person})

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "person_not_found"
    assert (await stored_person(database, foreign_person))["referred_by_id"] is None


async def test_concurrent_requests_naming_one_person_keep_one_referral(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    existing = await make_person(database, owner.workspace_id, "Ken Ito")

    responses = await asyncio.gather(
        *(post_referrals(client, owner, interview_id, {"person_id": existing}) for _ in range(3))
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "already_referred")
    assert len((await snapshot(database, owner.workspace_id))["referrals"]) == 1

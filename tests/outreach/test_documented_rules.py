"""The outreach bodies' rules between fields as the OpenAPI document states them: the server
accepts a body exactly when the document's schema does (a fuzzer flags each valid body refused
with 422, and each invalid one accepted)."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.db import Database
from tests.conftest import Account, assert_problem
from tests.outreach.factories import (
    act,
    create_outreach,
    outreach_url,
    stored_interviews,
    stored_outreach,
)
from tests.people.factories import create_person
from tests.request_schemas import request_body_validator

AT = "2026-11-20T09:30:00Z"

# (the body but `person_id` and `channel`, whether the document accepts it): `sent_at` only
# with status `sent`, a draft being the default.
CREATES: list[tuple[dict[str, Any], bool]] = [
    ({}, True),
    ({"status": "draft"}, True),
    ({"sent_at": None}, True),
    ({"status": "draft", "sent_at": None}, True),
    ({"status": "sent"}, True),
    ({"status": "sent", "sent_at": AT}, True),
    ({"status": "sent", "sent_at": None}, True),
    ({"sent_at": AT}, False),
    ({"status": "draft", "sent_at": AT}, False),
    ({"status": "accepted", "sent_at": AT}, False),
]

# (an accept's body, whether the document accepts it): no interview field (a null one too, but
# a null `duration_minutes`) with `create_interview: false`.
ACCEPTS: list[tuple[dict[str, Any], bool]] = [
    ({}, True),
    ({"create_interview": False}, True),
    ({"create_interview": False, "duration_minutes": None}, True),
    ({"create_interview": True, "career_field": "Data", "duration_minutes": 30}, True),
    ({"career_field": "Data", "organisation_id": None, "format": "video"}, True),
    ({"create_interview": False, "career_field": "Data"}, False),
    ({"create_interview": False, "organisation_id": None}, False),
    ({"create_interview": False, "timezone": None}, False),
    ({"create_interview": False, "duration_minutes": 30}, False),
]


async def test_a_create_is_accepted_exactly_when_the_document_accepts_it(
    app: Any, client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    validator = request_body_validator(app.openapi(), "outreach_create")
    person = await create_person(client, owner)
    for fields, valid in CREATES:
        body = {"person_id": person["id"], "channel": "email", **fields}
        assert validator.is_valid(body) is valid, body
        before = await stored_outreach(database, owner.workspace_id)
        response = await client.post(outreach_url(owner), json=body, headers=owner.headers)
        if valid:
            assert response.status_code == 201, (body, response.text)
            created = response.json()
            assert created["status"] == fields.get("status", "draft")
            assert (created["sent_at"] is not None) is (created["status"] == "sent")
            continue
        problem = assert_problem(response, 422, "validation_failed")
        assert await stored_outreach(database, owner.workspace_id) == before
        if fields.get("status", "draft") == "draft":
            assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
                ("/sent_at", "draft_sent_at")
            ]


async def test_an_accept_is_accepted_exactly_when_the_document_accepts_it(
    app: Any, client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    validator = request_body_validator(app.openapi(), "outreach_accept")
    person = await create_person(client, owner)
    for body, valid in ACCEPTS:
        assert validator.is_valid(body) is valid, body
        sent = await create_outreach(client, owner, person["id"], status="sent", sent_at=AT)
        interviews = await stored_interviews(database, person["id"])
        response = await act(client, owner, sent["id"], "accept", body)
        if valid:
            assert response.status_code == 200, (body, response.text)
            assert response.json()["status"] == "accepted"
            continue
        problem = assert_problem(response, 422, "validation_failed")
        assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
            ("/create_interview", "interview_fields_unused")
        ]
        assert await stored_interviews(database, person["id"]) == interviews

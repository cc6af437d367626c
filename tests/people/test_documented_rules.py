"""The people bodies' rules as the OpenAPI document states them: the server accepts a body
exactly when the document's schema does (a fuzzer flags each valid body refused with 422)."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.db import Database
from tests.conftest import Account, assert_problem
from tests.people.factories import collection, create_person, item, stored_people
from tests.request_schemas import request_body_validator

# (body, whether the document accepts it): the name rule of a create, absent and null alike.
CREATES: list[tuple[dict[str, Any], bool]] = [
    ({}, False),
    ({"given_name": None, "family_name": None, "display_name": None}, False),
    ({"display_name": None}, False),
    ({"job_title": "Analyst", "tags": ["warm"]}, False),
    ({"given_name": ""}, False),
    ({"given_name": "", "family_name": "Hopper"}, False),
    ({"given_name": "Grace"}, True),
    ({"family_name": "Hopper", "given_name": None}, True),
    ({"display_name": "The recruiter", "given_name": None, "family_name": None}, True),
    ({"given_name": " "}, True),
]
# Patches the document accepts whatever the names stored: none is refused for them.
PATCHES: list[dict[str, Any]] = [
    {},
    {"display_name": None},
    {"given_name": None},
    {"family_name": None},
    {"given_name": None, "family_name": None, "display_name": None},
    {"given_name": "Ada", "display_name": None},
]


async def test_a_create_is_accepted_exactly_when_the_document_accepts_it(
    app: Any, client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    validator = request_body_validator(app.openapi(), "people_create")
    for body, valid in CREATES:
        assert validator.is_valid(body) is valid, body
        before = await stored_people(database, owner.workspace_id)
        response = await client.post(collection(owner), json=body, headers=owner.headers)
        if valid:
            assert response.status_code == 201, (body, response.text)
            continue
        problem = assert_problem(response, 422, "validation_failed")
        assert await stored_people(database, owner.workspace_id) == before
        if all(body.get(name) is None for name in ("given_name", "family_name", "display_name")):
            assert problem["errors"] == [
                {
                    "pointer": "/display_name",
                    "detail": "At least one of given_name, family_name or display_name is "
                    "required.",
                    "code": "name_required",
                }
            ]


async def test_every_documented_patch_of_the_names_is_accepted(
    app: Any, client: httpx.AsyncClient, owner: Account
) -> None:
    """Whatever names are stored (none but a display name, derived ones, a chosen one), each
    patch the document accepts is accepted, and leaves a display name."""
    validator = request_body_validator(app.openapi(), "people_update")
    stored: list[dict[str, Any]] = [
        {"given_name": None, "family_name": None, "display_name": "The recruiter"},
        {"given_name": "Grace", "family_name": None},
        {"given_name": "Grace", "family_name": "Hopper"},
        {"given_name": "Grace", "family_name": "Hopper", "display_name": "Amazing Grace"},
    ]
    for names in stored:
        for body in PATCHES:
            assert validator.is_valid(body), body
            person = await create_person(client, owner, **names)
            response = await client.patch(
                item(owner, person["id"]), json=body, headers=owner.headers
            )
            assert response.status_code == 200, (names, body, response.text)
            assert response.json()["display_name"], (names, body)

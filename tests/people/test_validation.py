"""Bad input to people writes: problem+json with a pointer, and nothing stored or changed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.db import Database
from tests.conftest import Account, assert_problem
from tests.people.factories import collection, create_person, item, stored_people

NAME = {"given_name": "Ada"}

# (body fields, pointer of the first error, its code)
INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"given_name": 42}, "/given_name", "string_type"),
    ({"given_name": ""}, "/given_name", "string_too_short"),
    ({"given_name": "x" * 101}, "/given_name", "string_too_long"),
    ({"family_name": "x" * 101}, "/family_name", "string_too_long"),
    ({"display_name": "x" * 201}, "/display_name", "string_too_long"),
    ({"given_name": "Ad\u0000a"}, "/given_name", "value_error"),
    ({"nickname": "Ada"}, "/nickname", "extra_forbidden"),
    ({"id": "per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"}, "/id", "extra_forbidden"),
    ({"workspace_id": "wsp_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"}, "/workspace_id", "extra_forbidden"),
    ({"search_text": "x"}, "/search_text", "extra_forbidden"),
    ({"emails": "ada@example.com"}, "/emails", "list_type"),
    ({"emails": [{"address": "not-an-email"}]}, "/emails/0/address", "value_error"),
    ({"emails": [{"address": "a@example.com", "kind": "x"}]}, "/emails/0/kind", "extra_forbidden"),
    (
        {"emails": [{"address": "a@example.com", "label": "x" * 51}]},
        "/emails/0/label",
        "string_too_long",
    ),
    (
        {"emails": [{"address": "a@example.com", "primary": "yes"}]},
        "/emails/0/primary",
        "bool_type",
    ),
    ({"emails": [{"label": "work"}]}, "/emails/0/address", "missing"),
    (
        {"emails": [{"address": f"a{i}@example.com"} for i in range(21)]},
        "/emails",
        "too_long",
    ),
    (
        {
            "emails": [
                {"address": "a@example.com", "primary": True},
                {"address": "b@example.com", "primary": True},
            ]
        },
        "/emails",
        "multiple_primary",
    ),
    ({"phones": [{"number": "call me"}]}, "/phones/0/number", "invalid_phone"),
    ({"phones": [{"number": "12345"}]}, "/phones/0/number", "string_too_short"),
    ({"phones": [{"number": "1" * 21}]}, "/phones/0/number", "string_too_long"),
    ({"phones": [{"number": "555+1234567"}]}, "/phones/0/number", "invalid_phone"),
    ({"phones": [{"number": "(+) -- ..."}]}, "/phones/0/number", "invalid_phone"),
    ({"phones": [{"number": 5551234567}]}, "/phones/0/number", "string_type"),
    (
        {
            "phones": [
                {"number": "555 123 4567", "primary": True},
                {"number": "555 765 4321", "primary": True},
            ]
        },
        "/phones",
        "multiple_primary",
    ),
    ({"linkedin_url": "http://www.linkedin.com/in/ada"}, "/linkedin_url", "invalid_linkedin_url"),
    ({"linkedin_url": "https://example.com/in/ada"}, "/linkedin_url", "invalid_linkedin_url"),
    (
        {"linkedin_url": "https://linkedin.com.evil.example/in/ada"},
        "/linkedin_url",
        "invalid_linkedin_url",
    ),
    ({"linkedin_url": "linkedin.com/in/ada"}, "/linkedin_url", "invalid_linkedin_url"),
    ({"linkedin_url": "https://linkedin.com/" + "a" * 2048}, "/linkedin_url", "string_too_long"),
    ({"profile_urls": [{"url": "ftp://ada.example.com"}]}, "/profile_urls/0/url", "invalid_url"),
    ({"profile_urls": [{"url": "javascript:alert(1)"}]}, "/profile_urls/0/url", "invalid_url"),
    ({"profile_urls": [{"url": "https://"}]}, "/profile_urls/0/url", "invalid_url"),
    ({"profile_urls": [{"label": "site"}]}, "/profile_urls/0/url", "missing"),
    (
        {"profile_urls": [{"url": f"https://e.example/{i}"} for i in range(11)]},
        "/profile_urls",
        "too_long",
    ),
    ({"source": "carrier_pigeon"}, "/source", "enum"),
    ({"relationship_stage": "married"}, "/relationship_stage", "enum"),
    ({"relationship_stage": None}, "/relationship_stage", "enum"),
    ({"tags": ["x" * 51]}, "/tags/0", "string_too_long"),
    ({"tags": [""]}, "/tags/0", "string_too_short"),
    ({"tags": [f"t{i}" for i in range(51)]}, "/tags", "too_long"),
    ({"tags": "a,b"}, "/tags", "list_type"),
    ({"notes": "x" * 10_001}, "/notes", "string_too_long"),
    ({"job_title": "x" * 201}, "/job_title", "string_too_long"),
    ({"location": "x" * 201}, "/location", "string_too_long"),
    ({"may_use_name_as_referral": "yes"}, "/may_use_name_as_referral", "bool_type"),
    ({"open_to_follow_up": 1}, "/open_to_follow_up", "bool_type"),
    # A JSON integer, strictly: not a boolean, a float or numeric text.
    ({"stay_in_touch_every_days": True}, "/stay_in_touch_every_days", "int_type"),
    ({"stay_in_touch_every_days": 1.5}, "/stay_in_touch_every_days", "int_type"),
    ({"stay_in_touch_every_days": 90.5}, "/stay_in_touch_every_days", "int_type"),
    ({"stay_in_touch_every_days": "90"}, "/stay_in_touch_every_days", "int_type"),
    ({"last_contacted_at": "2026-11-20T10:30:00"}, "/last_contacted_at", "timezone_aware"),
    ({"last_contacted_at": "last tuesday"}, "/last_contacted_at", "datetime_from_date_parsing"),
    ({"organisation_id": 7}, "/organisation_id", "string_type"),
    ({"organisation_id": "org_" + "0" * 32}, "/organisation_id", "organisation_not_found"),
    ({"organisation_id": "x" * 65}, "/organisation_id", "string_too_long"),
    ({"referred_by_id": "per_" + "0" * 32}, "/referred_by_id", "person_not_found"),
    ({"referred_by_id": "per_"}, "/referred_by_id", "person_not_found"),
]


@pytest.mark.parametrize(("fields", "pointer", "code"), INVALID)
async def test_create_refuses_invalid_input(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    fields: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    response = await client.post(collection(owner), json={**NAME, **fields}, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    first = problem["errors"][0]
    assert (first["pointer"], first["code"]) == (pointer, code), problem
    assert await stored_people(database, owner.workspace_id) == []


@pytest.mark.parametrize(
    ("fields", "pointer", "code"),
    [case for case in INVALID if case[0] != {"relationship_stage": None}],
)
async def test_update_refuses_invalid_input(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    fields: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    person = await create_person(client, owner)
    before = await stored_people(database, owner.workspace_id)
    response = await client.patch(item(owner, person["id"]), json=fields, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    first = problem["errors"][0]
    assert (first["pointer"], first["code"]) == (pointer, code), problem
    assert await stored_people(database, owner.workspace_id) == before


@pytest.mark.parametrize(
    "body",
    [b"{", b"[1, 2]", b'"Ada"', b"null", b"", b'{"given_name": "Ada",}'],
)
async def test_bodies_that_are_not_a_json_object_are_refused(
    client: httpx.AsyncClient, owner: Account, database: Database, body: bytes
) -> None:
    response = await client.post(
        collection(owner),
        content=body,
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await stored_people(database, owner.workspace_id) == []


async def test_valid_edge_values_are_accepted(client: httpx.AsyncClient, owner: Account) -> None:
    person = await create_person(
        client,
        owner,
        given_name="x" * 100,
        family_name="y" * 100,
        phones=[{"number": "+1 (555) 123-4567"}, {"number": "1234567"}, {"number": "+" + "1" * 15}],
        linkedin_url="https://linkedin.com/in/ada",
        profile_urls=[{"url": "http://ada.example.com/about?x=1"}],
        tags=["t" * 50],
        notes="n" * 10_000,
        last_contacted_at="2026-01-01T00:00:00-08:00",
    )
    # "given family" is cut to the column's 200 characters.
    assert person["display_name"] == "x" * 100 + " " + "y" * 99
    assert person["last_contacted_at"] == "2026-01-01T08:00:00Z"

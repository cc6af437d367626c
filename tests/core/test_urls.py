"""Web addresses, LinkedIn profiles and phone numbers are checked by exactly the pattern the
document shows (app/core/urls.py): for each awkward value, the server accepts it if and only if
the document's schema does, and a refused one changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.urls import HTTP_URL_PATTERN, LINKEDIN_URL_PATTERN, PHONE_PATTERN
from tests.conftest import Account
from tests.people.factories import create_person
from tests.request_schemas import request_body_validator

URLS = [
    "https://ada.example.com",
    "HTTP://Ada.Example.com:8080/a?b=c#d",
    "http://[2001:db8::1]/path",
    "https://bücher.example/straße",
    "https://x",
    'https://ada.example.com/"quoted"',
    "https://user@ada.example.com/",
    "https://good.example@evil.example/",
    "ftp://ada.example.com",
    "https://",
    "https:///path",
    "https://ada.example.com/with space",
    "https://ada.example.com/\ttab",
    "https://ada.example.com/\nline",
    " https://ada.example.com",
    "https://ada.example.com:port/",
    "https://ada.example.com:123456/",
    "mailto:ada@example.com",
    "https://[not-ipv6]/",
    "https://ada.example.com\\path",
]
LINKEDIN = [
    "https://www.linkedin.com/in/ada-lovelace",
    "https://LinkedIn.com/in/ada",
    "https://uk.linkedin.com",
    "http://www.linkedin.com/in/ada",
    "https://linkedin.com.evil.example/in/ada",
    "https://evil-linkedin.com/in/ada",
    "https://www.linkedin.com./in/ada",
    "https://www.linkedin.com/in/ada lovelace",
]
PHONES = [
    "+44 20 7946 0958",
    "(020) 7946-0958",
    "0207946.0958",
    "1234567",
    "123456",
    "+1234567890123456",
    "++44 20 7946 0958",
    "44+20 7946 0958",
    "+44 20 7946 0958 ext",
    "- - - - - 1234567",
    "1234567 ",
]


@pytest.mark.parametrize(
    ("member", "values"),
    [("meeting_url", URLS), ("linkedin_url", LINKEDIN), ("phone", PHONES)],
)
async def test_the_server_takes_what_the_document_allows(
    app: Any, client: httpx.AsyncClient, owner: Account, member: str, values: list[str]
) -> None:
    document = app.openapi()
    person = await create_person(client, owner, display_name="Ada")
    base = f"/v1/workspaces/{owner.workspace_id}"
    accepted = refused = 0
    for value in values:
        if member == "meeting_url":
            operation, body = "interviews_create", {"person_id": person["id"], member: value}
            url, method = f"{base}/interviews", "POST"
        elif member == "linkedin_url":
            operation, body = "people_update", {member: value}
            url, method = f"{base}/people/{person['id']}", "PATCH"
        else:
            operation, body = "people_update", {"phones": [{"number": value}]}
            url, method = f"{base}/people/{person['id']}", "PATCH"
        valid = request_body_validator(document, operation).is_valid(body)
        before = await client.get(f"{base}/people/{person['id']}", headers=owner.headers)
        response = await client.request(method, url, json=body, headers=owner.headers)
        assert (response.status_code in (200, 201)) is valid, (value, response.text)
        if not valid:
            assert response.status_code == 422
            assert response.json()["errors"][0]["code"] in (
                "invalid_url",
                "invalid_linkedin_url",
                "invalid_phone",
                "string_too_short",
            )
            after = await client.get(f"{base}/people/{person['id']}", headers=owner.headers)
            assert after.json() == before.json()
        accepted += valid
        refused += not valid
    assert accepted >= 3
    assert refused >= 3


def test_each_shaped_input_carries_its_pattern(app: Any) -> None:
    schemas = app.openapi()["components"]["schemas"]

    def text(schema: dict[str, Any]) -> dict[str, Any]:
        return next(s for s in schema.get("anyOf", [schema]) if s.get("type") == "string")

    assert text(schemas["InterviewCreate"]["properties"]["meeting_url"])["pattern"] == (
        HTTP_URL_PATTERN
    )
    assert text(schemas["LeadCreate"]["properties"]["url"])["pattern"] == HTTP_URL_PATTERN
    assert schemas["ProfileUrlInput"]["properties"]["url"]["pattern"] == HTTP_URL_PATTERN
    assert text(schemas["PersonCreate"]["properties"]["linkedin_url"])["pattern"] == (
        LINKEDIN_URL_PATTERN
    )
    assert schemas["PersonPhoneInput"]["properties"]["number"]["pattern"] == PHONE_PATTERN


async def test_two_primary_entries_are_refused_as_the_document_says(
    app: Any, client: httpx.AsyncClient, owner: Account
) -> None:
    validator = request_body_validator(app.openapi(), "people_create")
    base = f"/v1/workspaces/{owner.workspace_id}/people"
    emails = [{"address": f"ada{i}@example.com"} for i in range(3)]
    for primaries in (0, 1, 2, 3):
        body = {
            "display_name": f"Ada {primaries}",
            "emails": [{**e, "primary": i < primaries} for i, e in enumerate(emails)],
        }
        response = await client.post(base, json=body, headers=owner.headers)
        assert validator.is_valid(body) is (primaries <= 1)
        assert (response.status_code == 201) is (primaries <= 1), response.text
        if primaries > 1:
            assert response.json()["errors"][0]["code"] == "multiple_primary"


async def test_a_final_newline_is_refused(client: httpx.AsyncClient, owner: Account) -> None:
    """ECMA-262's `$` (the document's dialect) matches only at the very end; Python's `re.search`
    (the jsonschema package's reading) would let one final newline through. The server reads
    the pattern as ECMA-262 does."""
    person = await create_person(client, owner, display_name="Ada")
    response = await client.patch(
        f"/v1/workspaces/{owner.workspace_id}/people/{person['id']}",
        json={"profile_urls": [{"url": "https://ada.example.com/\n"}]},
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invalid_url"


async def test_an_email_on_a_special_use_domain_is_refused_as_the_document_says(
    app: Any, client: httpx.AsyncClient, owner: Account
) -> None:
    validator = request_body_validator(app.openapi(), "invitations_create")
    url = f"/v1/workspaces/{owner.workspace_id}/invitations"
    for email, allowed in [
        ("coach@example.com", True),
        ("coach@school.example", True),
        ("coach@testing.example", True),
        ("coach@school.test", False),
        ("coach@TEST", False),
        ("coach@host.localhost", False),
        ("coach@x.Invalid", False),
        ("coach@in-addr.arpa", False),
    ]:
        body = {"email": email, "role": "viewer"}
        assert validator.is_valid(body) is allowed, email
        response = await client.post(url, json=body, headers=owner.headers)
        assert (response.status_code == 201) is allowed, (email, response.text)

"""An organisation's `website`: at most 2,048 characters as sent, `http` or `https` (what the
document says), stored and read back normalised, which can be up to three times longer."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.organisations.models import organisations
from app.organisations.schemas import WEBSITE_MAX, WEBSITE_PATTERN, WEBSITE_STORED_MAX
from tests.conftest import Account, assert_problem
from tests.organisations.factories import all_organisations, collection, create_organisation

LONG_HOST = "https://" + "a" * (WEBSITE_MAX - len("https://"))


def _padded(start: str, filler: str, end: str = "") -> str:
    """`start` + `filler` repeated + `end`, exactly WEBSITE_MAX characters."""
    return start + filler * (WEBSITE_MAX - len(start) - len(end)) + end


# Every character after the host percent-encoded: (as sent, as stored).
ENCODED = {
    "quotes in the path": (
        _padded("https://acme.io/", '"'),
        "https://acme.io/" + "%22" * (WEBSITE_MAX - 16),
    ),
    "apostrophes in the query": (
        _padded("https://acme.io/?q=", "'"),
        "https://acme.io/?q=" + "%27" * (WEBSITE_MAX - 19),
    ),
    # The longest ASCII gets: a one-digit IPv4 host grows to four numbers, a "/" is added.
    "a numeric host, quotes in the query": (
        _padded("http://1?", '"'),
        "http://0.0.0.1/?" + "%22" * (WEBSITE_MAX - 9),
    ),
}


def item(account: Account, organisation_id: str) -> str:
    return f"{collection(account)}/{organisation_id}"


async def _read_back(client: httpx.AsyncClient, owner: Account, organisation_id: str) -> Any:
    """The website a single read and a list page show."""
    single = await client.get(item(owner, organisation_id), headers=owner.headers)
    assert single.status_code == 200, single.text
    listed = {o["id"]: o for o in await all_organisations(client, owner)}
    assert listed[organisation_id] == single.json()
    return single.json()["website"]


def test_the_column_holds_every_normalised_website() -> None:
    assert WEBSITE_STORED_MAX == 3 * WEBSITE_MAX + 1
    assert organisations.c.website.type.length == WEBSITE_STORED_MAX  # type: ignore[attr-defined]


async def test_a_2048_character_host_without_a_path_is_accepted_on_create(
    client: httpx.AsyncClient, owner: Account
) -> None:
    assert len(LONG_HOST) == WEBSITE_MAX
    created = await create_organisation(client, owner, "Long", website=LONG_HOST)
    assert created["website"] == LONG_HOST + "/"
    assert await _read_back(client, owner, created["id"]) == LONG_HOST + "/"


async def test_a_2048_character_host_without_a_path_is_accepted_on_patch(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await create_organisation(client, owner, "Long", website="https://acme.io")
    response = await client.patch(
        item(owner, created["id"]), json={"website": LONG_HOST}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["website"] == LONG_HOST + "/"
    assert await _read_back(client, owner, created["id"]) == LONG_HOST + "/"


@pytest.mark.parametrize(("sent", "normalised"), list(ENCODED.values()), ids=list(ENCODED))
async def test_a_percent_encoded_website_is_stored_whole(
    client: httpx.AsyncClient, owner: Account, sent: str, normalised: str
) -> None:
    assert len(sent) == WEBSITE_MAX
    assert WEBSITE_MAX * 2 < len(normalised) <= WEBSITE_STORED_MAX
    created = await create_organisation(client, owner, "Encoded")
    assert created["website"] is None
    response = await client.patch(
        item(owner, created["id"]), json={"website": sent}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["website"] == normalised
    assert await _read_back(client, owner, created["id"]) == normalised

    made = await create_organisation(client, owner, "Encoded too", website=sent)
    assert made["website"] == normalised


@pytest.mark.parametrize(
    ("website", "code"),
    [
        (LONG_HOST + "a", "url_too_long"),
        (_padded("https://acme.io/", '"') + '"', "url_too_long"),
        ("ftp://example.com", "url_scheme"),
        # Not ASCII (which `format: uri` does not allow): 2,046 bytes whose host, punycoded,
        # is 9,173 characters.
        ("https://" + "㍿." * 509 + "io", "value_error"),
    ],
    ids=["2049 characters", "2049 characters to encode", "ftp", "a non-ASCII host"],
)
async def test_a_website_outside_the_document_is_422_on_create_and_patch(
    client: httpx.AsyncClient, owner: Account, website: str, code: str
) -> None:
    refused = await client.post(
        collection(owner), json={"name": "Refused", "website": website}, headers=owner.headers
    )
    body = assert_problem(refused, 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/website", code)]
    if code == "value_error":
        assert "6145 characters once normalised" in body["errors"][0]["detail"], body

    created = await create_organisation(client, owner, "Kept", website="https://acme.io")
    response = await client.patch(
        item(owner, created["id"]), json={"website": website}, headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/website", code)]
    assert await _read_back(client, owner, created["id"]) == "https://acme.io/"


async def test_the_document_states_the_scheme_and_the_length_as_sent(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    schemas = response.json()["components"]["schemas"]
    for name in ("OrganisationCreate", "OrganisationUpdate"):
        [string] = [
            s for s in schemas[name]["properties"]["website"]["anyOf"] if s["type"] == "string"
        ]
        assert string == {
            "type": "string",
            "format": "uri",
            "minLength": 1,
            "maxLength": WEBSITE_MAX,
            "pattern": WEBSITE_PATTERN,
        }
    # What the tests above send: accepted exactly when the document allows it.
    allowed = [LONG_HOST, *(sent for sent, _ in ENCODED.values()), "HTTPS://Acme.io"]
    assert all(re.search(WEBSITE_PATTERN, url) and len(url) <= WEBSITE_MAX for url in allowed)
    for refused in (LONG_HOST + "a", "ftp://example.com", "javascript:alert(1)"):
        assert not (re.search(WEBSITE_PATTERN, refused) and len(refused) <= WEBSITE_MAX)

"""Representations built from rows (app.core.rows) are byte for byte what Pydantic writes for the
same data: ETags must not depend on which path built a body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import httpx
import orjson
import pytest
from pydantic import BaseModel

from app.core.etags import representation
from app.core.rows import RowJson
from app.interviews.schemas import InterviewList
from app.people.schemas import Person
from tests.conftest import Account, bearer
from tests.people.factories import collection, item


class Inner(BaseModel):
    label: str | None
    n: int


class Outer(BaseModel):
    id: str
    object: Literal["outer"] = "outer"
    at: datetime
    maybe_at: datetime | None
    one: Inner | None
    many: list[Inner]
    tags: list[str]
    score: float | None
    flag: bool


TEXTS = [
    "plain",
    "Zoë Ångström – 山田太郎 🚀",
    'quotes " and \\ backslash',
    "</script><b>&amp;</b>",
    "line\nbreak\ttab\r\x01\x1f control",
    "\u2028\u2029 separators",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_row_bytes_equal_pydantic_bytes(text: str) -> None:
    rows: list[dict[str, Any]] = [
        {
            # Keys in another order than the model's, as a JSONB column returns them.
            "many": [{"n": 2, "label": text}, {"n": -3, "label": None}],
            "flag": True,
            "id": text,
            "at": datetime(2026, 11, 25, 14, 0, 0, tzinfo=UTC),
            "maybe_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            "one": {"n": 10**15, "label": text},
            "tags": [text, "b"],
            "score": 0.1,
            "extra_column": "ignored",
        },
        {
            "id": "x",
            "at": datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
            "maybe_at": None,
            "one": None,
            "many": [],
            "tags": [],
            "score": None,
            "flag": False,
        },
    ]
    shape = RowJson(Outer)
    for row in rows:
        assert shape.json(row) == representation(Outer.model_validate(row))


async def test_person_representation_is_pydantics(
    client: httpx.AsyncClient, owner: Account
) -> None:
    body = {
        "given_name": "Zoë",
        "family_name": "O'Brien – 山田 🚀",
        "emails": [
            {"address": "zoe@example.com", "label": "work"},
            {"address": "z@example.org", "label": None, "primary": True},
        ],
        "phones": [{"number": "+44 113 496 0000", "label": "mobile"}],
        "profile_urls": [{"label": "site", "url": "https://example.com/zoë"}],
        "tags": ["data", "</script>"],
        "notes": 'Line one\nline "two" \\ \t',
        "last_contacted_at": "2026-03-04T05:06:07.891011+02:00",
        "may_use_name_as_referral": True,
    }
    headers = bearer(owner.access_token)
    created = await client.post(collection(owner), json=body, headers=headers)
    assert created.status_code == 201, created.text
    fetched = await client.get(item(owner, created.json()["id"]), headers=headers)
    listed = await client.get(collection(owner), params={"limit": 100}, headers=headers)
    for content in (created.content, fetched.content):
        assert content == representation(Person.model_validate(orjson.loads(content)))
    (in_list,) = [p for p in listed.json()["data"] if p["id"] == created.json()["id"]]
    assert in_list == fetched.json()
    assert fetched.json()["emails"][1]["primary"] is True
    assert fetched.json()["last_contacted_at"] == "2026-03-04T03:06:07.891011Z"


async def test_interview_page_representation_is_pydantics(
    client: httpx.AsyncClient, owner: Account
) -> None:
    headers = bearer(owner.access_token)
    workspace = f"/v1/workspaces/{owner.workspace_id}"
    organisation = await client.post(
        f"{workspace}/organisations", json={"name": "Zoë & Co 🚀"}, headers=headers
    )
    person = await client.post(
        collection(owner),
        json={
            "given_name": "Ada",
            "organisation_id": organisation.json()["id"],
            "emails": [{"address": "ada@example.com", "label": "work"}],
        },
        headers=headers,
    )
    for fields in (
        {},
        {
            "reflection": {"interests": {"score": 4}, "perception_vs_reality": "Less 山田."},
            "would_pursue": "unsure",
            "notes": '"quoted"\n',
        },
    ):
        response = await client.post(
            f"{workspace}/interviews",
            json={"person_id": person.json()["id"], **fields},
            headers=headers,
        )
        assert response.status_code == 201, response.text
    for expand in ("person,organisation", "person", ""):
        page = await client.get(
            f"{workspace}/interviews", params={"expand": expand}, headers=headers
        )
        assert page.status_code == 200, page.text
        parsed = orjson.loads(page.content)
        assert len(parsed["data"]) == 2
        assert page.content == representation(InterviewList.model_validate(parsed))
        if expand:
            assert parsed["data"][0]["person"]["emails"][0]["address"] == "ada@example.com"

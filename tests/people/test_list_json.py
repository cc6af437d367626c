"""A list page holds each person in exactly the bytes a single read returns, for every kind of
value: escapes, non-ASCII text, nulls, stored arrays, times with and without microseconds, on
every sort and page. (A page and a single read are built by different code: `RowJson.page` and
`RowJson.json`, and their statements differ.)"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account
from tests.people.factories import collection, create_person, item

AWKWARD = 'quote " backslash \\ slash / tab \t newline \n bell \u0007 del \u007f é ☕ 🙂 </script>'

PEOPLE: list[dict[str, Any]] = [
    {
        "given_name": "Ada",
        "family_name": AWKWARD[:100],
        "emails": [
            {"address": "ada@example.com", "label": AWKWARD[:50], "primary": False},
            {"address": "ada.lovelace@example.org"},
        ],
        "phones": [{"number": "+44 20 7946 0000", "label": "work"}, {"number": "+1 555 0100"}],
        "profile_urls": [
            {"url": "https://example.com/ada?x=1&y=é"},
            {"label": "site", "url": "https://ada.dev"},
        ],
        "job_title": "Engineer ☕",
        "location": "Leeds\nUK",
        "linkedin_url": "https://www.linkedin.com/in/ada",
        "source": "referral",
        "relationship_stage": "contacted",
        "tags": ["mentor", "Ünïcode", 'a "quoted" tag'],
        "notes": AWKWARD,
        "may_use_name_as_referral": True,
        "open_to_follow_up": False,
        "last_contacted_at": "2026-01-02T03:04:05Z",
        "stay_in_touch_every_days": 90,
    },
    {"display_name": "Only a display name"},
    {
        "given_name": "Grace",
        "last_contacted_at": "2026-06-30T23:59:59.000100+02:00",
        "tags": [],
        "emails": [{"address": "grace@example.com", "label": None, "primary": True}],
    },
    {"family_name": "Hopper", "last_contacted_at": "1999-12-31T23:59:59.999999Z"},
]


async def _single(client: httpx.AsyncClient, owner: Account, person_id: str) -> bytes:
    response = await client.get(item(owner, person_id), headers=owner.headers)
    assert response.status_code == 200
    return response.content


async def test_list_pages_hold_the_bytes_of_single_reads(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = [await create_person(client, owner, **fields) for fields in PEOPLE]
    singles = {p["id"]: await _single(client, owner, p["id"]) for p in created}

    whole = await client.get(collection(owner), headers=owner.headers)
    assert whole.status_code == 200
    expected = (
        b'{"object":"list","data":['
        + b",".join(singles[p["id"]] for p in created)
        + b'],"has_more":false,"next_cursor":null}'
    )
    assert whole.content == expected

    # Other sorts and a second page: each item is still the single read's bytes.
    for sort in ("-family_name", "last_contacted_at", "-updated_at"):
        seen: list[bytes] = []
        url = f"{collection(owner)}?limit=3&sort={sort}"
        while url:
            page = await client.get(url, headers=owner.headers)
            assert page.status_code == 200, page.text
            body = page.json()
            for person in body["data"]:
                seen.append(singles[person["id"]])
            prefix = b'{"object":"list","data":[' + b",".join(seen[-len(body["data"]) :]) + b"]"
            assert page.content.startswith(prefix), sort
            url = (
                body["next_cursor"]
                and f"{collection(owner)}?limit=3&sort={sort}&cursor={body['next_cursor']}"
            )
        assert sorted(seen) == sorted(singles.values())

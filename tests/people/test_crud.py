"""`/v1/workspaces/{workspace_id}/people`: create, get (ETag, 304), merge-patch, delete."""

from __future__ import annotations

import re
from typing import Any

import httpx

from app.core.db import Database
from tests.conftest import Account, assert_problem, signup
from tests.people.factories import (
    collection,
    create_person,
    insert_interview,
    insert_organisation,
    interview_ids,
    item,
    stored_people,
)

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

FULL = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "display_name": "Ada L.",
    "emails": [
        {"address": "ada@example.com", "label": "work"},
        {"address": "ada.home@example.org", "label": "home", "primary": True},
    ],
    "phones": [{"number": "+44 20 7946 0958", "label": "mobile"}],
    "job_title": "Analyst",
    "location": "London",
    "linkedin_url": "https://www.linkedin.com/in/ada-lovelace",
    "profile_urls": [{"label": "site", "url": "https://ada.example.com"}],
    "source": "alumni",
    "relationship_stage": "contacted",
    "tags": ["Math", " engines ", "math"],
    "notes": "Met at the Analytical Society.",
    "may_use_name_as_referral": True,
    "open_to_follow_up": False,
    "last_contacted_at": "2026-11-20T10:30:00+01:00",
}


# --- create -------------------------------------------------------------------------------------


async def test_create_person_stores_every_field(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await insert_organisation(database, owner.workspace_id)
    referrer = await create_person(client, owner)
    response = await client.post(
        collection(owner),
        json={**FULL, "organisation_id": organisation_id, "referred_by_id": referrer["id"]},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["object"] == "person"
    assert body["id"].startswith("per_")
    assert body["workspace_id"] == owner.workspace_id
    assert RFC3339_UTC.match(body["created_at"])
    assert body["created_at"] == body["updated_at"]
    assert "search_text" not in body
    expected = {
        **FULL,
        "emails": [
            {"address": "ada@example.com", "label": "work", "primary": False},
            {"address": "ada.home@example.org", "label": "home", "primary": True},
        ],
        "phones": [{"number": "+44 20 7946 0958", "label": "mobile", "primary": True}],
        "tags": ["Math", "engines"],
        "last_contacted_at": "2026-11-20T09:30:00Z",
        "organisation_id": organisation_id,
        "referred_by_id": referrer["id"],
    }
    assert {k: body[k] for k in expected} == expected
    assert response.headers["location"] == f"{collection(owner)}/{body['id']}"

    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]

    row = (await stored_people(database, owner.workspace_id))[-1]
    assert row["id"] == body["id"]
    for part in ("ada", "lovelace", "ada l.", "ada@example.com", "ada.home@example.org"):
        assert part in row["search_text"]
    assert "analyst" in row["search_text"]
    assert "analytical society" in row["search_text"]


async def test_create_with_only_a_name_fills_the_defaults(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post(
        collection(owner), json={"family_name": "Hopper"}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["display_name"] == "Hopper"
    assert body["given_name"] is None
    assert body["relationship_stage"] == "identified"
    assert body["emails"] == body["phones"] == body["profile_urls"] == body["tags"] == []
    for field in (
        "job_title",
        "organisation_id",
        "location",
        "linkedin_url",
        "source",
        "referred_by_id",
        "notes",
        "may_use_name_as_referral",
        "open_to_follow_up",
        "last_contacted_at",
    ):
        assert body[field] is None, field


async def test_display_name_is_derived_from_the_names(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner, given_name="Grace", family_name="Hopper")
    assert person["display_name"] == "Grace Hopper"
    only_display = await create_person(
        client, owner, given_name=None, family_name=None, display_name="The recruiter"
    )
    assert only_display["display_name"] == "The recruiter"


async def test_a_name_is_required(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    for body in ({}, {"given_name": None, "family_name": None, "display_name": None}):
        response = await client.post(collection(owner), json=body, headers=owner.headers)
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["code"] == "name_required"
        assert problem["errors"][0]["pointer"] == "/display_name"
    assert await stored_people(database, owner.workspace_id) == []


async def test_the_first_contact_becomes_primary_when_none_is(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(
        client,
        owner,
        emails=[{"address": "a@example.com"}, {"address": "b@example.com"}],
        phones=[{"number": "555-123-4567"}, {"number": "(555) 765.4321", "primary": True}],
    )
    assert [e["primary"] for e in person["emails"]] == [True, False]
    assert [p["primary"] for p in person["phones"]] == [False, True]


async def test_references_must_be_in_the_workspace(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    other = await create_person_elsewhere(client, database)
    foreign_organisation = await insert_organisation(database, other["workspace_id"])
    cases = [
        ({"organisation_id": foreign_organisation}, "/organisation_id", "organisation_not_found"),
        ({"organisation_id": "org_nope"}, "/organisation_id", "organisation_not_found"),
        ({"organisation_id": other["id"]}, "/organisation_id", "organisation_not_found"),
        ({"referred_by_id": other["id"]}, "/referred_by_id", "person_not_found"),
        ({"referred_by_id": "per_" + "0" * 32}, "/referred_by_id", "person_not_found"),
        ({"referred_by_id": foreign_organisation}, "/referred_by_id", "person_not_found"),
    ]
    for fields, pointer, code in cases:
        response = await client.post(
            collection(owner), json={"given_name": "X", **fields}, headers=owner.headers
        )
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"] == [
            {"pointer": pointer, "detail": problem["errors"][0]["detail"], "code": code}
        ], fields
    assert await stored_people(database, owner.workspace_id) == []


async def create_person_elsewhere(client: httpx.AsyncClient, database: Database) -> dict[str, Any]:
    stranger = await signup(client, name="Stranger")
    return await create_person(client, stranger)


# --- get ----------------------------------------------------------------------------------------


async def test_get_answers_304_while_the_etag_is_current(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    first = await client.get(item(owner, person["id"]), headers=owner.headers)
    etag = first.headers["etag"]
    cached = await client.get(
        item(owner, person["id"]), headers={**owner.headers, "If-None-Match": etag}
    )
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag

    await client.patch(item(owner, person["id"]), json={"notes": "x"}, headers=owner.headers)
    fresh = await client.get(
        item(owner, person["id"]), headers={**owner.headers, "If-None-Match": etag}
    )
    assert fresh.status_code == 200
    assert fresh.json()["notes"] == "x"
    assert fresh.headers["etag"] != etag


async def test_unknown_malformed_and_foreign_ids_are_404(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    elsewhere = await create_person_elsewhere(client, database)
    organisation_id = await insert_organisation(database, owner.workspace_id)
    for person_id in (
        "per_" + "0" * 32,
        "nope",
        "per_XYZ",
        organisation_id,
        elsewhere["id"],
        "per_" + "0" * 31 + "'",
    ):
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(
                method,
                item(owner, person_id),
                headers=owner.headers,
                json={"notes": "x"} if method == "PATCH" else None,
            )
            assert_problem(response, 404, "not_found")
    # The other workspace's person is untouched.
    assert (await stored_people(database, elsewhere["workspace_id"]))[0]["notes"] is None


# --- update -------------------------------------------------------------------------------------


async def test_merge_patch_changes_only_what_is_sent_and_null_clears(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await insert_organisation(database, owner.workspace_id)
    person = await create_person(client, owner, **{**FULL, "organisation_id": organisation_id})
    response = await client.patch(
        item(owner, person["id"]),
        json={
            "job_title": "Director",
            "notes": None,
            "organisation_id": None,
            "linkedin_url": None,
            "source": None,
            "last_contacted_at": None,
            "may_use_name_as_referral": None,
            "tags": ["new"],
            "emails": [],
            "relationship_stage": "in_touch",
        },
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["job_title"] == "Director"
    for cleared in (
        "notes",
        "organisation_id",
        "linkedin_url",
        "source",
        "last_contacted_at",
        "may_use_name_as_referral",
    ):
        assert body[cleared] is None, cleared
    assert body["tags"] == ["new"]
    assert body["emails"] == []
    assert body["relationship_stage"] == "in_touch"
    # Untouched fields stay.
    for kept in ("given_name", "family_name", "display_name", "phones", "location", "created_at"):
        assert body[kept] == person[kept], kept
    assert body["open_to_follow_up"] is False
    assert body["updated_at"] > person["updated_at"]
    assert response.headers["etag"] != ""

    [row] = await stored_people(database, owner.workspace_id)
    assert "director" in row["search_text"]
    assert "ada@example.com" not in row["search_text"]
    assert "analytical" not in row["search_text"]


async def test_an_empty_patch_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    before = await stored_people(database, owner.workspace_id)
    response = await client.patch(item(owner, person["id"]), json={}, headers=owner.headers)
    assert response.status_code == 200
    assert response.json() == person
    assert await stored_people(database, owner.workspace_id) == before


async def test_fields_that_cannot_be_empty_refuse_null(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    before = await stored_people(database, owner.workspace_id)
    for field in ("emails", "phones", "profile_urls", "tags", "relationship_stage"):
        response = await client.patch(
            item(owner, person["id"]), json={field: None}, headers=owner.headers
        )
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["pointer"] == f"/{field}"
    assert await stored_people(database, owner.workspace_id) == before


async def test_a_derived_display_name_follows_the_names(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner, given_name="Grace", family_name="Hopper")
    url = item(owner, person["id"])
    renamed = await client.patch(url, json={"family_name": "Murray"}, headers=owner.headers)
    assert renamed.json()["display_name"] == "Grace Murray"

    chosen = await client.patch(url, json={"display_name": "Amazing Grace"}, headers=owner.headers)
    assert chosen.json()["display_name"] == "Amazing Grace"
    # A display name the client chose stays when the names change...
    kept = await client.patch(url, json={"given_name": "G."}, headers=owner.headers)
    assert kept.json()["display_name"] == "Amazing Grace"
    # ...until it is cleared, which derives it again.
    cleared = await client.patch(url, json={"display_name": None}, headers=owner.headers)
    assert cleared.json()["display_name"] == "G. Murray"


async def test_a_derived_display_name_follows_a_new_given_name(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner, given_name="Grace", family_name="Hopper")
    url = item(owner, person["id"])
    response = await client.patch(url, json={"given_name": "Ada"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Ada Hopper"
    only_family = await create_person(client, owner, given_name=None, family_name="Hopper")
    response = await client.patch(
        item(owner, only_family["id"]), json={"given_name": "Grace"}, headers=owner.headers
    )
    assert response.json()["display_name"] == "Grace Hopper"


async def _patched(
    client: httpx.AsyncClient, owner: Account, person_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.patch(item(owner, person_id), json=body, headers=owner.headers)
    assert response.status_code == 200, response.text
    patched: dict[str, Any] = response.json()
    fetched = await client.get(item(owner, person_id), headers=owner.headers)
    assert fetched.json() == patched
    return patched


async def test_clearing_the_display_name_of_a_person_without_names_keeps_it(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """A patch never leaves a person without a name, and is never refused for it: with no
    names to derive one from, `display_name: null` keeps the display name the person had."""
    person = await create_person(
        client, owner, given_name=None, family_name=None, display_name="The recruiter"
    )
    patched = await _patched(client, owner, person["id"], {"display_name": None})
    assert patched["display_name"] == "The recruiter"
    assert patched["given_name"] is patched["family_name"] is None


async def test_clearing_every_name_keeps_the_display_name(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner, given_name="Grace", family_name="Hopper")
    patched = await _patched(
        client,
        owner,
        person["id"],
        {"given_name": None, "family_name": None, "display_name": None},
    )
    assert patched["display_name"] == "Grace Hopper"
    assert patched["given_name"] is patched["family_name"] is None
    # The same without sending `display_name`: a derived one would follow the names to nothing.
    chosen = await create_person(client, owner, given_name="Grace", family_name=None)
    patched = await _patched(client, owner, chosen["id"], {"given_name": None})
    assert patched["display_name"] == "Grace"
    # Kept, it counts as chosen: a name set later leaves it, `null` derives it again.
    patched = await _patched(client, owner, chosen["id"], {"given_name": "Ada"})
    assert patched["display_name"] == "Grace"
    patched = await _patched(client, owner, chosen["id"], {"display_name": None})
    assert patched["display_name"] == "Ada"


async def test_referrals_form_a_tree(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    root = await create_person(client, owner, given_name="Root")
    child = await create_person(client, owner, given_name="Child", referred_by_id=root["id"])
    grandchild = await create_person(
        client, owner, given_name="Grandchild", referred_by_id=child["id"]
    )
    before = await stored_people(database, owner.workspace_id)
    for person, referrer, code in (
        (root, root, "self_referral"),
        (root, child, "referral_cycle"),
        (root, grandchild, "referral_cycle"),
    ):
        response = await client.patch(
            item(owner, person["id"]),
            json={"referred_by_id": referrer["id"]},
            headers=owner.headers,
        )
        problem = assert_problem(response, 409, code)
        assert problem["errors"][0]["pointer"] == "/referred_by_id"
    assert await stored_people(database, owner.workspace_id) == before

    # Moving a branch elsewhere in the tree is fine.
    other = await create_person(client, owner, given_name="Other")
    moved = await client.patch(
        item(owner, child["id"]), json={"referred_by_id": other["id"]}, headers=owner.headers
    )
    assert moved.status_code == 200
    assert moved.json()["referred_by_id"] == other["id"]


async def test_if_match_guards_updates(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    url = item(owner, person["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    first = await client.patch(
        url, json={"notes": "first"}, headers={**owner.headers, "If-Match": etag}
    )
    assert first.status_code == 200
    before = await stored_people(database, owner.workspace_id)
    stale = await client.patch(
        url, json={"notes": "second"}, headers={**owner.headers, "If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    assert await stored_people(database, owner.workspace_id) == before
    current = await client.patch(
        url,
        json={"notes": "second"},
        headers={**owner.headers, "If-Match": first.headers["etag"]},
    )
    assert current.status_code == 200
    assert current.json()["notes"] == "second"


# --- delete -------------------------------------------------------------------------------------


async def test_delete_removes_the_person_and_clears_referrals(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    referrer = await create_person(client, owner, given_name="Referrer")
    referred = await create_person(client, owner, referred_by_id=referrer["id"])
    response = await client.delete(item(owner, referrer["id"]), headers=owner.headers)
    assert response.status_code == 204
    assert response.content == b""
    gone = await client.get(item(owner, referrer["id"]), headers=owner.headers)
    assert_problem(gone, 404, "not_found")
    again = await client.delete(item(owner, referrer["id"]), headers=owner.headers)
    assert_problem(again, 404, "not_found")
    remaining = (await client.get(item(owner, referred["id"]), headers=owner.headers)).json()
    assert remaining["referred_by_id"] is None


async def test_delete_with_a_stale_etag_is_412(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    url = item(owner, person["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    await client.patch(url, json={"notes": "changed"}, headers=owner.headers)
    before = await stored_people(database, owner.workspace_id)
    stale = await client.delete(url, headers={**owner.headers, "If-Match": etag})
    assert_problem(stale, 412, "precondition_failed")
    assert await stored_people(database, owner.workspace_id) == before
    current = (await client.get(url, headers=owner.headers)).headers["etag"]
    deleted = await client.delete(url, headers={**owner.headers, "If-Match": current})
    assert deleted.status_code == 204


async def test_a_person_with_interviews_is_deleted_only_with_cascade(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    bystander = await create_person(client, owner, given_name="Bystander")
    interviews = [
        await insert_interview(database, owner.workspace_id, person["id"]) for _ in range(2)
    ]
    bystander_interview = await insert_interview(database, owner.workspace_id, bystander["id"])
    url = item(owner, person["id"])

    before = await stored_people(database, owner.workspace_id)
    refused = await client.delete(url, headers=owner.headers)
    assert_problem(refused, 409, "person_has_interviews")
    explicit_no = await client.delete(url, params={"cascade": "false"}, headers=owner.headers)
    assert_problem(explicit_no, 409, "person_has_interviews")
    assert await stored_people(database, owner.workspace_id) == before
    assert sorted(await interview_ids(database, person["id"])) == sorted(interviews)

    deleted = await client.delete(url, params={"cascade": "true"}, headers=owner.headers)
    assert deleted.status_code == 204
    assert await interview_ids(database, person["id"]) == []
    assert await interview_ids(database, bystander["id"]) == [bystander_interview]
    assert [r["id"] for r in await stored_people(database, owner.workspace_id)] == [bystander["id"]]


async def test_cascade_is_harmless_without_interviews(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    response = await client.delete(
        item(owner, person["id"]), params={"cascade": "true"}, headers=owner.headers
    )
    assert response.status_code == 204


async def test_patched_lists_replace_the_old_ones_whole(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner, **FULL)
    response = await client.patch(
        item(owner, person["id"]),
        json={
            "emails": [{"address": "new@example.com"}, {"address": "other@example.com"}],
            "phones": [{"number": "555 123 4567", "label": "desk"}],
            "profile_urls": [{"url": "https://blog.example"}],
        },
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["emails"] == [
        {"address": "new@example.com", "label": None, "primary": True},
        {"address": "other@example.com", "label": None, "primary": False},
    ]
    assert body["phones"] == [{"number": "555 123 4567", "label": "desk", "primary": True}]
    assert body["profile_urls"] == [{"label": None, "url": "https://blog.example"}]
    [row] = await stored_people(database, owner.workspace_id)
    assert row["emails"] == body["emails"]
    assert row["phones"] == body["phones"]
    assert row["profile_urls"] == body["profile_urls"]

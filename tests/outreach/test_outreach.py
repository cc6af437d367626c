"""Outreach over HTTP: create, read, change, delete, references, lists and access."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.outreach.factories import (
    all_outreach,
    create_outreach,
    item_url,
    outreach_url,
    stored_outreach,
    stored_person,
)
from tests.people.factories import create_person
from tests.templates.factories import all_templates, create_template


async def test_create_a_draft_and_read_it(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    introducer = await create_person(client, owner, given_name="Mary", family_name="Jackson")
    template = await create_template(client, owner)
    response = await client.post(
        outreach_url(owner),
        json={
            "person_id": person["id"],
            "channel": "email",
            "strategy": "warm",
            "introduced_by_id": introducer["id"],
            "template_id": template["id"],
            "subject": "Fifteen minutes?",
            "body": "Dear Grace, …",
            "notes": "Mary says mornings are best.",
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    item = response.json()
    assert response.headers["location"] == item_url(owner, item["id"])
    assert item["id"].startswith("out_")
    assert item["object"] == "outreach"
    assert item["status"] == "draft"
    assert item["sent_at"] is None
    assert item["responded_at"] is None
    assert item["interview_id"] is None
    assert item["allowed_actions"] == ["send"]
    assert item["strategy"] == "warm"
    assert item["introduced_by_id"] == introducer["id"]
    assert item["template_id"] == template["id"]
    # A draft does not touch the person.
    stored = await stored_person(database, person["id"])
    assert stored["relationship_stage"] == "identified"
    assert stored["last_contacted_at"] is None

    got = await client.get(item_url(owner, item["id"]), headers=owner.headers)
    assert got.json() == item
    again = await client.get(
        item_url(owner, item["id"]), headers={**owner.headers, "If-None-Match": got.headers["etag"]}
    )
    assert again.status_code == 304


async def test_a_builtin_template_may_be_named(client: httpx.AsyncClient, owner: Account) -> None:
    person = await create_person(client, owner)
    builtin = (await all_templates(client, owner, builtin="true"))[0]
    item = await create_outreach(client, owner, person["id"], template_id=builtin["id"])
    assert item["template_id"] == builtin["id"]


async def test_deleting_the_template_clears_the_link(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    template = await create_template(client, owner)
    item = await create_outreach(client, owner, person["id"], template_id=template["id"])
    deleted = await client.delete(
        f"/v1/workspaces/{owner.workspace_id}/templates/{template['id']}", headers=owner.headers
    )
    assert deleted.status_code == 204
    got = await client.get(item_url(owner, item["id"]), headers=owner.headers)
    assert got.json()["template_id"] is None


async def _references(client: httpx.AsyncClient, owner: Account) -> dict[str, str]:
    stranger = await signup(client, name="Stranger")
    return {
        "theirs": (await create_person(client, stranger))["id"],
        "their_template": (await create_template(client, stranger))["id"],
    }


@pytest.mark.parametrize(
    ("fields", "pointer", "code"),
    [
        ({"person_id": "THEIRS"}, "/person_id", "person_not_found"),
        ({"person_id": "per_nope"}, "/person_id", "person_not_found"),
        ({"introduced_by_id": "THEIRS"}, "/introduced_by_id", "person_not_found"),
        ({"introduced_by_id": "SELF"}, "/introduced_by_id", "self_introduction"),
        ({"template_id": "THEIR_TEMPLATE"}, "/template_id", "template_not_found"),
        ({"template_id": "tpl_x"}, "/template_id", "template_not_found"),
        ({"channel": "pigeon"}, "/channel", "enum"),
        ({"strategy": "lukewarm"}, "/strategy", "enum"),
        ({"status": "accepted"}, "/status", "enum"),
        ({"subject": "s" * 301}, "/subject", "string_too_long"),
        ({"body": "b" * 20_001}, "/body", "string_too_long"),
        ({"notes": "n" * 10_001}, "/notes", "string_too_long"),
        ({"sent_at": "2026-11-20T09:00:00"}, "/sent_at", "timezone_aware"),
        ({"sent_at": "2026-11-20T09:00:00Z"}, "/sent_at", "draft_sent_at"),
        ({"interview_id": "int_x"}, "/interview_id", "extra_forbidden"),
        ({"responded_at": "2026-11-20T09:00:00Z"}, "/responded_at", "extra_forbidden"),
    ],
)
async def test_bad_input_is_refused_and_nothing_changes(
    client: httpx.AsyncClient,
    database: Database,
    owner: Account,
    fields: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    person = await create_person(client, owner)
    refs = await _references(client, owner)
    substitutes = {
        "THEIRS": refs["theirs"],
        "SELF": person["id"],
        "THEIR_TEMPLATE": refs["their_template"],
    }
    body = {"person_id": person["id"], "channel": "email", "status": "sent"}
    body.update({k: substitutes.get(v, v) if isinstance(v, str) else v for k, v in fields.items()})
    if code == "draft_sent_at":
        body["status"] = "draft"
    before = await stored_person(database, person["id"])
    response = await client.post(outreach_url(owner), json=body, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["pointer"] == pointer
    assert problem["errors"][0]["code"] == code
    assert await stored_outreach(database, owner.workspace_id) == []
    assert await stored_person(database, person["id"]) == before


async def test_update_is_a_merge_patch(client: httpx.AsyncClient, owner: Account) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(client, owner, person["id"], subject="Hello", strategy="cold")
    url = item_url(owner, item["id"])
    response = await client.patch(
        url,
        json={"subject": None, "channel": "linkedin", "notes": "Try again in spring"},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["subject"] is None
    assert updated["channel"] == "linkedin"
    assert updated["strategy"] == "cold"
    assert updated["notes"] == "Try again in spring"
    assert updated["updated_at"] > item["updated_at"]
    same = await client.patch(url, json={}, headers=owner.headers)
    assert same.json() == updated


async def test_an_interview_with_the_same_person_can_be_linked(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    other = await create_person(client, owner, given_name="Other")
    interviews = f"/v1/workspaces/{owner.workspace_id}/interviews"
    theirs = (
        await client.post(interviews, json={"person_id": person["id"]}, headers=owner.headers)
    ).json()
    wrong = (
        await client.post(interviews, json={"person_id": other["id"]}, headers=owner.headers)
    ).json()
    item = await create_outreach(client, owner, person["id"])
    url = item_url(owner, item["id"])
    for interview_id in (wrong["id"], ids.new_id("int"), "int_"):
        response = await client.patch(
            url, json={"interview_id": interview_id}, headers=owner.headers
        )
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["code"] == "interview_not_found"
    assert (await client.get(url, headers=owner.headers)).json() == item
    linked = await client.patch(url, json={"interview_id": theirs["id"]}, headers=owner.headers)
    assert linked.json()["interview_id"] == theirs["id"]


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"channel": None}, "not_nullable"),
        ({"person_id": "per_x"}, "extra_forbidden"),
        ({"status": "sent"}, "extra_forbidden"),
        ({"sent_at": "2026-11-20T09:00:00Z"}, "extra_forbidden"),
        ({"introduced_by_id": "per_nope"}, "person_not_found"),
        ({"template_id": "tpl_nope"}, "template_not_found"),
    ],
)
async def test_a_refused_update_changes_nothing(
    client: httpx.AsyncClient, owner: Account, patch: dict[str, Any], code: str
) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(client, owner, person["id"])
    url = item_url(owner, item["id"])
    response = await client.patch(url, json=patch, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["code"] == code
    assert (await client.get(url, headers=owner.headers)).json() == item


async def test_if_match_guards_updates_and_deletes(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(client, owner, person["id"])
    url = item_url(owner, item["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    changed = await client.patch(
        url, json={"notes": "First"}, headers={**owner.headers, "If-Match": etag}
    )
    assert changed.status_code == 200
    stale = {**owner.headers, "If-Match": etag}
    response = await client.patch(url, json={"notes": "Second"}, headers=stale)
    assert_problem(response, 412, "precondition_failed")
    assert_problem(await client.delete(url, headers=stale), 412, "precondition_failed")
    assert_problem(await client.post(f"{url}/send", headers=stale), 412, "precondition_failed")
    rows = await stored_outreach(database, owner.workspace_id)
    assert [(r["notes"], r["status"]) for r in rows] == [("First", "draft")]
    current = {**owner.headers, "If-Match": changed.headers["etag"]}
    assert (await client.delete(url, headers=current)).status_code == 204
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")


async def test_deleting_sent_outreach_keeps_the_persons_progress(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(
        client, owner, person["id"], status="sent", sent_at="2026-11-20T09:00:00Z"
    )
    assert (
        await client.delete(item_url(owner, item["id"]), headers=owner.headers)
    ).status_code == 204
    stored = await stored_person(database, person["id"])
    assert stored["relationship_stage"] == "contacted"
    assert stored["last_contacted_at"].isoformat() == "2026-11-20T09:00:00+00:00"


async def test_deleting_the_person_deletes_their_outreach(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner)
    await create_outreach(client, owner, person["id"])
    response = await client.delete(
        f"/v1/workspaces/{owner.workspace_id}/people/{person['id']}", headers=owner.headers
    )
    assert response.status_code == 204
    assert await stored_outreach(database, owner.workspace_id) == []


async def test_filters_and_sorts(client: httpx.AsyncClient, owner: Account) -> None:
    grace = await create_person(client, owner)
    mary = await create_person(client, owner, given_name="Mary")
    a = await create_outreach(
        client, owner, grace["id"], status="sent", sent_at="2026-11-03T09:00:00Z"
    )
    b = await create_outreach(client, owner, grace["id"], channel="phone", strategy="warm")
    c = await create_outreach(
        client,
        owner,
        mary["id"],
        channel="linkedin",
        strategy="cold",
        status="sent",
        sent_at="2026-11-01T09:00:00Z",
    )
    d = await create_outreach(
        client, owner, mary["id"], status="sent", sent_at="2026-11-05T09:00:00Z"
    )

    def ids_of(items: list[dict[str, Any]]) -> list[str]:
        return [i["id"] for i in items]

    assert ids_of(await all_outreach(client, owner, limit=1)) == ids_of([a, b, c, d])
    assert ids_of(await all_outreach(client, owner, sort="-created_at", limit=3)) == ids_of(
        [d, c, b, a]
    )
    # Drafts (never sent) come last both ways.
    assert ids_of(await all_outreach(client, owner, sort="sent_at", limit=1)) == ids_of(
        [c, a, d, b]
    )
    assert ids_of(await all_outreach(client, owner, sort="-sent_at", limit=1)) == ids_of(
        [d, a, c, b]
    )
    assert ids_of(await all_outreach(client, owner, person_id=mary["id"])) == ids_of([c, d])
    assert ids_of(await all_outreach(client, owner, status="draft")) == ids_of([b])
    assert ids_of(await all_outreach(client, owner, channel="linkedin")) == ids_of([c])
    assert ids_of(await all_outreach(client, owner, strategy="warm")) == ids_of([b])
    window = {"sent_after": "2026-11-03T09:00:00Z", "sent_before": "2026-11-05T09:00:00Z"}
    assert ids_of(await all_outreach(client, owner, **window)) == ids_of([a])
    assert ids_of(await all_outreach(client, owner, person_id=ids.new_id("per"))) == []


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"sort": "subject"}, "sort", "invalid_sort"),
        ({"status": "maybe"}, "status", "enum"),
        ({"channel": "fax"}, "channel", "enum"),
        ({"sent_after": "2026-11-03T09:00:00"}, "sent_after", "timezone_aware"),
        (
            {"sent_after": "2026-11-05T00:00:00Z", "sent_before": "2026-11-01T00:00:00Z"},
            "sent_after",
            "invalid_range",
        ),
        ({"limit": 0}, "limit", "greater_than_equal"),
        ({"cursor": "garbage"}, "cursor", "invalid_cursor"),
        ({"q": "grace"}, "q", "unknown_parameter"),
    ],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, owner: Account, params: dict[str, Any], parameter: str, code: str
) -> None:
    response = await client.get(outreach_url(owner), params=params, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["parameter"] == parameter
    assert problem["errors"][0]["code"] == code


async def test_a_cursor_of_another_sort_is_refused(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    for _ in range(2):
        await create_outreach(client, owner, person["id"])
    page = (
        await client.get(outreach_url(owner), params={"limit": 1}, headers=owner.headers)
    ).json()
    response = await client.get(
        outreach_url(owner),
        params={"cursor": page["next_cursor"], "sort": "-sent_at"},
        headers=owner.headers,
    )
    assert_problem(response, 422, "validation_failed")


async def test_viewers_read_but_cannot_write(
    client: httpx.AsyncClient, database: Database, owner: Account, viewer: Account
) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(client, owner, person["id"])
    url = item_url(viewer, item["id"])
    assert (await client.get(url, headers=viewer.headers)).status_code == 200
    assert (await client.get(outreach_url(viewer), headers=viewer.headers)).status_code == 200
    attempts = [
        client.post(
            outreach_url(viewer),
            json={"person_id": person["id"], "channel": "email"},
            headers=viewer.headers,
        ),
        client.patch(url, json={"notes": "x"}, headers=viewer.headers),
        client.delete(url, headers=viewer.headers),
        client.post(f"{url}/send", headers=viewer.headers),
        client.post(f"{url}/accept", headers=viewer.headers),
        client.post(f"{url}/decline", headers=viewer.headers),
        client.post(f"{url}/no-response", headers=viewer.headers),
    ]
    for attempt in attempts:
        assert_problem(await attempt, 403, "forbidden")
    rows = await stored_outreach(database, owner.workspace_id)
    assert [(r["status"], r["notes"]) for r in rows] == [("draft", None)]


async def test_editors_write(client: httpx.AsyncClient, owner: Account, editor: Account) -> None:
    person = await create_person(client, owner)
    item = await create_outreach(client, editor, person["id"])
    response = await client.post(f"{item_url(editor, item['id'])}/send", headers=editor.headers)
    assert response.status_code == 200


async def test_other_workspaces_outreach_is_not_found(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    stranger = await signup(client, name="Stranger")
    theirs = await create_outreach(client, stranger, (await create_person(client, stranger))["id"])
    for outreach_id in (theirs["id"], ids.new_id("out"), "out_nope", ids.new_id("tpl")):
        url = item_url(owner, outreach_id)
        assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
        assert_problem(
            await client.patch(url, json={"notes": "x"}, headers=owner.headers), 404, "not_found"
        )
        assert_problem(await client.delete(url, headers=owner.headers), 404, "not_found")
        for action in ("send", "accept", "decline", "no-response"):
            assert_problem(
                await client.post(f"{url}/{action}", headers=owner.headers), 404, "not_found"
            )
    rows = await stored_outreach(database, stranger.workspace_id)
    assert [r["status"] for r in rows] == ["draft"]
    assert await all_outreach(client, owner) == []


async def test_api_keys_need_the_outreach_scopes(client: httpx.AsyncClient, owner: Account) -> None:
    person = await create_person(client, owner)
    reader = await create_api_key(client, owner, ["outreach:read"])
    writer = await create_api_key(client, owner, ["outreach:write"])
    body = {"person_id": person["id"], "channel": "email"}
    assert (
        await client.get(outreach_url(owner), headers=bearer(reader["secret"]))
    ).status_code == 200
    response = await client.post(outreach_url(owner), json=body, headers=bearer(reader["secret"]))
    assert_problem(response, 403, "insufficient_scope")
    response = await client.post(outreach_url(owner), json=body, headers=bearer(writer["secret"]))
    assert response.status_code == 201

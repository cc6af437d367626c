"""`/interviews`: create, get, update (merge patch), delete; validation, ETags and access."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.interviews.factories import (
    base,
    create_interview,
    make_organisation,
    make_person,
    stored_interview,
)

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


# --- create -------------------------------------------------------------------------------------


async def test_create_plans_an_interview_with_defaults(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await make_organisation(database, owner.workspace_id)
    person_id = await make_person(database, owner.workspace_id, organisation_id=organisation_id)
    response = await client.post(
        base(owner),
        json={
            "person_id": person_id,
            "career_field": "Data engineering",
            "role_of_interest": "Data engineer",
            "format": "video",
            "meeting_url": "https://meet.example.com/abc",
            "timezone": "Europe/London",
            "introduction": "I build pipelines and want to move into platform work.",
            "goals": "Learn what a typical week looks like.",
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["object"] == "interview"
    assert body["id"].startswith("int_")
    assert body["status"] == "planned"
    assert body["allowed_actions"] == ["request", "schedule", "decline", "cancel"]
    assert body["person_id"] == person_id
    # Omitted: the organisation is the person's.
    assert body["organisation_id"] == organisation_id
    assert body["duration_minutes"] == 15
    assert body["scheduled_at"] is None
    assert body["started_at"] is None
    assert body["ended_at"] is None
    assert body["reflection"] is None
    assert body["person"] is None
    assert body["organisation"] is None
    assert RFC3339_UTC.match(body["created_at"])
    assert response.headers["location"] == f"{base(owner)}/{body['id']}"

    fetched = await client.get(response.headers["location"], headers=owner.headers)
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_an_explicit_null_organisation_is_kept(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await make_organisation(database, owner.workspace_id)
    person_id = await make_person(database, owner.workspace_id, organisation_id=organisation_id)
    body = await create_interview(client, owner, person_id, organisation_id=None)
    assert body["organisation_id"] is None


async def test_create_with_a_reflection_and_outcome(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    reflection = {
        "interests": {"score": 4, "comment": "Lots of problem solving."},
        "values": {"score": 5},
        "perception_vs_reality": "Less coding than I thought.",
    }
    body = await create_interview(
        client,
        owner,
        person_id,
        reflection=reflection,
        would_pursue="unsure",
        business_card_received=True,
        may_contact_again=False,
    )
    assert body["reflection"] == {
        "interests": {"score": 4, "comment": "Lots of problem solving."},
        "values": {"score": 5, "comment": None},
        "needs": None,
        "skills": None,
        "perception_vs_reality": "Less coding than I thought.",
        "training_needed": None,
        "next_steps": None,
    }
    assert body["would_pursue"] == "unsure"
    assert body["business_card_received"] is True
    assert body["may_contact_again"] is False


LONG = "x" * 201
# What lax validation would read as the integer 1 (or 15): refused where JSON says integer.
NOT_INTEGERS: list[Any] = [True, False, 1.5, "15"]


@pytest.mark.parametrize(
    ("fields", "pointer", "code"),
    [
        ({"person_id": 5}, "/person_id", "string_type"),
        ({"person_id": None}, "/person_id", "string_type"),
        ({"status": "completed"}, "/status", "extra_forbidden"),
        ({"scheduled_at": "2026-12-01T09:00:00Z"}, "/scheduled_at", "extra_forbidden"),
        ({"colour": "red"}, "/colour", "extra_forbidden"),
        ({"career_field": LONG}, "/career_field", "string_too_long"),
        ({"role_of_interest": LONG}, "/role_of_interest", "string_too_long"),
        ({"location": LONG}, "/location", "string_too_long"),
        ({"introduction": "x" * 2001}, "/introduction", "string_too_long"),
        ({"notes": "x" * 20_001}, "/notes", "string_too_long"),
        ({"format": "carrier_pigeon"}, "/format", "enum"),
        ({"would_pursue": "maybe"}, "/would_pursue", "enum"),
        ({"timezone": "Mars/Olympus_Mons"}, "/timezone", "invalid_timezone"),
        ({"timezone": "posixrules"}, "/timezone", "invalid_timezone"),
        ({"timezone": "../../etc/passwd"}, "/timezone", "invalid_timezone"),
        ({"meeting_url": "ftp://files.example.com"}, "/meeting_url", "invalid_url"),
        ({"meeting_url": "javascript:alert(1)"}, "/meeting_url", "invalid_url"),
        ({"duration_minutes": 0}, "/duration_minutes", "greater_than_equal"),
        ({"duration_minutes": 241}, "/duration_minutes", "less_than_equal"),
        ({"duration_minutes": "long"}, "/duration_minutes", "int_type"),
        # JSON integers, strictly: not a boolean, a float or numeric text.
        *[({"duration_minutes": v}, "/duration_minutes", "int_type") for v in NOT_INTEGERS],
        *[
            ({"reflection": {"skills": {"score": v}}}, "/reflection/skills/score", "int_type")
            for v in NOT_INTEGERS
        ],
        ({"business_card_received": "yes"}, "/business_card_received", "bool_type"),
        ({"reflection": {"skills": {"score": 6}}}, "/reflection/skills/score", "less_than_equal"),
        (
            {"reflection": {"skills": {"score": 0}}},
            "/reflection/skills/score",
            "greater_than_equal",
        ),
        ({"reflection": {"mood": "good"}}, "/reflection/mood", "extra_forbidden"),
        (
            {"reflection": {"values": {"comment": "x" * 2001}}},
            "/reflection/values/comment",
            "string_too_long",
        ),
        ({"reflection": {"next_steps": "x" * 5001}}, "/reflection/next_steps", "string_too_long"),
        ({"goals": "nul\x00byte"}, "/goals", "value_error"),
    ],
)
async def test_invalid_input_is_refused_and_nothing_is_created(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    fields: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    response = await client.post(
        base(owner), json={"person_id": person_id, **fields}, headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert {"pointer": pointer, "code": code} in [
        {"pointer": e.get("pointer"), "code": e["code"]} for e in body["errors"]
    ], body
    listed = await client.get(base(owner), headers=owner.headers)
    assert listed.json()["data"] == []


async def test_unknown_people_and_organisations_are_refused(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client, name="Stranger")
    foreign_person = await make_person(database, stranger.workspace_id)
    foreign_organisation = await make_organisation(database, stranger.workspace_id)
    person_id = await make_person(database, owner.workspace_id)
    cases = [
        ({"person_id": foreign_person}, "/person_id", "person_not_found"),
        ({"person_id": ids.new_id("per")}, "/person_id", "person_not_found"),
        ({"person_id": "per_nonsense"}, "/person_id", "person_not_found"),
        ({"person_id": ids.new_id("org")}, "/person_id", "person_not_found"),
        (
            {"person_id": person_id, "organisation_id": foreign_organisation},
            "/organisation_id",
            "organisation_not_found",
        ),
        (
            {"person_id": person_id, "organisation_id": "org_x"},
            "/organisation_id",
            "organisation_not_found",
        ),
    ]
    for payload, pointer, code in cases:
        response = await client.post(base(owner), json=payload, headers=owner.headers)
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"][0]["pointer"] == pointer
        assert body["errors"][0]["code"] == code
    assert (await client.get(base(owner), headers=owner.headers)).json()["data"] == []


async def test_naive_times_and_malformed_bodies_are_refused(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}/schedule"
    response = await client.post(
        url, json={"scheduled_at": "2026-12-01T09:00:00"}, headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/scheduled_at"
    response = await client.post(
        base(owner),
        content=b'{"person_id": ',
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")
    response = await client.post(base(owner), json=[person_id], headers=owner.headers)
    assert_problem(response, 422, "validation_failed")
    stored = await stored_interview(database, interview["id"])
    assert stored is not None
    assert stored["status"] == "planned"
    assert (await client.get(base(owner), headers=owner.headers)).json()["data"] == [interview]


# --- get, update, delete ------------------------------------------------------------------------


async def test_bad_ids_are_not_found(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    for interview_id in ("int_nope", ids.new_id("int"), ids.new_id("per"), "x" * 300):
        url = f"{base(owner)}/{interview_id}"
        assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
        response = await client.patch(url, json={"notes": "x"}, headers=owner.headers)
        assert_problem(response, 404, "not_found")
        assert_problem(await client.delete(url, headers=owner.headers), 404, "not_found")
        response = await client.post(f"{url}/request", headers=owner.headers)
        assert_problem(response, 404, "not_found")


async def test_patch_merges_and_clears(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation_id = await make_organisation(database, owner.workspace_id)
    person_id = await make_person(database, owner.workspace_id)
    other_person = await make_person(database, owner.workspace_id, "Alan Turing")
    interview = await create_interview(
        client,
        owner,
        person_id,
        career_field="Data",
        location="Leeds",
        reflection={"interests": {"score": 3, "comment": "ok"}, "next_steps": "Read up."},
    )
    url = f"{base(owner)}/{interview['id']}"
    response = await client.patch(
        url,
        json={
            "person_id": other_person,
            "organisation_id": organisation_id,
            "location": None,
            "notes": "Talked about on-call.",
            "duration_minutes": 30,
            "reflection": {"interests": {"score": 5}, "next_steps": None, "skills": {"score": 2}},
        },
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["person_id"] == other_person
    assert body["organisation_id"] == organisation_id
    assert body["career_field"] == "Data"
    assert body["location"] is None
    assert body["notes"] == "Talked about on-call."
    assert body["duration_minutes"] == 30
    # RFC 7396 on the nested object: members merge, null removes.
    assert body["reflection"]["interests"] == {"score": 5, "comment": "ok"}
    assert body["reflection"]["skills"] == {"score": 2, "comment": None}
    assert body["reflection"]["next_steps"] is None
    assert body["updated_at"] > interview["updated_at"]
    assert (await client.get(url, headers=owner.headers)).json() == body

    cleared = await client.patch(url, json={"reflection": None}, headers=owner.headers)
    assert cleared.json()["reflection"] is None


async def test_an_empty_patch_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    response = await client.patch(
        f"{base(owner)}/{interview['id']}", json={}, headers=owner.headers
    )
    assert response.status_code == 200
    assert response.json() == interview


@pytest.mark.parametrize(
    ("fields", "pointer", "code"),
    [
        ({"status": "completed"}, "/status", "extra_forbidden"),
        ({"allowed_actions": []}, "/allowed_actions", "extra_forbidden"),
        ({"started_at": "2026-12-01T09:00:00Z"}, "/started_at", "extra_forbidden"),
        ({"person_id": None}, "/person_id", "not_nullable"),
        ({"duration_minutes": None}, "/duration_minutes", "not_nullable"),
        ({"duration_minutes": 241}, "/duration_minutes", "less_than_equal"),
        *[({"duration_minutes": v}, "/duration_minutes", "int_type") for v in NOT_INTEGERS],
        *[
            ({"reflection": {"needs": {"score": v}}}, "/reflection/needs/score", "int_type")
            for v in NOT_INTEGERS
        ],
        ({"timezone": "Europe/Atlantis"}, "/timezone", "invalid_timezone"),
        ({"reflection": {"needs": {"score": 6}}}, "/reflection/needs/score", "less_than_equal"),
        ({"observations": "x" * 10_001}, "/observations", "string_too_long"),
    ],
)
async def test_invalid_patches_change_nothing(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    fields: dict[str, Any],
    pointer: str,
    code: str,
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}"
    response = await client.patch(url, json=fields, headers=owner.headers)
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == pointer
    assert body["errors"][0]["code"] == code
    assert (await client.get(url, headers=owner.headers)).json() == interview


async def test_patch_to_an_unknown_person_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}"
    for payload in ({"person_id": ids.new_id("per")}, {"organisation_id": ids.new_id("org")}):
        response = await client.patch(url, json=payload, headers=owner.headers)
        assert_problem(response, 422, "validation_failed")
    assert (await client.get(url, headers=owner.headers)).json() == interview


async def test_delete_removes_the_interview_and_its_agenda(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}"
    await client.post(f"{url}/agenda", json={"text": "A typical day?"}, headers=owner.headers)
    response = await client.delete(url, headers=owner.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
    assert await stored_interview(database, interview["id"]) is None
    assert_problem(await client.get(f"{url}/agenda", headers=owner.headers), 404, "not_found")


# --- ETags ----------------------------------------------------------------------------------------


async def test_etags_304_and_412(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}"
    first = await client.get(url, headers=owner.headers)
    etag = first.headers["etag"]
    unchanged = await client.get(url, headers={**owner.headers, "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    changed = await client.patch(
        url, json={"goals": "Learn"}, headers={**owner.headers, "If-Match": etag}
    )
    assert changed.status_code == 200
    new_etag = changed.headers["etag"]
    assert new_etag != etag

    for method, path, payload in (
        ("PATCH", "", {"goals": "Overwrite"}),
        ("DELETE", "", None),
        ("POST", "/request", None),
        ("POST", "/schedule", {"scheduled_at": "2026-12-01T09:00:00Z"}),
    ):
        response = await client.request(
            method, url + path, json=payload, headers={**owner.headers, "If-Match": etag}
        )
        assert_problem(response, 412, "precondition_failed")
    after = await client.get(url, headers=owner.headers)
    assert after.json() == changed.json()
    assert after.headers["etag"] == new_etag

    requested = await client.post(f"{url}/request", headers={**owner.headers, "If-Match": new_etag})
    assert requested.status_code == 200
    assert requested.json()["status"] == "requested"
    assert requested.headers["etag"] != new_etag
    deleted = await client.delete(
        url, headers={**owner.headers, "If-Match": requested.headers["etag"]}
    )
    assert deleted.status_code == 204


# --- access ---------------------------------------------------------------------------------------


async def test_viewer_reads_but_cannot_write(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}"
    assert (await client.get(url, headers=viewer.headers)).json() == interview
    listed = await client.get(base(owner), headers=viewer.headers)
    assert listed.json()["data"] == [interview]
    attempts = [
        ("POST", base(owner), {"person_id": person_id}),
        ("PATCH", url, {"notes": "mine"}),
        ("DELETE", url, None),
        ("POST", f"{url}/request", None),
        ("POST", f"{url}/agenda", {"text": "Why?"}),
    ]
    for method, target, payload in attempts:
        response = await client.request(method, target, json=payload, headers=viewer.headers)
        assert_problem(response, 403, "forbidden")
    assert (await client.get(url, headers=owner.headers)).json() == interview
    assert len((await client.get(base(owner), headers=owner.headers)).json()["data"]) == 1


async def test_editor_and_scoped_keys_write(
    client: httpx.AsyncClient, owner: Account, editor: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    await create_interview(client, editor, person_id)
    reader = await create_api_key(client, owner, ["interviews:read"])
    writer = await create_api_key(client, owner, ["interviews:write"])
    response = await client.post(
        base(owner), json={"person_id": person_id}, headers=bearer(reader["secret"])
    )
    body = assert_problem(response, 403, "insufficient_scope")
    assert body["scope"] == "interviews:write"
    response = await client.post(
        base(owner), json={"person_id": person_id}, headers=bearer(writer["secret"])
    )
    assert response.status_code == 201
    listed = await client.get(base(owner), headers=bearer(reader["secret"]))
    assert len(listed.json()["data"]) == 2


async def test_other_workspaces_interviews_are_not_found(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    stranger = await signup(client, name="Stranger")
    # Through the stranger's own workspace, the owner's interview does not exist.
    url = f"{base(stranger)}/{interview['id']}"
    assert_problem(await client.get(url, headers=stranger.headers), 404, "not_found")
    response = await client.patch(url, json={"notes": "x"}, headers=stranger.headers)
    assert_problem(response, 404, "not_found")
    assert_problem(await client.delete(url, headers=stranger.headers), 404, "not_found")
    assert_problem(await client.post(f"{url}/cancel", headers=stranger.headers), 404, "not_found")
    assert_problem(await client.get(f"{url}/agenda", headers=stranger.headers), 404, "not_found")
    # And the owner's workspace itself is invisible to the stranger.
    owner_url = f"{base(owner)}/{interview['id']}"
    assert_problem(await client.get(owner_url, headers=stranger.headers), 404, "not_found")
    # A stranger cannot attach the owner's person to their own interview either.
    response = await client.post(
        base(stranger), json={"person_id": person_id}, headers=stranger.headers
    )
    assert_problem(response, 422, "validation_failed")
    assert (await client.get(owner_url, headers=owner.headers)).json() == interview

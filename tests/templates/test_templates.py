"""Templates over HTTP: create, read, change, delete, the built-in ones, lists and access."""

from __future__ import annotations

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from app.templates.render import PLACEHOLDERS
from app.templates.schemas import TemplateKind
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.templates.factories import (
    all_templates,
    create_template,
    stored_templates,
    template_url,
    templates_url,
)


async def test_create_and_get_a_template(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.post(
        templates_url(owner),
        json={
            "kind": "thank_you",
            "name": "Thanks",
            "subject": "Thank you, {{person.given_name}}",
            "body": "It was kind of you, {{ person.given_name }}.\n{{me.name}}",
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    template = response.json()
    assert response.headers["location"] == template_url(owner, template["id"])
    assert template["id"].startswith("tpl_")
    assert template["object"] == "template"
    assert template["workspace_id"] == owner.workspace_id
    assert template["builtin"] is False
    assert template["kind"] == "thank_you"
    assert template["placeholders"] == ["me.name", "person.given_name"]

    got = await client.get(template_url(owner, template["id"]), headers=owner.headers)
    assert got.status_code == 200
    assert got.json() == template
    etag = got.headers["etag"]
    fresh = await client.get(
        template_url(owner, template["id"]), headers={**owner.headers, "If-None-Match": etag}
    )
    assert fresh.status_code == 304


async def test_a_call_script_has_no_subject(client: httpx.AsyncClient, owner: Account) -> None:
    template = await create_template(
        client, owner, kind="call_script", subject=None, body="Hello, this is {{me.name}}."
    )
    assert template["subject"] is None


@pytest.mark.parametrize(
    ("subject", "body", "pointers"),
    [
        ("Hi {{person.salary}}", "Fine", ["/subject"]),
        (None, "Dear {{ person.__class__ }}", ["/body"]),
        ("{{person.given_name | upper}}", "{{ }} and {{os.environ}}", ["/subject", "/body"]),
        (None, "{{interview.notes}}", ["/body"]),
    ],
)
async def test_unknown_placeholders_are_refused(
    client: httpx.AsyncClient,
    database: Database,
    owner: Account,
    subject: str | None,
    body: str,
    pointers: list[str],
) -> None:
    response = await client.post(
        templates_url(owner),
        json={"kind": "cold_email", "name": "Bad", "subject": subject, "body": body},
        headers=owner.headers,
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert [e["pointer"] for e in problem["errors"]] == pointers
    assert {e["code"] for e in problem["errors"]} == {"unknown_placeholder"}
    # The error lists what is allowed.
    assert "{{person.given_name}}" in problem["errors"][0]["detail"]
    assert await stored_templates(database, owner.workspace_id) == []


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"kind": "love_letter"}, "/kind"),
        ({"name": ""}, "/name"),
        ({"name": "n" * 201}, "/name"),
        ({"subject": "s" * 301}, "/subject"),
        ({"body": ""}, "/body"),
        ({"body": "b" * 20_001}, "/body"),
        ({"body": "nul \x00 here"}, "/body"),
        ({"builtin": True}, "/builtin"),
        ({"workspace_id": "wsp_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"}, "/workspace_id"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_created(
    client: httpx.AsyncClient,
    database: Database,
    owner: Account,
    fields: dict[str, object],
    pointer: str,
) -> None:
    body = {"kind": "cold_email", "name": "Ask", "body": "Hello", **fields}
    response = await client.post(templates_url(owner), json=body, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert await stored_templates(database, owner.workspace_id) == []


async def test_update_is_a_merge_patch(client: httpx.AsyncClient, owner: Account) -> None:
    template = await create_template(client, owner)
    url = template_url(owner, template["id"])
    response = await client.patch(
        url, json={"name": "Renamed", "subject": None}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["name"] == "Renamed"
    assert updated["subject"] is None
    assert updated["body"] == template["body"]
    assert updated["updated_at"] > template["updated_at"]

    response = await client.patch(
        url, json={"body": "Now with {{organisation.name}}"}, headers=owner.headers
    )
    assert response.json()["placeholders"] == ["organisation.name"]


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"body": "{{ person.password_hash }}"}, "unknown_placeholder"),
        ({"subject": "{{me.email}}"}, "unknown_placeholder"),
        ({"name": None}, "not_nullable"),
        ({"body": None}, "not_nullable"),
        ({"kind": None}, "not_nullable"),
        ({"builtin": True}, "extra_forbidden"),
    ],
)
async def test_a_refused_update_changes_nothing(
    client: httpx.AsyncClient, owner: Account, patch: dict[str, object], code: str
) -> None:
    template = await create_template(client, owner)
    url = template_url(owner, template["id"])
    response = await client.patch(url, json=patch, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["code"] == code
    assert (await client.get(url, headers=owner.headers)).json() == template


async def test_if_match_guards_updates_and_deletes(
    client: httpx.AsyncClient, owner: Account
) -> None:
    template = await create_template(client, owner)
    url = template_url(owner, template["id"])
    etag = (await client.get(url, headers=owner.headers)).headers["etag"]
    changed = await client.patch(
        url, json={"name": "First"}, headers={**owner.headers, "If-Match": etag}
    )
    assert changed.status_code == 200
    stale = {**owner.headers, "If-Match": etag}
    assert_problem(
        await client.patch(url, json={"name": "Second"}, headers=stale), 412, "precondition_failed"
    )
    assert_problem(await client.delete(url, headers=stale), 412, "precondition_failed")
    assert (await client.get(url, headers=owner.headers)).json()["name"] == "First"
    current = {**owner.headers, "If-Match": changed.headers["etag"]}
    assert (await client.delete(url, headers=current)).status_code == 204
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")


async def test_builtin_templates_cover_every_kind_and_are_listed_first(
    client: httpx.AsyncClient, owner: Account
) -> None:
    own = await create_template(client, owner, name="AAA first by name")
    for sort in ("created_at", "-created_at", "name", "-name"):
        listed = await all_templates(client, owner, sort=sort)
        flags = [t["builtin"] for t in listed]
        assert flags == sorted(flags, reverse=True), sort
        assert listed[-1]["id"] == own["id"]
    builtins = await all_templates(client, owner, builtin="true")
    assert {t["kind"] for t in builtins} == {k.value for k in TemplateKind}
    for template in builtins:
        assert template["workspace_id"] is None
        assert set(template["placeholders"]) <= set(PLACEHOLDERS)
    assert [t["id"] for t in await all_templates(client, owner, builtin="false")] == [own["id"]]
    thank_yous = await all_templates(client, owner, kind="thank_you")
    assert thank_yous
    assert {t["kind"] for t in thank_yous} == {"thank_you"}


async def test_builtin_templates_are_read_only_and_copyable(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    builtin = (await all_templates(client, owner, builtin="true"))[0]
    url = template_url(owner, builtin["id"])
    assert (await client.get(url, headers=owner.headers)).json() == builtin
    assert_problem(
        await client.patch(url, json={"name": "Mine"}, headers=owner.headers),
        403,
        "builtin_read_only",
    )
    assert_problem(await client.delete(url, headers=owner.headers), 403, "builtin_read_only")
    assert (await client.get(url, headers=owner.headers)).json() == builtin

    response = await client.post(f"{url}/copy", headers=owner.headers)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert response.headers["location"] == template_url(owner, copy["id"])
    assert copy["id"] != builtin["id"]
    assert copy["workspace_id"] == owner.workspace_id
    assert copy["builtin"] is False
    for field in ("kind", "name", "subject", "body", "placeholders"):
        assert copy[field] == builtin[field]
    renamed = await client.post(f"{url}/copy", json={"name": "My version"}, headers=owner.headers)
    assert renamed.json()["name"] == "My version"
    # The copy is the workspace's own: it can change.
    patched = await client.patch(
        template_url(owner, copy["id"]), json={"name": "Edited"}, headers=owner.headers
    )
    assert patched.status_code == 200
    assert len(await stored_templates(database, owner.workspace_id)) == 2


async def test_copy_a_workspace_template(client: httpx.AsyncClient, owner: Account) -> None:
    template = await create_template(client, owner)
    response = await client.post(
        f"{template_url(owner, template['id'])}/copy", json={}, headers=owner.headers
    )
    assert response.status_code == 201
    assert response.json()["body"] == template["body"]


async def test_lists_page_and_sort(client: httpx.AsyncClient, owner: Account) -> None:
    names = ["delta", "alpha", "echo", "charlie", "bravo"]
    for name in names:
        await create_template(client, owner, name=name)
    by_name = await all_templates(client, owner, builtin="false", sort="name", limit=2)
    assert [t["name"] for t in by_name] == sorted(names)
    backwards = await all_templates(client, owner, builtin="false", sort="-name", limit=2)
    assert [t["name"] for t in backwards] == sorted(names, reverse=True)
    newest = await all_templates(client, owner, builtin="false", sort="-created_at", limit=3)
    assert [t["name"] for t in newest] == list(reversed(names))
    # Across pages, built-in templates and own ones are each seen exactly once.
    everything = await all_templates(client, owner, limit=2)
    assert len({t["id"] for t in everything}) == len(everything)
    first = await client.get(templates_url(owner), params={"limit": 1}, headers=owner.headers)
    assert first.json()["has_more"] is True
    assert 'rel="next"' in first.headers["link"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"sort": "body"}, "sort"),
        ({"kind": "poem"}, "kind"),
        ({"limit": 101}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, owner: Account, params: dict[str, str | int], parameter: str
) -> None:
    response = await client.get(templates_url(owner), params=params, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["parameter"] == parameter


async def test_viewers_read_but_cannot_write(
    client: httpx.AsyncClient, database: Database, owner: Account, viewer: Account
) -> None:
    template = await create_template(client, owner)
    url = template_url(viewer, template["id"])
    assert (await client.get(url, headers=viewer.headers)).status_code == 200
    assert (await client.post(f"{url}/render", json={}, headers=viewer.headers)).status_code == 200
    attempts = [
        client.post(
            templates_url(viewer),
            json={"kind": "cold_email", "name": "x", "body": "y"},
            headers=viewer.headers,
        ),
        client.patch(url, json={"name": "Viewer's"}, headers=viewer.headers),
        client.delete(url, headers=viewer.headers),
        client.post(f"{url}/copy", headers=viewer.headers),
    ]
    for attempt in attempts:
        assert_problem(await attempt, 403, "forbidden")
    assert len(await stored_templates(database, owner.workspace_id)) == 1


async def test_other_workspaces_templates_are_not_found(
    client: httpx.AsyncClient, owner: Account
) -> None:
    stranger = await signup(client, name="Stranger")
    theirs = await create_template(client, stranger)
    for template_id in (theirs["id"], ids.new_id("tpl"), "tpl_nope", ids.new_id("per")):
        url = template_url(owner, template_id)
        assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
        assert_problem(
            await client.patch(url, json={"name": "x"}, headers=owner.headers), 404, "not_found"
        )
        assert_problem(await client.delete(url, headers=owner.headers), 404, "not_found")
        assert_problem(await client.post(f"{url}/copy", headers=owner.headers), 404, "not_found")
        assert_problem(
            await client.post(f"{url}/render", json={}, headers=owner.headers), 404, "not_found"
        )
    assert (
        await client.get(template_url(stranger, theirs["id"]), headers=stranger.headers)
    ).json()["name"] == theirs["name"]


async def test_api_keys_need_the_templates_scopes(
    client: httpx.AsyncClient, owner: Account
) -> None:
    reader = await create_api_key(client, owner, ["templates:read"])
    writer = await create_api_key(client, owner, ["templates:write"])
    headers = bearer(reader["secret"])
    assert (await client.get(templates_url(owner), headers=headers)).status_code == 200
    response = await client.post(
        templates_url(owner), json={"kind": "cold_email", "name": "x", "body": "y"}, headers=headers
    )
    assert_problem(response, 403, "insufficient_scope")
    response = await client.post(
        templates_url(owner),
        json={"kind": "cold_email", "name": "x", "body": "y"},
        headers=bearer(writer["secret"]),
    )
    assert response.status_code == 201

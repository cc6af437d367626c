"""Who may read and write people: roles, API key scopes, other workspaces."""

from __future__ import annotations

import httpx

from app.core.db import Database
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.people.factories import collection, create_person, item, stored_people


async def test_a_viewer_reads_but_cannot_write(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    listed = await client.get(collection(owner), headers=viewer.headers)
    assert [p["id"] for p in listed.json()["data"]] == [person["id"]]
    fetched = await client.get(item(owner, person["id"]), headers=viewer.headers)
    assert fetched.json() == person

    before = await stored_people(database, owner.workspace_id)
    refused = [
        await client.post(collection(owner), json={"given_name": "X"}, headers=viewer.headers),
        await client.patch(item(owner, person["id"]), json={"notes": "x"}, headers=viewer.headers),
        await client.delete(item(owner, person["id"]), headers=viewer.headers),
    ]
    for response in refused:
        assert_problem(response, 403, "forbidden")
    assert await stored_people(database, owner.workspace_id) == before


async def test_an_editor_writes(client: httpx.AsyncClient, owner: Account, editor: Account) -> None:
    created = await client.post(
        collection(owner), json={"given_name": "Ed"}, headers=editor.headers
    )
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["workspace_id"] == owner.workspace_id
    response = await client.patch(
        item(owner, person["id"]), json={"notes": "x"}, headers=editor.headers
    )
    assert response.status_code == 200
    assert (
        await client.delete(item(owner, person["id"]), headers=editor.headers)
    ).status_code == 204


async def test_api_keys_need_the_people_scopes(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    reader = bearer((await create_api_key(client, owner, ["people:read"]))["secret"])
    writer = bearer((await create_api_key(client, owner, ["people:write"]))["secret"])
    other = bearer((await create_api_key(client, owner, ["organisations:write"]))["secret"])

    assert (await client.get(item(owner, person["id"]), headers=reader)).status_code == 200
    assert (await client.get(collection(owner), headers=writer)).status_code == 200
    problem = assert_problem(
        await client.get(collection(owner), headers=other), 403, "insufficient_scope"
    )
    assert problem["scope"] == "people:read"
    before = await stored_people(database, owner.workspace_id)
    problem = assert_problem(
        await client.patch(item(owner, person["id"]), json={"notes": "x"}, headers=reader),
        403,
        "insufficient_scope",
    )
    assert problem["scope"] == "people:write"
    assert await stored_people(database, owner.workspace_id) == before
    created = await client.post(collection(owner), json={"given_name": "Key"}, headers=writer)
    assert created.status_code == 201


async def test_another_workspace_is_not_found(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person = await create_person(client, owner)
    stranger = await signup(client, name="Stranger")
    before = await stored_people(database, owner.workspace_id)
    responses = [
        await client.get(collection(owner), headers=stranger.headers),
        await client.post(collection(owner), json={"given_name": "X"}, headers=stranger.headers),
        await client.get(item(owner, person["id"]), headers=stranger.headers),
        await client.patch(
            item(owner, person["id"]), json={"notes": "x"}, headers=stranger.headers
        ),
        await client.delete(item(owner, person["id"]), headers=stranger.headers),
        # The person's id under the stranger's own workspace is not found either.
        await client.get(f"{collection(stranger)}/{person['id']}", headers=stranger.headers),
        await client.delete(f"{collection(stranger)}/{person['id']}", headers=stranger.headers),
    ]
    for response in responses:
        assert_problem(response, 404, "not_found")
    assert await stored_people(database, owner.workspace_id) == before
    # Nor does the stranger's list show it.
    listed = await client.get(collection(stranger), headers=stranger.headers)
    assert listed.json()["data"] == []


async def test_no_credential_is_401(client: httpx.AsyncClient, owner: Account) -> None:
    assert_problem(await client.get(collection(owner)), 401, "unauthenticated")

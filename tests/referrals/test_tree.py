"""The referral tree below a person, the path above one, and the workspace's network."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from app.core import ids
from app.core.db import Database, utcnow
from tests.conftest import Account, assert_problem, signup
from tests.people.factories import insert_people, person_row
from tests.referrals.factories import insert_organisation, make_person, workspace_path


async def build_tree(database: Database, workspace_id: str) -> dict[str, str]:
    """root → a, b; a → c, d; c → e (created in that order)."""
    start = utcnow() - timedelta(hours=1)
    names: dict[str, str] = {}
    parents = {"root": None, "a": "root", "b": "root", "c": "a", "d": "a", "e": "c"}
    for offset, (name, parent) in enumerate(parents.items()):
        names[name] = await make_person(
            database,
            workspace_id,
            name,
            referred_by_id=names[parent] if parent else None,
            created_at=start + timedelta(seconds=offset),
        )
    return names


def shape(node: dict[str, Any]) -> Any:
    """A tree as nested (name, [children]) tuples."""
    return (node["person"]["display_name"], [shape(c) for c in node["children"]])


async def get_tree(
    client: httpx.AsyncClient, account: Account, person_id: str, **params: Any
) -> httpx.Response:
    return await client.get(
        f"{workspace_path(account)}/people/{person_id}/referrals",
        params=params,
        headers=account.headers,
    )


async def test_tree_follows_the_requested_depth(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    people = await build_tree(database, owner.workspace_id)

    default = (await get_tree(client, owner, people["root"])).json()
    assert default["object"] == "referral_tree"
    assert default["depth"] == 2
    assert default["truncated"] is False
    assert shape(default["root"]) == ("root", [("a", [("c", []), ("d", [])]), ("b", [])])
    assert default["root"]["person"] == {
        "id": people["root"],
        "display_name": "root",
        "relationship_stage": "identified",
        "organisation_id": None,
    }

    one = (await get_tree(client, owner, people["root"], depth=1)).json()
    assert shape(one["root"]) == ("root", [("a", []), ("b", [])])
    five = (await get_tree(client, owner, people["root"], depth=5)).json()
    assert shape(five["root"]) == ("root", [("a", [("c", [("e", [])]), ("d", [])]), ("b", [])])
    below = (await get_tree(client, owner, people["c"], depth=5)).json()
    assert shape(below["root"]) == ("c", [("e", [])])
    leaf = (await get_tree(client, owner, people["e"])).json()
    assert shape(leaf["root"]) == ("e", [])


async def test_tree_bad_input(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    people = await build_tree(database, owner.workspace_id)
    for depth in (0, 6, "deep"):
        body = assert_problem(
            await get_tree(client, owner, people["root"], depth=depth), 422, "validation_failed"
        )
        assert body["errors"][0]["parameter"] == "depth"
    stranger = await signup(client, name="Stranger")
    for account, person_id in (
        (owner, ids.new_id("per")),
        (owner, "per_nope"),
        (stranger, people["root"]),
    ):
        assert_problem(await get_tree(client, account, person_id), 404, "not_found")


async def test_tree_stops_at_500_people_and_says_so(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    root = await make_person(database, owner.workspace_id, "root")
    rows = [
        person_row(owner.workspace_id, display_name=f"child {n:03}", referred_by_id=root)
        for n in range(501)
    ]
    await insert_people(database, rows)

    response = await get_tree(client, owner, root, depth=3)

    body = response.json()
    assert body["truncated"] is True
    assert len(body["root"]["children"]) == 500


async def test_tree_of_exactly_500_is_cut_only_when_someone_is_below(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    root = await make_person(database, owner.workspace_id, "root")
    rows = [
        person_row(owner.workspace_id, display_name=f"child {n:03}", referred_by_id=root)
        for n in range(500)
    ]
    await insert_people(database, rows)

    whole = (await get_tree(client, owner, root, depth=2)).json()
    assert whole["truncated"] is False
    assert len(whole["root"]["children"]) == 500

    await make_person(database, owner.workspace_id, "grandchild", referred_by_id=rows[0]["id"])
    cut = (await get_tree(client, owner, root, depth=2)).json()
    assert cut["truncated"] is True
    assert sum(len(c["children"]) for c in cut["root"]["children"]) == 0
    # One level only: the grandchild is beyond the depth asked for, not cut.
    assert (await get_tree(client, owner, root, depth=1)).json()["truncated"] is False


async def test_path_runs_from_the_first_degree_contact_down(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    people = await build_tree(database, owner.workspace_id)

    response = await client.get(
        f"{workspace_path(owner)}/people/{people['e']}/referral-path", headers=owner.headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "referral_path"
    assert body["person_id"] == people["e"]
    assert body["truncated"] is False
    assert [p["display_name"] for p in body["people"]] == ["root", "a", "c", "e"]
    assert body["people"][0]["id"] == people["root"]

    alone = await client.get(
        f"{workspace_path(owner)}/people/{people['root']}/referral-path", headers=owner.headers
    )
    assert [p["id"] for p in alone.json()["people"]] == [people["root"]]


async def test_a_long_path_is_cut_at_100_people(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    rows: list[dict[str, Any]] = []
    for n in range(105):
        rows.append(
            person_row(
                owner.workspace_id,
                display_name=f"p{n}",
                referred_by_id=rows[-1]["id"] if rows else None,
            )
        )
    await insert_people(database, rows)

    body = (
        await client.get(
            f"{workspace_path(owner)}/people/{rows[-1]['id']}/referral-path",
            headers=owner.headers,
        )
    ).json()

    assert body["truncated"] is True
    assert [p["display_name"] for p in body["people"]] == [f"p{n}" for n in range(5, 105)]


async def test_path_of_a_missing_person_is_404(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    stranger = await signup(client, name="Stranger")
    foreign = await make_person(database, stranger.workspace_id)
    for person_id in (foreign, ids.new_id("per"), "per_nope", ids.new_id("org")):
        response = await client.get(
            f"{workspace_path(owner)}/people/{person_id}/referral-path", headers=owner.headers
        )
        assert_problem(response, 404, "not_found")


async def test_network_nodes_edges_and_degrees(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    people = await build_tree(database, owner.workspace_id)
    organisation_id = await insert_organisation(database, owner.workspace_id, "Acme")
    worker = await make_person(
        database,
        owner.workspace_id,
        "worker",
        organisation_id=organisation_id,
        referred_by_id=people["b"],
    )
    colleague = await make_person(
        database, owner.workspace_id, "colleague", organisation_id=organisation_id
    )
    stranger = await signup(client, name="Stranger")
    await make_person(database, stranger.workspace_id, "elsewhere")

    response = await client.get(f"{workspace_path(owner)}/network", headers=owner.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "network"
    assert body["truncated"] is False
    assert body["next_cursor"] is None
    people_nodes = {n["id"]: n for n in body["nodes"] if n["type"] == "person"}
    assert len(people_nodes) == 8
    degrees = {n["display_name"]: n["degree"] for n in people_nodes.values()}
    assert degrees == {
        "root": 2,
        "a": 3,
        "b": 2,
        "c": 2,
        "d": 1,
        "e": 1,
        "worker": 1,
        "colleague": 0,
    }
    assert people_nodes[worker]["organisation_id"] == organisation_id
    assert [n for n in body["nodes"] if n["type"] == "organisation"] == [
        {
            "type": "organisation",
            "id": organisation_id,
            "name": "Acme",
            "is_target": False,
            "people_count": 2,
        }
    ]
    edges = {(e["type"], e["source"], e["target"]) for e in body["edges"]}
    assert edges == {
        ("referral", people["root"], people["a"]),
        ("referral", people["root"], people["b"]),
        ("referral", people["a"], people["c"]),
        ("referral", people["a"], people["d"]),
        ("referral", people["c"], people["e"]),
        ("referral", people["b"], worker),
        ("employment", worker, organisation_id),
        ("employment", colleague, organisation_id),
    }


async def test_network_is_bounded_and_paged_by_person(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    people = await build_tree(database, owner.workspace_id)
    url = f"{workspace_path(owner)}/network"

    seen: list[str] = []
    edges = 0
    params: dict[str, Any] = {"limit": 4}
    for _ in range(5):
        response = await client.get(url, params=params, headers=owner.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["nodes"]) <= 4
        seen.extend(n["id"] for n in page["nodes"])
        edges += len(page["edges"])
        if not page["truncated"]:
            break
        assert 'rel="next"' in response.headers["link"]
        params["cursor"] = page["next_cursor"]
    assert seen == sorted(people.values())
    assert edges == 5

    for bad in ({"limit": 0}, {"limit": 1001}, {"cursor": "nonsense"}):
        assert_problem(
            await client.get(url, params=bad, headers=owner.headers), 422, "validation_failed"
        )
    assert (await client.get(url, params={"limit": 1000}, headers=owner.headers)).status_code == 200

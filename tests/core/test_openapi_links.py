"""OpenAPI links connect each create to what can be done with the item it made (issue 20):
get, update, delete, its actions and lists, so generated clients and stateful fuzzing
(tests/fuzz/) follow create → get → update → delete. Checked against the document's paths and
by following every link of every create over HTTP."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.security import test_data_families as families

world = families.world


def _creates(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each create's operation id: its path and its 201's links."""
    found = {}
    for path, item in document["paths"].items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is not None and "links" in created:
            found[item["post"]["operationId"]] = (path, created["links"])
    return found


def _operations(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        operation["operationId"]: (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_each_collection_create_links_to_its_items_get_update_and_delete(app: Any) -> None:
    document = app.openapi()
    operations = _operations(document)
    creates = {path: links for path, links in _creates(document).values()}
    checked = 0
    for path, item in document["paths"].items():
        collection, _, last = path.rpartition("/")
        if not re.fullmatch(r"\{\w+\}", last) or "post" not in document["paths"].get(
            collection, {}
        ):
            continue
        if "201" not in document["paths"][collection]["post"]["responses"]:
            continue
        links = creates[collection]
        for method in ("get", "patch", "delete"):
            if method in item:
                link = links[item[method]["operationId"]]
                assert link["parameters"][last[1:-1]] == "$response.body#/id"
                checked += 1
    assert checked >= 30
    # Every link names an operation of the document and fills each of its path parameters.
    for path, links in _creates(document).values():
        for name, link in links.items():
            target_path, _ = operations[link["operationId"]]
            assert name == link["operationId"]
            assert set(link["parameters"]) == set(re.findall(r"\{(\w+)\}", target_path))
            for value in link["parameters"].values():
                assert value == "$response.body#/id" or value.removeprefix(
                    "$request.path."
                ) in re.findall(r"\{(\w+)\}", path)


def _resolve(expression: str, created: dict[str, Any], request_path: dict[str, str]) -> str:
    if expression == "$response.body#/id":
        return str(created["id"])
    return request_path[expression.removeprefix("$request.path.")]


async def test_following_each_link_reaches_the_item_made(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    document = app.openapi()
    operations = _operations(document)
    owner = world.owner
    writes = families.write_bodies(world)
    followed = 0
    for operation_id, (path, links) in sorted(_creates(document).items()):
        if operation_id not in writes:
            continue  # workspaces, API keys and invitations: tests/workspaces, tests/api_keys
        where, body = writes[operation_id]
        values = {**world.ids, "workspace_id": owner.workspace_id}
        if where == "completed":
            values["interview_id"] = values["completed_interview_id"]
        request_path = {name: values[name] for name in re.findall(r"\{(\w+)\}", path)}
        response = await client.post(path.format(**values), json=body, headers=owner.headers)
        assert response.status_code == 201, (operation_id, response.text)
        created = response.json()
        gets = {
            name: link for name, link in links.items() if operations[name][1] in ("get", "patch")
        }
        deletes = [name for name in links if operations[name][1] == "delete"]
        for name in [*sorted(gets), *deletes]:
            target_path, method = operations[name]
            parameters = {
                key: _resolve(expression, created, request_path)
                for key, expression in links[name]["parameters"].items()
            }
            answer = await client.request(
                method.upper(),
                target_path.format(**parameters),
                json={} if method == "patch" else None,
                headers=owner.headers,
            )
            assert answer.status_code in (200, 204), (name, answer.text)
            if answer.status_code == 200 and (method == "patch" or target_path.endswith("}")):
                assert answer.json()["id"] == created["id"], name
            followed += 1
    assert followed >= 30

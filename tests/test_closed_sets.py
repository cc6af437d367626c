"""A closed set of values is an enum in the OpenAPI document, and the server accepts exactly
that set (issue 20): every list's `sort` names each allow-listed order and its `-` reverse, each
of them lists, and any other value is 422 `invalid_sort`."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import assert_problem, signup
from tests.security import test_data_families as families
from tests.test_response_models import ON_COMPLETED, get_routes

world = families.world

# Every list that sorts (a new one joins by itself; this only checks that none went missing).
SORTED_LISTS = {
    "follow_ups_list",
    "interviews_list",
    "leads_list",
    "organisations_list",
    "outreach_list",
    "people_list",
    "people_list_by_organisation",
    "question_banks_list",
    "questions_list",
    "templates_list",
}


def _sort_parameter(document: dict[str, Any], path: str) -> dict[str, Any] | None:
    parameters = document["paths"][path]["get"].get("parameters", [])
    return next((p for p in parameters if p["in"] == "query" and p["name"] == "sort"), None)


async def test_every_sort_is_an_enum_of_exactly_what_the_list_accepts(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    document = app.openapi()
    owner = world.owner
    values = {**world.ids, "workspace_id": owner.workspace_id}
    sorted_lists: set[str] = set()
    for route in get_routes(app):
        parameter = _sort_parameter(document, route.path)
        if parameter is None:
            continue
        operation = str(route.operation_id)
        sorted_lists.add(operation)
        schema = parameter["schema"]
        names = schema.get("enum")
        assert names, f"{operation}: `sort` is not an enum"
        assert schema["default"] in names, operation
        # Each order with its reverse.
        assert {name.removeprefix("-") for name in names} == {
            name for name in names if not name.startswith("-")
        }, operation
        assert all(f"-{name}" in names for name in names if not name.startswith("-")), operation
        ids = {**values, "interview_id": world.ids["completed_interview_id"]}
        url = route.path.format(**(ids if operation in ON_COMPLETED else values))
        for name in names:
            answer = await client.get(url, params={"sort": name}, headers=owner.headers)
            assert answer.status_code == 200, (operation, name, answer.text)
        for other in ("-" + names[0].removeprefix("-") + "_x", "id", "doc"):
            refused = await client.get(url, params={"sort": other}, headers=owner.headers)
            problem = assert_problem(refused, 422, "validation_failed")
            assert problem["errors"][0]["code"] == "invalid_sort", (operation, other)
            assert problem["errors"][0]["parameter"] == "sort"
    assert sorted_lists == SORTED_LISTS


async def test_the_grant_types_are_an_enum_and_another_is_refused(
    app: Any, client: httpx.AsyncClient
) -> None:
    schema = app.openapi()["components"]["schemas"]["TokenRequest"]["properties"]["grant_type"]
    assert schema["enum"] == ["password", "refresh_token"]
    account = await signup(client)
    form = {"username": account.email, "password": account.password}
    issued = await client.post("/v1/auth/token", data={**form, "grant_type": "password"})
    assert issued.status_code == 200, issued.text
    refreshed = await client.post(
        "/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": issued.json()["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    other = await client.post("/v1/auth/token", data={**form, "grant_type": "client_credentials"})
    assert other.status_code == 400
    assert other.json()["error"] == "unsupported_grant_type"

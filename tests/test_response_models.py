"""Every GET answers a body its declared response model reads strictly and writes back the same:
the fast path of app.core.rows (and any hand-built body) cannot drift from the contract."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.core.query import query_names
from app.core.routing import RouteTable
from tests.conftest import create_api_key, signup
from tests.security import test_data_families as families

# The workspace with one record of every family (tests/security/test_data_families.py).
world = families.world

# Referrals come out of the completed interview.
ON_COMPLETED = {"referrals_list"}
# GET routes answered without a response model, each for its reason.
NO_MODEL = {"health_metrics": "Prometheus text, not JSON"}


def get_routes(app: Any) -> list[APIRoute]:
    routes: list[Any] = []
    for route in app.routes:
        routes += route.routes if isinstance(route, RouteTable) else [route]
    return [
        r for r in routes if isinstance(r, APIRoute) and "GET" in r.methods and r.include_in_schema
    ]


def queries(route: APIRoute) -> list[dict[str, Any]]:
    """The query strings to call a route with: none, embeds, and a short page (a cursor)."""
    names = set(query_names(route.dependant))
    found: list[dict[str, Any]] = [{}]
    if "expand" in names:
        found.append({"expand": "person,organisation"})
    if "limit" in names:
        found.append({"limit": 1})
    return found


def check_body(model: type[BaseModel], response: httpx.Response) -> BaseModel:
    """The body reads strictly as `model`, and `model` writes it back unchanged."""
    parsed = model.model_validate_json(response.content, strict=True)
    where = (response.request.method, str(response.request.url))
    assert parsed.model_dump(mode="json") == json.loads(response.content), where
    return parsed


async def test_every_get_answers_its_response_model(
    app: Any, client: httpx.AsyncClient, world: families.World
) -> None:
    owner = world.owner
    key = await create_api_key(client, owner, ["people:read"])
    # An invitation to the owner, for GET /v1/me/invitations.
    other = await signup(client, name="Other")
    invited = await client.post(
        f"/v1/workspaces/{other.workspace_id}/invitations",
        json={"email": owner.email, "role": "viewer"},
        headers=other.headers,
    )
    assert invited.status_code == 201, invited.text
    values = {**world.ids, "workspace_id": owner.workspace_id, "key_id": key["id"]}
    called: set[str] = set()
    pages = 0
    for route in get_routes(app):
        if route.operation_id in NO_MODEL:
            assert route.response_model is None, route.operation_id
            continue
        model = route.response_model
        assert isinstance(model, type), route.operation_id
        assert issubclass(model, BaseModel), route.operation_id
        url = route.path.format(**values)
        if route.operation_id in ON_COMPLETED:
            url = route.path.format(
                **{**values, "interview_id": world.ids["completed_interview_id"]}
            )
        for params in queries(route):
            response = await client.get(url, params=params, headers=owner.headers)
            assert response.status_code == 200, (route.operation_id, params, response.text)
            parsed = check_body(model, response)
            data = getattr(parsed, "data", None)
            if isinstance(data, list):
                # Every list holds a record here: an empty one would prove nothing of its items.
                assert data, (route.operation_id, params)
            if params.get("limit") == 1 and getattr(parsed, "has_more", False):
                pages += 1
        called.add(str(route.operation_id))
    # The item and list routes the fast path serves were among them, with their embeds.
    assert {
        "people_list",
        "people_get",
        "people_list_by_organisation",
        "organisations_list",
        "organisations_get",
        "interviews_list",
        "interviews_get",
    } <= called
    assert pages > 0


async def test_interview_embeds_read_as_their_models(
    client: httpx.AsyncClient, world: families.World
) -> None:
    from app.interviews.schemas import Interview, InterviewList

    owner = world.owner
    base = f"/v1/workspaces/{owner.workspace_id}/interviews"
    expand = {"expand": "person,organisation"}
    listed = await client.get(base, params=expand, headers=owner.headers)
    page = check_body(InterviewList, listed)
    assert isinstance(page, InterviewList)
    assert all(i.person is not None for i in page.data)
    fetched = await client.get(
        f"{base}/{world.ids['interview_id']}", params=expand, headers=owner.headers
    )
    interview = check_body(Interview, fetched)
    assert isinstance(interview, Interview)
    assert interview.person is not None
    assert interview.organisation is not None
    (in_list,) = [i for i in listed.json()["data"] if i["id"] == interview.id]
    assert in_list == fetched.json()

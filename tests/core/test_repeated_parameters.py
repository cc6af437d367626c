"""A query parameter that takes one value, given twice, is 422 `repeated_parameter` on every
operation (issue 20): neither value is silently chosen. One declared as a list takes each."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, FastAPI, Query

from app.core.errors import install_error_handlers
from app.core.routing import CheckedRoute
from tests.conftest import assert_problem

SOME_ID = "0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"


async def test_every_operation_refuses_a_repeated_parameter(
    app: Any, client: httpx.AsyncClient, owner: Any
) -> None:
    document = app.openapi()
    checked = 0
    for template, operations in document["paths"].items():
        url = template.format_map(_Ids(workspace_id=owner.workspace_id))
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            if not names:
                continue
            # Twice the first one, once the others: only the first is named.
            query = [(names[0], "1"), (names[0], "2"), *((name, "1") for name in names[1:])]
            answer = await client.request(method, url, params=query, headers=owner.headers)
            problem = assert_problem(answer, 422, "validation_failed")
            assert [(e["parameter"], e["code"]) for e in problem["errors"]] == [
                (names[0], "repeated_parameter")
            ], (method, template)
            checked += 1
    assert checked > 15


class _Ids(dict[str, str]):
    def __missing__(self, name: str) -> str:
        return f"{name.removesuffix('_id')[:3]}_{SOME_ID}"


async def test_a_list_parameter_takes_each_repetition() -> None:
    router = APIRouter(route_class=CheckedRoute)

    @router.get("/tagged")
    async def tagged(
        tag: Annotated[list[str], Query()],
        limit: Annotated[int | None, Query()] = None,
    ) -> dict[str, Any]:
        return {"tags": tag, "limit": limit}

    application = FastAPI()
    install_error_handlers(application)
    application.include_router(router)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        taken = await http.get("/tagged", params=[("tag", "a"), ("tag", "b"), ("limit", "3")])
        assert taken.status_code == 200, taken.text
        assert taken.json() == {"tags": ["a", "b"], "limit": 3}
        twice = await http.get("/tagged", params=[("tag", "a"), ("limit", "3"), ("limit", "4")])
        assert twice.status_code == 422
        problem = twice.json()
        assert problem["errors"][0]["parameter"] == "limit"
        assert problem["errors"][0]["code"] == "repeated_parameter"

"""An action whose body has no required field takes an empty request (issue 20): the document
says the body may be left out, and the server then applies the model's defaults."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.db import Database
from tests.conftest import Account
from tests.follow_ups.factories import create_follow_up, item
from tests.interviews.factories import base, create_interview, make_person


def _optional_bodies(document: dict[str, Any]) -> dict[str, bool]:
    """Each POST action with a JSON body of no required field: whether the body is required."""
    schemas = document["components"]["schemas"]
    found: dict[str, bool] = {}
    for operations in document["paths"].values():
        post = operations.get("post")
        body = (post or {}).get("requestBody")
        if body is None or "application/json" not in body["content"]:
            continue
        name = body["content"]["application/json"]["schema"].get("$ref", "").rsplit("/", 1)[-1]
        if (
            name
            and not schemas[name].get("required")
            and not post["operationId"].endswith("_create")
        ):
            found[post["operationId"]] = bool(body.get("required"))
    return found


async def test_the_document_lets_every_action_of_optional_fields_go_without_a_body(
    app: Any,
) -> None:
    found = _optional_bodies(app.openapi())
    assert {"interviews_complete", "follow_ups_complete", "outreach_send"} <= set(found)
    assert not any(found.values()), found


async def test_completing_takes_an_empty_request(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    url = f"{base(owner)}/{interview['id']}"
    scheduled = await client.post(
        f"{url}/schedule", json={"scheduled_at": "2026-01-05T10:00:00Z"}, headers=owner.headers
    )
    assert scheduled.status_code == 200, scheduled.text
    completed = await client.post(f"{url}/complete", headers=owner.headers)
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"
    follow_up = await create_follow_up(client, owner, title="Send the article")
    done = await client.post(f"{item(owner, follow_up['id'])}/complete", headers=owner.headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    # An empty body is not a body of another type: JSON that is not an object is still 422.
    refused = await client.post(
        f"{item(owner, follow_up['id'])}/complete", json=[], headers=owner.headers
    )
    assert refused.status_code == 422

"""A timestamp input is written with a year from 1900 to 2199 (in its own offset, before
conversion to UTC), a rule the OpenAPI document states exactly: a pattern on every date-time
string that a request body or query parameter takes. In UTC such an instant may fall on
1899-12-31 or 2200-01-01, and everything downstream (storage, lists and their cursors, the
agenda, stats, thank-you notes) takes it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from app.core.schemas import TIMESTAMP_PATTERN, UtcDatetime
from tests.conftest import Account, assert_problem

_ADAPTER: TypeAdapter[Any] = TypeAdapter(UtcDatetime)

# (as written, in UTC) at the ends of the range, offsets as large as RFC 3339 allows included.
INSIDE = [
    ("1900-01-01T00:00:00+01:00", "1899-12-31T23:00:00Z"),
    ("1900-01-01T00:00:00+23:59", "1899-12-31T00:01:00Z"),
    ("1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z"),
    ("2199-12-31T23:59:59-05:00", "2200-01-01T04:59:59Z"),
    ("2199-12-31T23:59:59.999999-23:59", "2200-01-01T23:58:59.999999Z"),
    ("2199-12-31T23:59:59.999999Z", "2199-12-31T23:59:59.999999Z"),
]
OUTSIDE = [
    "1899-12-31T23:59:59.999999Z",
    "1899-12-31T23:59:59-01:00",  # 1900 in UTC: the year as written decides
    "2200-01-01T00:00:00Z",
    "2200-01-01T00:30:00+01:00",  # 2199 in UTC
    "0681-03-01T00:00:00Z",
    "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
    "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC
]


@pytest.mark.parametrize("value", [v for v, _ in INSIDE] + OUTSIDE + ["2026-11-23T09:30:00Z"])
def test_the_pattern_and_the_server_agree(value: str) -> None:
    """The document's pattern (on a date-time string) holds exactly when the server accepts."""
    if re.search(TIMESTAMP_PATTERN, value) is not None:
        _ADAPTER.validate_python(value)
        return
    with pytest.raises(ValidationError) as refused:
        _ADAPTER.validate_python(value)
    assert [e["type"] for e in refused.value.errors()] == ["timestamp_out_of_range"]


@pytest.mark.parametrize("value", OUTSIDE)
async def test_a_year_outside_1900_2199_as_written_is_422_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account, value: str
) -> None:
    base = f"/v1/workspaces/{owner.workspace_id}"
    response = await client.post(
        f"{base}/follow-ups", json={"kind": "custom", "due_at": value}, headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [
        {
            "pointer": "/due_at",
            "code": "timestamp_out_of_range",
            "detail": "Timestamps are accepted with a year from 1900 to 2199 as written (in the "
            "timestamp's own offset, before conversion to UTC).",
        }
    ]
    listed = await client.get(f"{base}/follow-ups", headers=owner.headers)
    assert listed.json()["data"] == []
    query = await client.get(
        f"{base}/interviews", params={"scheduled_after": value}, headers=owner.headers
    )
    error = assert_problem(query, 422, "validation_failed")["errors"][0]
    assert (error["parameter"], error["code"]) == ("scheduled_after", "timestamp_out_of_range")


async def test_the_ends_of_the_range_are_accepted_and_stored_in_utc(
    client: httpx.AsyncClient, owner: Account
) -> None:
    base = f"/v1/workspaces/{owner.workspace_id}"
    for written, utc in INSIDE:
        created = await client.post(
            f"{base}/follow-ups", json={"kind": "custom", "due_at": written}, headers=owner.headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["due_at"] == utc
        read = await client.get(f"{base}/follow-ups/{created.json()['id']}", headers=owner.headers)
        assert read.json()["due_at"] == utc


@pytest.mark.parametrize("sort", ["due_at", "-due_at"])
async def test_instants_past_1900_2199_in_utc_page_through_cursors(
    client: httpx.AsyncClient, owner: Account, sort: str
) -> None:
    """A cursor holds the UTC instant of the last row: 1899-12-31 and 2200-01-01 among them."""
    base = f"/v1/workspaces/{owner.workspace_id}"
    for written, _ in INSIDE:
        created = await client.post(
            f"{base}/follow-ups", json={"kind": "custom", "due_at": written}, headers=owner.headers
        )
        assert created.status_code == 201, created.text
    seen: list[str] = []
    params: dict[str, Any] = {"sort": sort, "limit": 1}
    while True:
        page = await client.get(f"{base}/follow-ups", params=params, headers=owner.headers)
        assert page.status_code == 200, page.text
        seen += [item["due_at"] for item in page.json()["data"]]
        if not page.json()["has_more"]:
            break
        params["cursor"] = page.json()["next_cursor"]
    expected = sorted((utc for _, utc in INSIDE), reverse=sort.startswith("-"))
    assert seen == expected


async def test_the_rest_of_the_practice_takes_the_ends_of_the_range(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """An interview scheduled and completed at either end, in the zones furthest from UTC:
    its thank-you note falls due, the agenda and the stats read it, nothing is a 500."""
    base = f"/v1/workspaces/{owner.workspace_id}"
    headers = owner.headers
    person = await client.post(f"{base}/people", json={"given_name": "Ada"}, headers=headers)
    assert person.status_code == 201, person.text
    for (written, utc), zone in zip(
        INSIDE[:2] + INSIDE[3:5],
        ["Pacific/Kiritimati", "Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Pago_Pago"],
        strict=True,
    ):
        interview = await client.post(
            f"{base}/interviews", json={"person_id": person.json()["id"]}, headers=headers
        )
        assert interview.status_code == 201, interview.text
        path = f"{base}/interviews/{interview.json()['id']}"
        scheduled = await client.post(
            f"{path}/schedule", json={"scheduled_at": written, "timezone": zone}, headers=headers
        )
        assert scheduled.status_code == 200, scheduled.text
        assert scheduled.json()["scheduled_at"] == utc
        completed = await client.post(
            f"{path}/complete", json={"ended_at": written}, headers=headers
        )
        assert completed.status_code == 200, completed.text
        for as_of in (written, "2026-11-23T09:30:00Z"):
            stats = await client.get(f"{base}/stats", params={"as_of": as_of}, headers=headers)
            assert stats.status_code == 200, stats.text
        for agenda_zone in (zone, "UTC"):
            agenda = await client.get(
                f"{base}/agenda", params={"timezone": agenda_zone}, headers=headers
            )
            assert agenda.status_code == 200, agenda.text
    listed = await client.get(
        f"{base}/interviews",
        params={"scheduled_after": INSIDE[1][0], "scheduled_before": INSIDE[4][0]},
        headers=headers,
    )
    assert listed.status_code == 200, listed.text
    follow_ups = await client.get(f"{base}/follow-ups", params={"limit": 100}, headers=headers)
    assert follow_ups.status_code == 200, follow_ups.text


def _date_times(node: Any, schemas: dict[str, Any], seen: set[str], found: list[Any]) -> None:
    """Every `date-time` string schema `node` reaches, through references, but those under a
    `not` (which describe what is refused, such as a draft's `sent_at`)."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rpartition("/")[2]
        if ref.startswith("#/components/schemas/") and name not in seen:
            seen.add(name)
            _date_times(schemas[name], schemas, seen, found)
        if node.get("format") == "date-time":
            found.append(node)
        for key, value in node.items():
            if key != "not":
                _date_times(value, schemas, seen, found)
    elif isinstance(node, list):
        for value in node:
            _date_times(value, schemas, seen, found)


def test_every_date_time_a_request_takes_carries_the_pattern(app: Any) -> None:
    """In request bodies and query parameters: the pattern, and `type: string` with
    `format: date-time` kept. Responses carry none: a stored instant may be 1899 in UTC."""
    document = app.openapi()
    schemas = document["components"]["schemas"]
    requests: list[Any] = []
    responses: list[Any] = []
    for item in document["paths"].values():
        for operation in item.values():
            parts = [operation.get("requestBody"), operation.get("parameters")]
            _date_times(parts, schemas, set(), requests)
            _date_times(operation.get("responses"), schemas, set(), responses)
    assert len(requests) >= 20
    for schema in requests:
        assert (schema["type"], schema["pattern"]) == ("string", TIMESTAMP_PATTERN), schema
    assert responses
    assert not [schema for schema in responses if "pattern" in schema]
    # Every date-time in the document is one of the two.
    everything: list[Any] = []
    _date_times(document, schemas, set(), everything)
    assert {id(s) for s in everything} == {id(s) for s in requests} | {id(s) for s in responses}

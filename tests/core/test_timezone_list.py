"""The time zones the API accepts are one closed set, the zones of the pinned tzdata package
(not the host's zone files), and the OpenAPI document lists exactly that set once, as the
component `TimeZone` that every input taking a zone refers to."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tzdata import IANA_VERSION

from app.core.schemas import known_zones
from tests.conftest import Account, assert_problem

_REF = {"$ref": "#/components/schemas/TimeZone"}
_NULLABLE_REF = {"anyOf": [_REF, {"type": "null"}]}
_DETAIL = "Not an IANA time zone name (e.g. `Europe/London`)."


def test_the_list_is_the_tzdata_packages_zones_less_what_is_not_a_zone() -> None:
    listed = set((resources.files("tzdata") / "zones").read_text(encoding="utf-8").split())
    zones = known_zones()
    assert list(zones) == sorted(zones)
    assert set(zones) == listed - {"Factory"}
    assert {"Europe/London", "America/Los_Angeles", "UTC", "Etc/GMT+5"} <= set(zones)
    assert not {"Factory", "localtime", "posixrules", "posix"} & set(zones)
    for name in zones:
        assert ZoneInfo(name) is not None


def test_the_document_lists_the_servers_zones_once(app: Any) -> None:
    component = app.openapi()["components"]["schemas"]["TimeZone"]
    assert component["type"] == "string"
    assert component["enum"] == list(known_zones())
    assert f"release {IANA_VERSION}" in component["description"]
    assert "tzdata" in component["description"]
    assert component["examples"] == ["Europe/London"]
    # Names for a generated client's enum members, one each: the zones' letters alone would
    # give `Etc/GMT+5` and `Etc/GMT-5` one name, and openapi-python-client refuses that.
    names = component["x-enum-varnames"]
    assert len(names) == len(set(names)) == len(component["enum"])
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", name) for name in names)
    members = dict(zip(component["enum"], names, strict=True))
    assert (members["Etc/GMT+5"], members["Etc/GMT-5"]) == ("ETC_GMT_PLUS_5", "ETC_GMT_MINUS_5")
    assert members["America/Port-au-Prince"] == "AMERICA_PORT_AU_PRINCE"


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for operation in item.values()
    }


def _body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema: dict[str, Any] = document["components"]["schemas"][ref.rpartition("/")[2]]
    return schema


@pytest.mark.parametrize(
    "operation_id",
    [
        "workspaces_update",
        "interviews_create",
        "interviews_update",
        "interviews_schedule",
        "interviews_reschedule",
        "outreach_accept",
    ],
)
def test_every_body_taking_a_zone_refers_to_the_component(app: Any, operation_id: str) -> None:
    document = app.openapi()
    member = _body_schema(document, _operations(document)[operation_id])["properties"]["timezone"]
    assert member["anyOf"] == _NULLABLE_REF["anyOf"], member


def test_the_agenda_parameter_refers_to_the_component(app: Any) -> None:
    operation = _operations(app.openapi())["follow_ups_agenda"]
    [parameter] = [p for p in operation["parameters"] if p["name"] == "timezone"]
    assert parameter["schema"]["anyOf"] == _NULLABLE_REF["anyOf"]


def _zone_schemas(
    node: Any, schemas: dict[str, Any], found: dict[str, Any], seen: set[str], where: str
) -> dict[str, Any]:
    """Every schema of a member or query parameter named `timezone` that `node` reaches,
    through references, keyed by where it is."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rpartition("/")[2]
        if ref.startswith("#/components/schemas/") and name not in seen:
            seen.add(name)
            _zone_schemas(schemas[name], schemas, found, seen, name)
        if isinstance(node.get("properties", {}).get("timezone"), dict):
            found[where] = node["properties"]["timezone"]
        if node.get("in") == "query" and node.get("name") == "timezone":
            found[where] = node["schema"]
        for key, value in node.items():
            # A `not` names fields to refuse a combination of them, declaring none.
            if key != "not":
                _zone_schemas(value, schemas, found, seen, where)
    elif isinstance(node, list):
        for value in node:
            _zone_schemas(value, schemas, found, seen, where)
    return found


def test_no_input_takes_a_zone_outside_the_component(app: Any) -> None:
    """Request bodies and query parameters: a `timezone` is always the component, never a free
    string (responses show what is stored, which may be older text)."""
    document = app.openapi()
    schemas = document["components"]["schemas"]
    found: dict[str, Any] = {}
    for item in document["paths"].values():
        for operation in item.values():
            parts = [operation.get("requestBody"), operation.get("parameters")]
            _zone_schemas(parts, schemas, found, set(), operation["operationId"])
    assert set(found) == {
        "WorkspaceUpdate",
        "InterviewCreate",
        "InterviewUpdate",
        "InterviewSchedule",
        "OutreachAccept",
        "follow_ups_agenda",
    }
    for schema in found.values():
        assert schema["anyOf"] == _NULLABLE_REF["anyOf"], schema


async def test_every_listed_zone_is_accepted(client: httpx.AsyncClient, owner: Account) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    refused = []
    for name in known_zones():
        response = await client.patch(url, json={"timezone": name}, headers=owner.headers)
        if response.status_code != 200 or response.json()["timezone"] != name:
            refused.append((name, response.status_code))
    assert not refused
    assert len(known_zones()) > 500


def _host_only() -> list[str]:
    """Zone files of the host that the tzdata package does not list (Debian ships these)."""
    root = Path("/usr/share/zoneinfo")
    return [name for name in ("right/UTC", "posix/Europe/London") if (root / name).is_file()]


@pytest.mark.parametrize(
    "name",
    [
        "Factory",
        "localtime",
        "posixrules",
        "Mars/Olympus",
        "europe/london",
        "Europe/London ",
        "UTC+1",
        *_host_only(),
    ],
)
async def test_a_name_not_in_the_list_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, owner: Account, name: str
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}"
    set_up = await client.patch(url, json={"timezone": "Asia/Tokyo"}, headers=owner.headers)
    assert set_up.status_code == 200, set_up.text
    response = await client.patch(
        url, json={"timezone": name, "name": "Renamed"}, headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [
        {"pointer": "/timezone", "detail": _DETAIL, "code": "invalid_timezone"}
    ]
    after = await client.get(url, headers=owner.headers)
    assert after.json() == set_up.json()


async def test_zones_of_the_list_pass_every_kind_of_input(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """A handful through the other inputs that take one: bodies and the agenda's parameter."""
    base = f"/v1/workspaces/{owner.workspace_id}"
    headers = owner.headers
    zones = known_zones()
    person = await client.post(f"{base}/people", json={"given_name": "Ada"}, headers=headers)
    assert person.status_code == 201, person.text
    person_id = person.json()["id"]
    interview = await client.post(
        f"{base}/interviews",
        json={"person_id": person_id, "timezone": zones[0]},
        headers=headers,
    )
    assert interview.status_code == 201, interview.text
    assert interview.json()["timezone"] == zones[0]
    path = f"{base}/interviews/{interview.json()['id']}"
    updated = await client.patch(path, json={"timezone": zones[-1]}, headers=headers)
    assert (updated.status_code, updated.json()["timezone"]) == (200, zones[-1])
    scheduled = await client.post(
        f"{path}/schedule",
        json={"scheduled_at": "2026-12-01T09:00:00Z", "timezone": "Etc/GMT-14"},
        headers=headers,
    )
    assert (scheduled.status_code, scheduled.json()["timezone"]) == (200, "Etc/GMT-14")
    moved = await client.post(
        f"{path}/reschedule",
        json={"scheduled_at": "2026-12-02T09:00:00Z", "timezone": "Pacific/Kiritimati"},
        headers=headers,
    )
    assert (moved.status_code, moved.json()["timezone"]) == (200, "Pacific/Kiritimati")
    refused = await client.post(
        f"{path}/reschedule",
        json={"scheduled_at": "2026-12-03T09:00:00Z", "timezone": "Factory"},
        headers=headers,
    )
    error = assert_problem(refused, 422, "validation_failed")["errors"][0]
    assert (error["pointer"], error["code"]) == ("/timezone", "invalid_timezone")
    for zone in ("Pacific/Pago_Pago", "America/Argentina/ComodRivadavia", "Etc/UTC"):
        agenda = await client.get(f"{base}/agenda", params={"timezone": zone}, headers=headers)
        assert agenda.status_code == 200, agenda.text
    outreach = await client.post(
        f"{base}/outreach",
        json={"person_id": person_id, "channel": "email", "status": "sent"},
        headers=headers,
    )
    assert outreach.status_code == 201, outreach.text
    accepted = await client.post(
        f"{base}/outreach/{outreach.json()['id']}/accept",
        json={"timezone": "America/St_Johns"},
        headers=headers,
    )
    assert accepted.status_code == 200, accepted.text
    made = await client.get(f"{base}/interviews/{accepted.json()['interview_id']}", headers=headers)
    assert made.json()["timezone"] == "America/St_Johns"

"""Crafted input (issue 18, finding 12): timestamps written outside the years 1900-2199 or sent as
numbers, U+0000
in a query string, integers beyond a column's range in a cursor: each a 422 that changes nothing,
never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select, update

from app.api_keys.models import api_keys
from app.core.db import Database
from app.follow_ups.models import follow_ups
from app.interviews.models import interviews
from app.interviews.service import INTERVIEW_JSON
from app.leads.models import leads
from app.organisations.models import organisations
from app.outreach.models import outreach
from app.people.models import people
from app.templates.render import format_scheduled_at
from tests.conftest import Account, assert_problem
from tests.templates.factories import create_template, template_url

# Each was accepted before, and those marked 500 broke the request: year 1 less the stats weeks
# or the interview's duration; 9999 plus the thank-you hours, the stay-in-touch days or a
# microsecond of stats. The year as written decides, not the year in UTC.
OUT_OF_RANGE = [
    "0001-01-01T00:00:00Z",  # 500 for stats, complete
    "1899-12-31T23:59:59.999999Z",
    "1899-12-31T23:30:00-01:00",  # 1900 in UTC
    "2200-01-01T00:00:00Z",  # the upper bound is excluded
    "2200-01-01T00:30:00+01:00",  # 2199 in UTC
    "9999-12-31T23:59:59.999999Z",  # 500 for complete, a stay-in-touch done, stats
    "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC
]
# Read as Unix times before; a timestamp is an RFC 3339 string.
NUMBERS: list[Any] = [1764000000, "1764000000"]

TRACKED = (people, organisations, interviews, follow_ups, outreach, leads, api_keys)


async def snapshot(database: Database, workspace_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the workspace that a refused request could have touched."""
    reader = database.reader()
    return {
        table.name: await reader.all(
            select(*table.c).where(table.c.workspace_id == workspace_id).order_by(table.c.id)
        )
        for table in TRACKED
    }


@dataclass
class Scene:
    """Records of one workspace made through the API, each only when a case needs it."""

    client: httpx.AsyncClient
    owner: Account

    @property
    def base(self) -> str:
        return f"/v1/workspaces/{self.owner.workspace_id}"

    async def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = await self.client.post(self.base + path, json=body, headers=self.owner.headers)
        assert response.status_code == status, response.text
        created: dict[str, Any] = response.json()
        return created

    async def person(self, **fields: Any) -> str:
        person = await self.post("/people", {"given_name": "Grace", **fields})
        return str(person["id"])

    async def interview(self, status: str = "planned") -> str:
        interview = await self.post("/interviews", {"person_id": await self.person()})
        path = f"/interviews/{interview['id']}"
        if status in ("scheduled", "completed"):
            await self.post(f"{path}/schedule", {"scheduled_at": "2026-12-01T09:00:00Z"}, 200)
        if status == "completed":
            await self.post(f"{path}/complete", {"ended_at": "2026-12-01T09:30:00Z"}, 200)
        return str(interview["id"])

    async def stay_in_touch(self) -> str:
        """A pending stay-in-touch follow-up: completing it schedules the next, days later."""
        person_id = await self.person(stay_in_touch_every_days=90)
        response = await self.client.get(
            f"{self.base}/follow-ups",
            params={"person_id": person_id, "kind": "stay_in_touch"},
            headers=self.owner.headers,
        )
        assert response.status_code == 200, response.text
        [follow_up] = response.json()["data"]
        return str(follow_up["id"])

    async def outreach(self, status: str = "draft") -> str:
        created = await self.post(
            "/outreach",
            {"person_id": await self.person(), "channel": "email", "status": status},
        )
        return str(created["id"])


Path = Callable[[Scene], Awaitable[str]]


async def _people(scene: Scene) -> str:
    return "/people"


async def _a_person(scene: Scene) -> str:
    return f"/people/{await scene.person()}"


async def _interviews(scene: Scene) -> str:
    return "/interviews"


async def _schedule(scene: Scene) -> str:
    return f"/interviews/{await scene.interview()}/schedule"


async def _reschedule(scene: Scene) -> str:
    return f"/interviews/{await scene.interview('scheduled')}/reschedule"


async def _complete(scene: Scene) -> str:
    return f"/interviews/{await scene.interview('scheduled')}/complete"


async def _thank_you(scene: Scene) -> str:
    return f"/interviews/{await scene.interview('completed')}/thank-you"


async def _follow_ups(scene: Scene) -> str:
    return "/follow-ups"


async def _a_follow_up(scene: Scene) -> str:
    return f"/follow-ups/{await scene.stay_in_touch()}"


async def _complete_follow_up(scene: Scene) -> str:
    return f"/follow-ups/{await scene.stay_in_touch()}/complete"


async def _snooze(scene: Scene) -> str:
    return f"/follow-ups/{await scene.stay_in_touch()}/snooze"


async def _outreach(scene: Scene) -> str:
    return "/outreach"


async def _send(scene: Scene) -> str:
    return f"/outreach/{await scene.outreach()}/send"


async def _accept(scene: Scene) -> str:
    return f"/outreach/{await scene.outreach('sent')}/accept"


async def _decline(scene: Scene) -> str:
    return f"/outreach/{await scene.outreach('sent')}/decline"


async def _leads(scene: Scene) -> str:
    return "/leads"


async def _api_keys(scene: Scene) -> str:
    return "/api-keys"


# (method, path, the timestamp's field, the rest of a valid body): every timestamp in a body.
BODIES: dict[str, tuple[str, Path, str, dict[str, Any]]] = {
    "people_create": ("POST", _people, "last_contacted_at", {"given_name": "Ada"}),
    "people_update": ("PATCH", _a_person, "last_contacted_at", {}),
    "interviews_schedule": (
        "POST",
        _schedule,
        "scheduled_at",
        {"timezone": "Pacific/Kiritimati"},
    ),
    "interviews_reschedule": ("POST", _reschedule, "scheduled_at", {}),
    "interviews_complete_ended_at": ("POST", _complete, "ended_at", {}),
    "interviews_complete_started_at": ("POST", _complete, "started_at", {}),
    "thank_you": ("POST", _thank_you, "sent_at", {"channel": "email"}),
    "follow_ups_create": ("POST", _follow_ups, "due_at", {"kind": "custom"}),
    "follow_ups_update": ("PATCH", _a_follow_up, "due_at", {}),
    "follow_ups_complete": ("POST", _complete_follow_up, "completed_at", {}),
    "follow_ups_snooze": ("POST", _snooze, "until", {}),
    "outreach_create": ("POST", _outreach, "sent_at", {"channel": "email", "status": "sent"}),
    "outreach_send": ("POST", _send, "sent_at", {}),
    "outreach_accept": ("POST", _accept, "responded_at", {}),
    "outreach_decline": ("POST", _decline, "responded_at", {}),
    "leads_create": ("POST", _leads, "follow_up_due_at", {"title": "Analyst"}),
    "api_keys_create": (
        "POST",
        _api_keys,
        "expires_at",
        {"name": "k", "scopes": ["people:read"]},
    ),
}


async def _send_body(
    client: httpx.AsyncClient, owner: Account, database: Database, case: str, value: Any
) -> tuple[httpx.Response, bool]:
    """Send `case` with `value` as its timestamp; also says whether the records stayed as
    they were."""
    method, path, field, rest = BODIES[case]
    scene = Scene(client, owner)
    url = scene.base + await path(scene)
    body = {**rest, field: value}
    if case == "outreach_create":
        body["person_id"] = await scene.person()
    before = await snapshot(database, owner.workspace_id)
    response = await client.request(method, url, json=body, headers=owner.headers)
    return response, await snapshot(database, owner.workspace_id) == before


def _only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("case", sorted(BODIES))
async def test_a_timestamp_outside_the_range_is_422_in_every_body(
    client: httpx.AsyncClient, owner: Account, database: Database, case: str, value: str
) -> None:
    response, unchanged = await _send_body(client, owner, database, case, value)
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert error["pointer"] == f"/{BODIES[case][2]}"
    assert error["code"] == "timestamp_out_of_range"
    assert "a year from 1900 to 2199 as written" in error["detail"]
    assert unchanged


@pytest.mark.parametrize("value", NUMBERS)
@pytest.mark.parametrize("case", sorted(BODIES))
async def test_a_number_is_not_a_timestamp_in_any_body(
    client: httpx.AsyncClient, owner: Account, database: Database, case: str, value: Any
) -> None:
    response, unchanged = await _send_body(client, owner, database, case, value)
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert error["pointer"] == f"/{BODIES[case][2]}"
    assert error["code"] == "timestamp_type"
    assert unchanged


@pytest.mark.parametrize("value", [1764000000.5, "+1764000000", "1.764e9", ".5", "-1"])
async def test_every_spelling_of_a_number_is_refused(
    client: httpx.AsyncClient, owner: Account, database: Database, value: Any
) -> None:
    response, unchanged = await _send_body(client, owner, database, "follow_ups_create", value)
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert (error["pointer"], error["code"]) == ("/due_at", "timestamp_type")
    assert unchanged


@pytest.mark.parametrize(
    ("inside", "stored", "outside"),
    [
        ("1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "1899-12-31T23:59:59.999999Z"),
        ("1900-01-01T00:00:00+01:00", "1899-12-31T23:00:00Z", "1899-12-31T23:59:59-01:00"),
        ("2199-12-31T23:59:59.999999Z", "2199-12-31T23:59:59.999999Z", "2200-01-01T00:00:00Z"),
        ("2199-12-31T23:59:59-05:00", "2200-01-01T04:59:59Z", "2200-01-01T00:00:00+05:00"),
    ],
)
async def test_the_range_ends_exactly_at_its_bounds_as_written(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    inside: str,
    stored: str,
    outside: str,
) -> None:
    """Years 1900-2199 as written, in the timestamp's own offset (in UTC it may be a day
    beyond). At its very end an interview still completes (its thank-you note falls due 48
    hours later)."""
    scene = Scene(client, owner)
    created = await scene.post("/follow-ups", {"kind": "custom", "due_at": inside})
    assert created["due_at"] == stored
    interview = await scene.post(await _complete(scene), {"ended_at": inside}, 200)
    assert interview["ended_at"] == stored
    response, unchanged = await _send_body(client, owner, database, "follow_ups_create", outside)
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert (error["pointer"], error["code"]) == ("/due_at", "timestamp_out_of_range")
    assert unchanged


# --- query parameters ---------------------------------------------------------------------------

QUERIES = {
    "stats": ("/stats", "as_of"),
    "interviews_after": ("/interviews", "scheduled_after"),
    "interviews_before": ("/interviews", "scheduled_before"),
    "outreach_after": ("/outreach", "sent_after"),
    "outreach_before": ("/outreach", "sent_before"),
    "follow_ups_after": ("/follow-ups", "due_after"),
    "follow_ups_before": ("/follow-ups", "due_before"),
}


@pytest.mark.parametrize(
    ("value", "code"),
    [*((v, "timestamp_out_of_range") for v in OUT_OF_RANGE), ("1764000000", "timestamp_type")],
)
@pytest.mark.parametrize("case", sorted(QUERIES))
async def test_a_query_timestamp_outside_the_range_or_a_number_is_422(
    client: httpx.AsyncClient, owner: Account, case: str, value: str, code: str
) -> None:
    path, name = QUERIES[case]
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}{path}", params={name: value}, headers=owner.headers
    )
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert (error["parameter"], error["code"]) == (name, code)


# --- cursors ------------------------------------------------------------------------------------


def forged_cursor(sort: str, *values: Any) -> str:
    """A cursor as the server writes them (`SortOrder.cursor_for`), with chosen values."""
    # The standard library's encoder, which writes integers of any size.
    payload = json.dumps({"s": sort, "v": list(values)}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


async def statements_for(
    client: httpx.AsyncClient, database: Database, url: str, account: Account, **params: Any
) -> tuple[httpx.Response, int]:
    """The response and how many SQL statements the request ran."""
    before = database.statement_count
    response = await client.get(url, params=params, headers=account.headers)
    return response, database.statement_count - before


# A timestamp a cursor may hold is an instant a client's timestamp can be in UTC (from
# 1899-12-31 up to, not including, 2200-01-02): these overflowed when converted to UTC for the
# statement (a 500) or lie outside it.
CURSOR_TIMESTAMPS = [
    "0001-01-01T00:30:00+01:00",  # 500 before
    "9999-12-31T23:59:59-01:00",  # 500 before
    "1899-12-30T23:59:59+00:00",
    "2200-01-02T00:00:00+00:00",
    "2200-01-01T23:00:00-01:00",
]
TIMESTAMP_SORTS = [
    ("/people", "created_at", "per"),  # a list statement built once per shape (keyset)
    ("/interviews", "-scheduled_at", "int"),  # ditto, nullable
    ("/follow-ups", "due_at", "fup"),  # a statement built per request (apply), nullable
    ("/templates", "-created_at", "tpl"),  # a computed rank before the timestamp
]


@pytest.mark.parametrize("value", CURSOR_TIMESTAMPS)
@pytest.mark.parametrize(("path", "sort", "prefix"), TIMESTAMP_SORTS)
async def test_a_cursor_timestamp_outside_the_range_is_an_invalid_cursor(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    path: str,
    sort: str,
    prefix: str,
    value: str,
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}{path}"
    values = [1, value] if path == "/templates" else [value]
    cursor = forged_cursor(sort, *values, f"{prefix}_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d")
    response, ran = await statements_for(client, database, url, owner, sort=sort, cursor=cursor)
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert (error["parameter"], error["code"]) == ("cursor", "invalid_cursor")
    # No more statements than for a cursor that cannot be read at all: the list never ran.
    unreadable, baseline = await statements_for(
        client, database, url, owner, sort=sort, cursor="not-a-cursor"
    )
    assert_problem(unreadable, 422, "validation_failed")
    assert ran == baseline


INT32 = (-(2**31), 2**31 - 1)


@pytest.mark.parametrize(
    ("path", "sort", "beyond", "edge", "rest"),
    [
        ("/organisations", "target_rank", 2**63, INT32[1], ["org_x"]),  # 500 before
        ("/organisations", "-target_rank", -(2**63), INT32[0], ["org_x"]),  # 500 on PostgreSQL
        ("/organisations", "target_rank", 2**31, INT32[1], ["org_x"]),  # INTEGER: 32 bits
        ("/organisations", "-target_rank", -(2**31) - 1, INT32[0], ["org_x"]),
        ("/templates", "name", 2**63, INT32[1], ["a", "tpl_x"]),  # a computed rank: 500 before
    ],
)
async def test_a_cursor_integer_beyond_its_column_is_refused_before_any_statement(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    path: str,
    sort: str,
    beyond: int,
    edge: int,
    rest: list[str],
) -> None:
    url = f"/v1/workspaces/{owner.workspace_id}{path}"
    cursor = forged_cursor(sort, beyond, *rest)
    response, ran = await statements_for(client, database, url, owner, sort=sort, cursor=cursor)
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert (error["parameter"], error["code"]) == ("cursor", "invalid_cursor")
    unreadable, baseline = await statements_for(
        client, database, url, owner, sort=sort, cursor="not-a-cursor"
    )
    assert_problem(unreadable, 422, "validation_failed")
    assert ran == baseline
    # The column's own extreme is still a cursor, and the list still answers afterwards.
    at_edge = forged_cursor(sort, edge, *rest)
    ok = await client.get(url, params={"sort": sort, "cursor": at_edge}, headers=owner.headers)
    assert ok.status_code == 200, ok.text


# --- U+0000 in query strings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/people", "tag=%00", "tag"),  # 500 before on PostgreSQL
        ("/organisations", "tag=a%00b", "tag"),  # ditto
        ("/people", "q=%00", "q"),
        ("/interviews", "q=x%00", "q"),
        ("/people", "cursor=%00", "cursor"),
        ("/people", "limit=1&bogus=%00", "bogus"),  # unknown parameters too
        ("/people", "bo%00gus=1", "bo\\u0000gus"),  # and names
        ("/follow-ups", "tag=%00&q=%00x", None),  # each one named, in order
    ],
)
async def test_a_query_value_with_nul_is_422_before_any_statement(
    client: httpx.AsyncClient,
    owner: Account,
    database: Database,
    path: str,
    query: str,
    parameter: str | None,
) -> None:
    before = database.statement_count
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}{path}?{query}", headers=owner.headers
    )
    body = assert_problem(response, 422, "validation_failed")
    assert database.statement_count == before  # not even the credential was looked up
    names = [e["parameter"] for e in body["errors"]]
    assert names == ([parameter] if parameter is not None else ["q", "tag"])
    assert {e["code"] for e in body["errors"]} == {"nul_character"}


async def test_a_raw_nul_byte_in_the_query_string_is_422(app: Any, owner: Account) -> None:
    """Sent as ASGI receives it from a server that passed the byte through (httpx refuses to
    send it)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/v1/workspaces/{owner.workspace_id}/people",
        "raw_path": f"/v1/workspaces/{owner.workspace_id}/people".encode(),
        "root_path": "",
        "query_string": b"tag=\x00",
        "headers": [
            (b"host", b"rapport.test"),
            (b"authorization", owner.headers["Authorization"].encode()),
        ],
        "client": ("2001:db8::1", 50000),
        "server": ("rapport.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 422
    body = orjson.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["code"] == "validation_failed"
    error = _only_error(body)
    assert (error["parameter"], error["code"]) == ("tag", "nul_character")


async def test_a_write_with_nul_in_its_query_string_changes_nothing(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    before = await snapshot(database, owner.workspace_id)
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/people?note=%00",
        json={"given_name": "Ada"},
        headers=owner.headers,
    )
    error = _only_error(assert_problem(response, 422, "validation_failed"))
    assert (error["parameter"], error["code"]) == ("note", "nul_character")
    assert await snapshot(database, owner.workspace_id) == before


# --- rendering stored timestamps ----------------------------------------------------------------


async def test_a_stored_time_past_the_range_still_renders(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """A time stored before inputs were bounded, whose local time in the interview's zone is
    past year 9999 (a 500 before): it is shown in UTC, as stored."""
    scene = Scene(client, owner)
    interview_id = await scene.interview("scheduled")
    when = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    async with database.transaction() as db:
        row = await db.one(select(*interviews.c).where(interviews.c.id == interview_id))
        columns = {k: v for k, v in row.items() if k != "doc"}
        columns.update(scheduled_at=when, timezone="Pacific/Kiritimati")
        await db.execute(
            update(interviews)
            .where(interviews.c.id == interview_id)
            .values(
                scheduled_at=when,
                timezone="Pacific/Kiritimati",
                doc=INTERVIEW_JSON.json(columns).decode(),
            )
        )
    template = await create_template(client, owner, body="See you {{interview.scheduled_at}}")
    response = await client.post(
        f"{template_url(owner, template['id'])}/render",
        json={"interview_id": interview_id},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["body"] == f"See you {format_scheduled_at(when, None)}"
    assert response.json()["body"].endswith("9999, 23:00 (UTC)")

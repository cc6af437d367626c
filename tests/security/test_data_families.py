"""Scopes guard data, whatever route it comes through (issue 18, finding 1): generated from the
route table, every operation API keys may call is called with a key holding only the scopes it
declares, and no object in its response belongs to a family outside those scopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import check_routes, workspace_scope
from app.auth.families import OBJECT_FAMILIES, UnknownObject, own_families
from app.core.routing import CheckedRoute
from app.follow_ups.schemas import FollowUp
from app.interviews.schemas import Interview
from tests.conftest import Account, assert_problem, bearer, create_api_key

# Whose data an object is, read from its id's prefix: this test's own table, so that a
# mislabelled response model cannot hide a leak from it.
FAMILY_OF_PREFIX = {
    "per": "people",
    "ref": "people",
    "org": "organisations",
    "int": "interviews",
    "agi": "interviews",
    "qbk": "questions",
    "qst": "questions",
    "out": "outreach",
    "tpl": "templates",
    "fup": "follow_ups",
    "led": "leads",
    "mem": "members",
    "inv": "members",
    "wsp": "workspaces",
}


def families_shown(value: Any) -> set[str]:
    """The families of every JSON object with a record's `id` anywhere in `value`."""
    found: set[str] = set()
    if isinstance(value, dict):
        record_id = value.get("id")
        if isinstance(record_id, str):
            family = FAMILY_OF_PREFIX.get(record_id.partition("_")[0])
            if family is not None:
                found.add(family)
        for inner in value.values():
            found |= families_shown(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= families_shown(inner)
    return found


def readable(scopes: list[str]) -> set[str]:
    return {scope.partition(":")[0] for scope in scopes}


@dataclass
class World:
    """A workspace with one record of every family, linked the way the practice links them."""

    owner: Account
    ids: dict[str, str] = field(default_factory=dict)


async def _post(client: httpx.AsyncClient, owner: Account, path: str, body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/workspaces/{owner.workspace_id}{path}", json=body, headers=owner.headers
    )
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
async def world(client: httpx.AsyncClient, owner: Account) -> World:
    ids: dict[str, str] = {}
    org = await _post(client, owner, "/organisations", {"name": "Northwind", "is_target": True})
    ids["organisation_id"] = org["id"]
    person = await _post(
        client,
        owner,
        "/people",
        {
            "display_name": "Ada Lovelace",
            "emails": [{"address": "ada@example.com", "primary": True}],
            "notes": "private notes",
            "organisation_id": org["id"],
        },
    )
    ids["person_id"] = person["id"]
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    today = await _post(
        client, owner, "/interviews", {"person_id": person["id"], "organisation_id": org["id"]}
    )
    await _post(client, owner, f"/interviews/{today['id']}/schedule", {"scheduled_at": soon})
    ids["interview_id"] = today["id"]
    done = await _post(client, owner, "/interviews", {"person_id": person["id"]})
    await _post(
        client,
        owner,
        f"/interviews/{done['id']}/schedule",
        {"scheduled_at": "2026-01-05T10:00:00Z"},
    )
    await _post(client, owner, f"/interviews/{done['id']}/complete", {})
    ids["completed_interview_id"] = done["id"]
    item = await _post(client, owner, f"/interviews/{today['id']}/agenda", {"text": "How?"})
    ids["item_id"] = item["id"]
    bank = await _post(client, owner, "/question-banks", {"name": "Mine"})
    ids["bank_id"] = bank["id"]
    question = await _post(
        client,
        owner,
        f"/question-banks/{bank['id']}/questions",
        {"text": "How did you start?", "category": "background"},
    )
    ids["question_id"] = question["id"]
    outreach = await _post(
        client, owner, "/outreach", {"person_id": person["id"], "channel": "email"}
    )
    ids["outreach_id"] = outreach["id"]
    template = await _post(
        client,
        owner,
        "/templates",
        {"kind": "cold_email", "name": "Ask", "body": "Dear {{person.given_name}}"},
    )
    ids["template_id"] = template["id"]
    follow_up = await _post(
        client,
        owner,
        "/follow-ups",
        {"kind": "custom", "title": "Call", "person_id": person["id"], "due_at": soon},
    )
    ids["follow_up_id"] = follow_up["id"]
    lead = await _post(
        client, owner, "/leads", {"title": "Analyst", "source_person_id": person["id"]}
    )
    ids["lead_id"] = lead["id"]
    referrals = await _post(
        client,
        owner,
        f"/interviews/{done['id']}/referrals",
        {"referrals": [{"display_name": "Grace Hopper", "organisation_id": org["id"]}]},
    )
    ids["referral_id"] = referrals["data"][0]["id"]
    members = await client.get(
        f"/v1/workspaces/{owner.workspace_id}/members", headers=owner.headers
    )
    ids["member_id"] = members.json()["data"][0]["id"]
    invitation = await _post(
        client, owner, "/invitations", {"email": "coach@example.com", "role": "viewer"}
    )
    ids["invitation_id"] = invitation["id"]
    return World(owner, ids)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    scopes: list[str]
    expands: bool


def key_operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of a workspace that API keys may call, as the OpenAPI document says."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            schemes = {n: s for r in operation.get("security", []) for n, s in r.items()}
            if "ApiKey" not in schemes or "{workspace_id}" not in path:
                continue
            names = {p["name"] for p in operation.get("parameters", [])}
            found.append(
                Operation(
                    operation["operationId"], method, path, schemes["ApiKey"], "expand" in names
                )
            )
    return found


# Bodies for the writes that create, copy or render something; every PATCH is called with an
# empty merge patch (which changes nothing and answers the item). Their responses are checked
# like any read's.
def write_bodies(world: World) -> dict[str, tuple[str, Any]]:
    ids = world.ids
    return {
        "people_create": ("", {"display_name": "New"}),
        "organisations_create": ("", {"name": "New"}),
        "interviews_create": ("", {"person_id": ids["person_id"]}),
        "question_banks_create": ("", {"name": "New"}),
        "questions_create": ("", {"text": "What is a typical day?", "category": "typical_day"}),
        "agenda_items_create": ("", {"text": "What next?"}),
        "agenda_items_from_bank": ("", {"question_ids": [ids["question_id"]]}),
        "outreach_create": ("", {"person_id": ids["person_id"], "channel": "email"}),
        "templates_create": ("", {"kind": "cold_email", "name": "New", "body": "Hi"}),
        "templates_render": ("", {}),  # naming a person needs its scopes: test_render.py
        "follow_ups_create": ("", {"kind": "custom", "title": "New"}),
        "leads_create": ("", {"title": "New"}),
        "referrals_create": (
            "completed",
            {"referrals": [{"display_name": "New", "organisation_id": ids["organisation_id"]}]},
        ),
        "interviews_thank_you": ("completed", {"channel": "email"}),
        "question_banks_copy": ("", {}),
        "templates_copy": ("", {}),
    }


# The other writes, each for a stated reason; `check_routes` checks their response models at
# start-up like every route's. A new operation must be placed here or called above.
NOT_CALLED = {
    # 204 No Content: there is no response to show anything.
    **dict.fromkeys(
        [
            "people_delete",
            "organisations_delete",
            "interviews_delete",
            "agenda_items_delete",
            "question_banks_delete",
            "questions_delete",
            "outreach_delete",
            "templates_delete",
            "follow_ups_delete",
            "leads_delete",
            "referrals_delete",
        ],
        "no content",
    ),
    # Transitions and reorders answer with their item (or list) in the representation the
    # item's GET answers with, which is called above with the same scope's read.
    **dict.fromkeys(
        [
            "interviews_request",
            "interviews_schedule",
            "interviews_reschedule",
            "interviews_complete",
            "interviews_cancel",
            "interviews_decline",
            "interviews_no_show",
            "agenda_items_reorder",
            "questions_reorder",
            "outreach_send",
            "outreach_accept",
            "outreach_decline",
            "outreach_no_response",
            "follow_ups_complete",
            "follow_ups_snooze",
            "follow_ups_dismiss",
            "follow_ups_reopen",
        ],
        "the item's representation",
    ),
}


def url_of(op: Operation, world: World, *, completed: bool = False) -> str:
    values = dict(world.ids)
    if completed:
        values["interview_id"] = values["completed_interview_id"]
    return op.path.format(workspace_id=world.owner.workspace_id, **values)


async def test_no_key_sees_a_family_it_was_not_granted(
    app: Any, client: httpx.AsyncClient, world: World
) -> None:
    called: set[str] = set()
    writes = write_bodies(world)
    for op in key_operations(app.openapi()):
        if op.method == "get":
            body, completed = None, False
        elif op.method == "patch":
            body, completed = {}, False
        elif op.operation_id in writes:
            where, body = writes[op.operation_id]
            completed = where == "completed"
        else:
            assert op.operation_id in NOT_CALLED, f"{op.operation_id}: call it or say why not"
            continue
        key = await create_api_key(client, world.owner, op.scopes)
        response = await client.request(
            op.method.upper(),
            url_of(op, world, completed=completed),
            json=body,
            headers=bearer(key["secret"]),
        )
        # The scopes an operation declares are enough for it ...
        assert response.is_success, (op.operation_id, op.scopes, response.text)
        # ... and show nothing of any other family.
        shown = families_shown(response.json())
        assert shown <= readable(op.scopes), (op.operation_id, op.scopes, shown)
        called.add(op.operation_id)
    # Every operation was called or set aside for its reason (a renamed one would drop out).
    every = {op.operation_id for op in key_operations(app.openapi())}
    assert called | set(NOT_CALLED) == every
    assert set(writes) <= called


async def test_embeds_need_the_scope_of_what_they_embed(
    app: Any, client: httpx.AsyncClient, world: World
) -> None:
    expanding = [op for op in key_operations(app.openapi()) if op.expands]
    assert {op.operation_id for op in expanding} == {"interviews_list", "interviews_get"}
    for op in expanding:
        url = url_of(op, world)
        for embed, scope in (("person", "people:read"), ("organisation", "organisations:read")):
            narrow = await create_api_key(client, world.owner, op.scopes)
            response = await client.get(
                url, params={"expand": f"{embed}"}, headers=bearer(narrow["secret"])
            )
            assert assert_problem(response, 403, "insufficient_scope")["scope"] == scope
            # Combined, the same; repeated, refused before anything (`repeated_parameter`).
            response = await client.get(
                f"{url}?expand=organisation,person", headers=bearer(narrow["secret"])
            )
            assert_problem(response, 403, "insufficient_scope")
            response = await client.get(
                f"{url}?expand=organisation&expand=person", headers=bearer(narrow["secret"])
            )
            problem = assert_problem(response, 422, "validation_failed")
            assert problem["errors"][0]["code"] == "repeated_parameter"
            wide = await create_api_key(client, world.owner, [*op.scopes, scope])
            response = await client.get(
                url, params={"expand": embed}, headers=bearer(wide["secret"])
            )
            assert response.status_code == 200, response.text
            shown = families_shown(response.json())
            assert FAMILY_OF_PREFIX[{"person": "per", "organisation": "org"}[embed]] in shown
            assert shown <= readable([*op.scopes, scope])


async def test_the_agenda_leaves_out_interviews_for_keys_without_their_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/v1/workspaces/{world.owner.workspace_id}/agenda"
    narrow = await create_api_key(client, world.owner, ["follow_ups:read"])
    agenda = (await client.get(url, headers=bearer(narrow["secret"]))).json()
    assert agenda["interviews_today"] == []
    assert [f["id"] for f in agenda["due_today"]] == [world.ids["follow_up_id"]]
    wide = await create_api_key(client, world.owner, ["follow_ups:read", "interviews:read"])
    agenda = (await client.get(url, headers=bearer(wide["secret"]))).json()
    assert [i["id"] for i in agenda["interviews_today"]] == [world.ids["interview_id"]]


async def test_the_timeline_shows_only_the_kinds_a_key_may_read(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/v1/workspaces/{world.owner.workspace_id}/people/{world.ids['person_id']}/timeline"
    kinds_for = {
        ("people:read",): set(),
        ("people:read", "outreach:read"): {"outreach"},
        ("people:read", "leads:read", "follow_ups:read"): {"lead", "follow_up"},
    }
    for scopes, kinds in kinds_for.items():
        key = await create_api_key(client, world.owner, list(scopes))
        entries = (await client.get(url, headers=bearer(key["secret"]))).json()["data"]
        assert {e["kind"] for e in entries} == kinds


# --- the start-up check itself -------------------------------------------------------------------


FollowUpsOnly = Annotated[WorkspaceAccess, workspace_scope("follow_ups:read")]
InterviewsOnly = Annotated[WorkspaceAccess, workspace_scope("interviews:read")]
EmbedsDeclared = Annotated[
    WorkspaceAccess,
    workspace_scope(
        "interviews:read", embeds={"person": "people:read", "organisation": "organisations:read"}
    ),
]


def _router_returning(model: Any, access: str, *, expand: bool = False) -> APIRouter:
    """A router with one route answering `model`, behind the access alias named `access`."""
    router = APIRouter(route_class=CheckedRoute, prefix="/v1/workspaces/{workspace_id}")
    alias = globals()[access]

    async def leaky(access: alias) -> None:  # type: ignore[valid-type]
        return None

    async def leaky_with_expand(access: alias, expand: str | None = None) -> None:  # type: ignore[valid-type]
        return None

    # The endpoint's annotations are objects here, not strings to resolve.
    endpoint = leaky_with_expand if expand else leaky
    endpoint.__annotations__ = {"access": alias, "return": None}
    if expand:
        endpoint.__annotations__["expand"] = str | None
    router.add_api_route("/leaky", endpoint, operation_id="leaky", response_model=model)
    return router


def test_a_route_that_could_show_another_family_stops_the_app() -> None:
    with pytest.raises(RuntimeError, match="leaky: its response shows \\['interviews'\\]"):
        check_routes(_router_returning(list[Interview], "FollowUpsOnly").routes)
    with pytest.raises(RuntimeError, match="`expand=person` shows \\['people'\\]"):
        check_routes(_router_returning(Interview, "InterviewsOnly", expand=True).routes)
    # Declared, it passes; without an `expand` parameter the embeds cannot be filled.
    check_routes(_router_returning(Interview, "EmbedsDeclared", expand=True).routes)
    check_routes(_router_returning(Interview, "InterviewsOnly").routes)
    check_routes(_router_returning(FollowUp, "FollowUpsOnly").routes)


def test_every_object_names_its_family() -> None:
    from typing import Literal

    from pydantic import BaseModel

    class Novel(BaseModel):
        object: Literal["webhook_delivery"] = "webhook_delivery"

    with pytest.raises(UnknownObject, match="webhook_delivery"):
        own_families(Novel)
    assert OBJECT_FAMILIES["person"] == frozenset({"people"})

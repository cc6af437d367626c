"""Rendering: every placeholder, unknown and unfilled ones, the sandbox, built-in templates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from app.templates import render
from app.templates.render import PLACEHOLDERS
from tests.conftest import Account, assert_problem, bearer, create_api_key, signup
from tests.people.factories import create_person
from tests.templates.factories import (
    all_templates,
    create_template,
    insert_template,
    template_url,
)

EVERY_PLACEHOLDER = " | ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)


# --- the renderer on its own --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{{person.given_name}}",
        "{{ person.given_name }}",
        "{{   person.given_name\t}}",
        "{{\nperson.given_name\n}}",
    ],
)
def test_whitespace_inside_the_braces_is_allowed(text: str) -> None:
    result = render.render(None, f"Hi {text}!", {"person.given_name": "Ada"})
    assert result.body == "Hi Ada!"
    assert result.unknown == []
    assert result.unfilled == []


@pytest.mark.parametrize(
    ("token", "name"),
    [
        ("{{ person.__class__ }}", "person.__class__"),
        ("{{person.__init__.__globals__}}", "person.__init__.__globals__"),
        ("{{ person.given_name | upper }}", "person.given_name | upper"),
        ("{{ person['given_name'] }}", "person['given_name']"),
        ("{{ 7 * 7 }}", "7 * 7"),
        ("{{ Person.given_name }}", "Person.given_name"),
        ("{{}}", ""),
    ],
)
def test_anything_but_a_whitelisted_name_is_unknown_and_left_alone(token: str, name: str) -> None:
    result = render.render(token, f"x {token} y", {"person.given_name": "Ada"})
    assert result.subject == token
    assert result.body == f"x {token} y"
    assert result.unknown == [name]


def test_values_are_never_rendered_again() -> None:
    # A person named like a placeholder stays a name: substitution is a single pass.
    values = {"person.given_name": "{{me.name}}", "me.name": "Seeker"}
    result = render.render(None, "{{person.given_name}} / {{me.name}}", values)
    assert result.body == "{{me.name}} / Seeker"


def test_missing_values_are_unfilled_and_left_alone() -> None:
    result = render.render(
        "{{organisation.name}}",
        "{{person.job_title}} {{organisation.name}} {{person.given_name}}",
        {"person.job_title": None, "person.given_name": "Ada", "person.family_name": ""},
    )
    assert result.subject == "{{organisation.name}}"
    assert result.body == "{{person.job_title}} {{organisation.name}} Ada"
    assert result.unfilled == ["organisation.name", "person.job_title"]


def test_text_without_placeholders_is_unchanged() -> None:
    text = "Single { braces } and {not one} and }} {{ stay"
    assert render.render(None, text, {}).body == text


@pytest.mark.parametrize(
    ("when", "zone", "expected"),
    [
        (
            datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
            "Europe/London",
            "Tuesday 1 December 2026, 10:00 (Europe/London)",
        ),
        (
            datetime(2026, 7, 7, 9, 30, tzinfo=UTC),
            "Europe/London",
            "Tuesday 7 July 2026, 10:30 (Europe/London)",
        ),
        (
            datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
            "Asia/Tokyo",
            "Wednesday 2 December 2026, 08:30 (Asia/Tokyo)",
        ),
        (datetime(2026, 12, 1, 10, 0, tzinfo=UTC), None, "Tuesday 1 December 2026, 10:00 (UTC)"),
    ],
)
def test_scheduled_times_are_shown_in_the_interviews_zone(
    when: datetime, zone: str | None, expected: str
) -> None:
    assert render.format_scheduled_at(when, zone) == expected


# --- over HTTP ----------------------------------------------------------------------------------


async def _scene(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    """A referrer, a person at an organisation whom they referred, a scheduled interview."""
    organisation = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/organisations",
        json={"name": "Northwind Energy"},
        headers=owner.headers,
    )
    assert organisation.status_code == 201, organisation.text
    referrer = await create_person(client, owner, given_name="Mary", family_name="Jackson")
    person = await create_person(
        client,
        owner,
        given_name="Grace",
        family_name="Hopper",
        job_title="Rear Admiral",
        organisation_id=organisation.json()["id"],
        referred_by_id=referrer["id"],
    )
    interviews = f"/v1/workspaces/{owner.workspace_id}/interviews"
    interview = await client.post(
        interviews,
        json={
            "person_id": person["id"],
            "career_field": "Computing",
            "role_of_interest": "Compiler engineer",
            "duration_minutes": 20,
        },
        headers=owner.headers,
    )
    assert interview.status_code == 201, interview.text
    scheduled = await client.post(
        f"{interviews}/{interview.json()['id']}/schedule",
        json={"scheduled_at": "2026-12-01T10:00:00Z", "timezone": "Europe/London"},
        headers=owner.headers,
    )
    assert scheduled.status_code == 200, scheduled.text
    return {"person": person, "referrer": referrer, "interview": scheduled.json()}


async def _render(
    client: httpx.AsyncClient, account: Account, template_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{template_url(account, template_id)}/render", json=body, headers=account.headers
    )
    assert response.status_code == 200, response.text
    rendering: dict[str, Any] = response.json()
    return rendering


async def test_every_placeholder_is_filled(client: httpx.AsyncClient, owner: Account) -> None:
    scene = await _scene(client, owner)
    template = await create_template(
        client, owner, subject="For {{ person.display_name }}", body=EVERY_PLACEHOLDER
    )
    rendering = await _render(
        client,
        owner,
        template["id"],
        person_id=scene["person"]["id"],
        interview_id=scene["interview"]["id"],
    )
    assert rendering["object"] == "template_rendering"
    assert rendering["template_id"] == template["id"]
    assert rendering["subject"] == "For Grace Hopper"
    values = dict(zip(PLACEHOLDERS, rendering["body"].split(" | "), strict=True))
    assert values == {
        "person.given_name": "Grace",
        "person.family_name": "Hopper",
        "person.display_name": "Grace Hopper",
        "person.job_title": "Rear Admiral",
        "organisation.name": "Northwind Energy",
        "interview.scheduled_at": "Tuesday 1 December 2026, 10:00 (Europe/London)",
        "interview.duration_minutes": "20",
        "interview.role_of_interest": "Compiler engineer",
        "interview.career_field": "Computing",
        "referrer.given_name": "Mary",
        "referrer.display_name": "Mary Jackson",
        "me.name": "Owner",
        "workspace.name": rendering["body"].split(" | ")[-1],
    }
    assert values["workspace.name"]
    assert rendering["unknown_placeholders"] == []
    assert rendering["unfilled_placeholders"] == []
    assert rendering["complete"] is True


async def test_the_interview_alone_names_the_person(
    client: httpx.AsyncClient, owner: Account
) -> None:
    scene = await _scene(client, owner)
    template = await create_template(
        client, owner, body="{{person.given_name}} at {{organisation.name}}"
    )
    rendering = await _render(client, owner, template["id"], interview_id=scene["interview"]["id"])
    assert rendering["body"] == "Grace at Northwind Energy"
    assert rendering["complete"] is True


async def test_missing_context_is_reported_unfilled(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner, given_name="Ada", family_name=None)
    template = await create_template(
        client,
        owner,
        subject="{{interview.scheduled_at}}",
        body="{{person.given_name}} {{person.family_name}} {{organisation.name}} "
        "{{referrer.display_name}} {{interview.career_field}}",
    )
    rendering = await _render(client, owner, template["id"], person_id=person["id"])
    assert rendering["subject"] == "{{interview.scheduled_at}}"
    assert rendering["body"] == (
        "Ada {{person.family_name}} {{organisation.name}} {{referrer.display_name}} "
        "{{interview.career_field}}"
    )
    assert rendering["unfilled_placeholders"] == [
        "interview.scheduled_at",
        "person.family_name",
        "organisation.name",
        "referrer.display_name",
        "interview.career_field",
    ]
    assert rendering["complete"] is False

    nobody = await _render(client, owner, template["id"])
    assert "person.given_name" in nobody["unfilled_placeholders"]
    assert nobody["complete"] is False


async def test_an_unscheduled_interview_leaves_its_time_unfilled(
    client: httpx.AsyncClient, owner: Account
) -> None:
    person = await create_person(client, owner)
    interview = await client.post(
        f"/v1/workspaces/{owner.workspace_id}/interviews",
        json={"person_id": person["id"]},
        headers=owner.headers,
    )
    template = await create_template(
        client, owner, body="{{interview.scheduled_at}} for {{interview.duration_minutes}} min"
    )
    rendering = await _render(client, owner, template["id"], interview_id=interview.json()["id"])
    assert rendering["body"] == "{{interview.scheduled_at}} for 15 min"
    assert rendering["unfilled_placeholders"] == ["interview.scheduled_at"]


async def test_a_stored_template_with_unknown_placeholders_reports_them(
    client: httpx.AsyncClient, database: Database, owner: Account
) -> None:
    person = await create_person(client, owner, given_name="Ada")
    template_id = await insert_template(
        database,
        owner.workspace_id,
        "{{ person.__class__ }}",
        "Hi {{person.given_name}}, {{ person.emails }} {{person.__class__}}",
    )
    rendering = await _render(client, owner, template_id, person_id=person["id"])
    assert rendering["subject"] == "{{ person.__class__ }}"
    assert rendering["body"] == "Hi Ada, {{ person.emails }} {{person.__class__}}"
    assert rendering["unknown_placeholders"] == ["person.__class__", "person.emails"]
    assert rendering["unfilled_placeholders"] == []
    assert rendering["complete"] is False


async def test_builtin_templates_render_completely(
    client: httpx.AsyncClient, owner: Account
) -> None:
    scene = await _scene(client, owner)
    builtins = await all_templates(client, owner, builtin="true")
    assert len(builtins) >= 6
    for template in builtins:
        rendering = await _render(
            client,
            owner,
            template["id"],
            person_id=scene["person"]["id"],
            interview_id=scene["interview"]["id"],
        )
        assert rendering["complete"] is True, (template["name"], rendering)
        assert "{{" not in rendering["body"]


async def test_an_api_key_signs_with_its_creators_name(
    client: httpx.AsyncClient, owner: Account
) -> None:
    key = await create_api_key(client, owner, ["templates:read"])
    template = await create_template(client, owner, body="{{me.name}}")
    response = await client.post(
        f"{template_url(owner, template['id'])}/render", json={}, headers=bearer(key["secret"])
    )
    assert response.status_code == 200, response.text
    assert response.json()["body"] == "Owner"


async def test_render_needs_records_of_this_workspace(
    client: httpx.AsyncClient, owner: Account
) -> None:
    stranger = await signup(client, name="Stranger")
    theirs = await create_person(client, stranger)
    scene = await _scene(client, owner)
    other = await create_person(client, owner, given_name="Other")
    template = await create_template(client, owner)
    url = f"{template_url(owner, template['id'])}/render"
    cases = [
        ({"person_id": theirs["id"]}, "/person_id", "person_not_found"),
        ({"person_id": "per_nope"}, "/person_id", "person_not_found"),
        ({"person_id": ids.new_id("org")}, "/person_id", "person_not_found"),
        ({"interview_id": ids.new_id("int")}, "/interview_id", "interview_not_found"),
        ({"interview_id": "int_"}, "/interview_id", "interview_not_found"),
        (
            {"person_id": other["id"], "interview_id": scene["interview"]["id"]},
            "/interview_id",
            "interview_person_mismatch",
        ),
        ({"person": theirs["id"]}, "/person", "extra_forbidden"),
    ]
    for body, pointer, code in cases:
        response = await client.post(url, json=body, headers=owner.headers)
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["pointer"] == pointer, body
        assert problem["errors"][0]["code"] == code, body


async def test_rendering_needs_the_scopes_of_what_it_reads(
    client: httpx.AsyncClient, owner: Account
) -> None:
    template = await create_template(client, owner)
    person = await create_person(client, owner)
    url = f"{template_url(owner, template['id'])}/render"
    narrow = await create_api_key(client, owner, ["templates:read"])
    response = await client.post(
        url, json={"person_id": person["id"]}, headers=bearer(narrow["secret"])
    )
    assert assert_problem(response, 403, "insufficient_scope")["scope"] == "people:read"
    # The person's organisation fills `organisation.*`: its scope is needed too.
    people_only = await create_api_key(client, owner, ["templates:read", "people:read"])
    response = await client.post(
        url, json={"person_id": person["id"]}, headers=bearer(people_only["secret"])
    )
    assert assert_problem(response, 403, "insufficient_scope")["scope"] == "organisations:read"
    wider = await create_api_key(
        client, owner, ["templates:read", "people:read", "organisations:read"]
    )
    response = await client.post(
        url, json={"person_id": person["id"]}, headers=bearer(wider["secret"])
    )
    assert response.status_code == 200, response.text

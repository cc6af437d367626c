"""The Python client `make sdk` generates (build/python-client), unedited, drives a real server
through a seeker's first interview: sign up, log in with the password grant, an organisation and
a person, an interview with an agenda from the built-in bank, scheduled and completed, its
thank-you follow-up; people paged with a cursor; a 412 and a 422 read as problems. It is the
example docs/clients.md shows.

The client raises on any status the document does not declare, and parses every body into its
models, so a response that strays from the document fails here."""

from __future__ import annotations

import importlib
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.conftest import PASSWORD
from tests.servers import Server


def client_modules(build: Path) -> dict[str, ModuleType]:
    """The generated package's modules, imported from build/python-client."""
    path = str(build / "python-client")
    if path not in sys.path:
        sys.path.insert(0, path)
    names = {
        "client": "rapport_client",
        "models": "rapport_client.models",
        "types": "rapport_client.types",
        **{
            name: f"rapport_client.api.{tag}.{name}"
            for tag, name in [
                ("auth", "auth_signup"),
                ("auth", "auth_token"),
                ("organisations", "organisations_create"),
                ("people", "people_create"),
                ("people", "people_get"),
                ("people", "people_update"),
                ("people", "people_list"),
                ("question_banks", "question_banks_get_builtin"),
                ("interviews", "interviews_create"),
                ("interviews", "agenda_items_from_bank"),
                ("interviews", "interviews_schedule"),
                ("interviews", "interviews_complete"),
                ("follow_ups", "follow_ups_list"),
            ]
        },
    }
    return {key: importlib.import_module(name) for key, name in names.items()}


def ok(response: Any, status: int) -> Any:
    """The parsed body of a response that has `status`, else a failure showing what came."""
    assert response.status_code == status, (response.status_code, response.content)
    return response.parsed


async def test_python_client_runs_a_first_interview(generated: Path, live_server: Server) -> None:
    m = client_modules(generated)
    models, api = m["models"], m
    Client, AuthenticatedClient = m["client"].Client, m["client"].AuthenticatedClient
    email = f"sdk-{secrets.token_hex(6)}@example.com"

    anonymous = Client(base_url=live_server.base_url, raise_on_unexpected_status=True)
    async with anonymous:
        signup = ok(
            await api["auth_signup"].asyncio_detailed(
                client=anonymous,
                body=models.SignupRequest(email=email, name="Ada Lovelace", password=PASSWORD),
            ),
            201,
        )
        assert isinstance(signup, models.Signup)
        assert signup.user.email == email
        workspace_id = signup.workspace.id
        token = ok(
            await api["auth_token"].asyncio_detailed(
                client=anonymous,
                body=models.TokenRequest(
                    grant_type=models.TokenRequestGrantType.PASSWORD,
                    username=email,
                    password=PASSWORD,
                ),
            ),
            200,
        )
        assert token.token_type == "bearer"
        assert token.access_token != signup.token.access_token

    client = AuthenticatedClient(
        base_url=live_server.base_url, token=token.access_token, raise_on_unexpected_status=True
    )
    async with client:
        organisation = ok(
            await api["organisations_create"].asyncio_detailed(
                workspace_id,
                client=client,
                body=models.OrganisationCreate(name="Analytical Engines"),
            ),
            201,
        )

        # The smallest body: every field with a default is left out. Sent with an
        # Idempotency-Key, then retried with it: one person, the same answer again.
        def create_person() -> Any:
            return api["people_create"].asyncio_detailed(
                workspace_id,
                client=client,
                body=models.PersonCreate(
                    given_name="Grace", family_name="Hopper", organisation_id=organisation.id
                ),
                idempotency_key=f"smoke-{workspace_id}",
            )

        created = await create_person()
        person = ok(created, 201)
        assert person.relationship_stage == models.RelationshipStage.IDENTIFIED
        assert person.display_name == "Grace Hopper"
        assert created.headers["location"].endswith(f"/people/{person.id}")
        assert "idempotent-replayed" not in created.headers
        retried = await create_person()
        assert ok(retried, 201).id == person.id
        assert retried.headers["idempotent-replayed"] == "true"

        bank = ok(await api["question_banks_get_builtin"].asyncio_detailed(client=client), 200)
        assert isinstance(bank, models.QuestionBankWithQuestions)
        assert bank.builtin
        chosen = [question.id for question in bank.questions[:3]]
        assert len(chosen) == 3

        interview = ok(
            await api["interviews_create"].asyncio_detailed(
                workspace_id,
                client=client,
                body=models.InterviewCreate(person_id=person.id, organisation_id=organisation.id),
            ),
            201,
        )
        assert interview.status == models.InterviewStatus.PLANNED
        agenda = ok(
            await api["agenda_items_from_bank"].asyncio_detailed(
                workspace_id,
                interview.id,
                client=client,
                body=models.AgendaFromBank(question_ids=chosen),
            ),
            201,
        )
        assert [item.question_id for item in agenda.data] == chosen

        scheduled_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        scheduled = ok(
            await api["interviews_schedule"].asyncio_detailed(
                workspace_id,
                interview.id,
                client=client,
                body=models.InterviewSchedule(scheduled_at=scheduled_at, timezone="Europe/London"),
            ),
            200,
        )
        assert scheduled.status == models.InterviewStatus.SCHEDULED
        assert scheduled.scheduled_at == scheduled_at
        completed = ok(
            await api["interviews_complete"].asyncio_detailed(
                workspace_id, interview.id, client=client
            ),
            200,
        )
        assert completed.status == models.InterviewStatus.COMPLETED
        assert isinstance(completed.ended_at, datetime)

        follow_ups = ok(
            await api["follow_ups_list"].asyncio_detailed(
                workspace_id, client=client, interview_id=interview.id
            ),
            200,
        )
        [thank_you] = follow_ups.data
        assert thank_you.kind == models.FollowUpKind.THANK_YOU
        assert thank_you.person_id == person.id
        assert thank_you.status == models.FollowUpStatus.OPEN
        assert thank_you.title == "Thank Grace Hopper for the conversation"
        assert thank_you.due_at == completed.ended_at + timedelta(hours=48)

        # Five people in a fresh workspace, two a page: three pages, each person once.
        made = {person.id}
        for name in ("Alan", "Barbara", "Edsger", "Frances"):
            made.add(
                ok(
                    await api["people_create"].asyncio_detailed(
                        workspace_id, client=client, body=models.PersonCreate(given_name=name)
                    ),
                    201,
                ).id
            )
        seen: list[str] = []
        cursor: Any = m["types"].UNSET
        pages = 0
        while True:
            page = ok(
                await api["people_list"].asyncio_detailed(
                    workspace_id, client=client, limit=2, cursor=cursor
                ),
                200,
            )
            pages += 1
            seen += [p.id for p in page.data]
            if not page.has_more:
                assert page.next_cursor is None
                break
            cursor = page.next_cursor
        assert pages == 3
        assert sorted(seen) == sorted(made)

        # The person as it is now, then a change that makes its ETag stale.
        current = await api["people_get"].asyncio_detailed(workspace_id, person.id, client=client)
        etag = current.headers["etag"]
        ok(
            await api["people_update"].asyncio_detailed(
                workspace_id,
                person.id,
                client=client,
                body=models.PersonUpdate(job_title="Rear admiral"),
                if_match=etag,
            ),
            200,
        )
        stale = ok(
            await api["people_update"].asyncio_detailed(
                workspace_id,
                person.id,
                client=client,
                body=models.PersonUpdate(job_title="Commodore"),
                if_match=etag,
            ),
            412,
        )
        assert isinstance(stale, models.Problem)
        assert stale.code == "precondition_failed"
        assert stale.status == 412

        invalid = ok(
            await api["people_list"].asyncio_detailed(workspace_id, client=client, limit=500),
            422,
        )
        assert isinstance(invalid, models.Problem)
        assert invalid.code == "validation_failed"
        assert [(e.parameter, e.code) for e in invalid.errors] == [("limit", "less_than_equal")]
        kept = ok(
            await api["people_get"].asyncio_detailed(workspace_id, person.id, client=client), 200
        )
        assert kept.job_title == "Rear admiral"

"""Stored documents are never sent stale (issue 19): each carries the version of the
representation that wrote it (`doc_version`, app.core.rows), and a release sends only documents
of its own version, building the other rows from their columns. Shown with two releases on one
database (this suite's app and the previous release, tests/previous_release.py, served by a
process of its own), with documents written around the services, and for every writer of the
three tables: each leaves a current document behind."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, select, update

from app import demo
from app.core.db import Database
from app.documents import TABLES, store_missing
from app.interviews.models import interviews
from app.interviews.service import INTERVIEW_DOCUMENTS
from app.organisations.models import organisations
from app.organisations.service import ORGANISATION_DOCUMENTS
from app.people.models import people
from app.people.representation import PERSON_DOCUMENTS
from app.tables import metadata
from tests.conftest import DATABASE_URL, ROOT, Account
from tests.interviews.factories import base as interviews_base
from tests.interviews.factories import create_interview
from tests.organisations.factories import collection as organisations_collection
from tests.organisations.factories import create_organisation
from tests.outreach.factories import act, create_outreach
from tests.people.factories import collection, create_person, item
from tests.servers import Server

DOCUMENTS = {documents.table.name: documents for documents in TABLES}


async def _row(database: Database, table: Table, row_id: str) -> dict[str, Any]:
    return await database.reader().one(select(*table.c).where(table.c.id == row_id))


async def _not_current(database: Database, workspace_id: str) -> list[tuple[str, str, str]]:
    """The workspace's rows whose stored document is not this code's rendering of its columns
    under this code's version: (table, id, what is wrong)."""
    wrong = []
    for documents in TABLES:
        table = documents.table
        rows = await database.reader().all(
            select(*table.c).where(table.c.workspace_id == workspace_id)
        )
        for row in rows:
            if row["doc_version"] != documents.version:
                wrong.append((table.name, row["id"], f"version {row['doc_version']}"))
            elif row["doc"] != documents.shown.json(row).decode():
                wrong.append((table.name, row["id"], f"document {row['doc']}"))
    return wrong


# --- a rolling deploy: two releases, one database ---------------------------------------------


@pytest.fixture(scope="module")
async def previous(
    database: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """The previous release, serving the suite's database from a process of its own."""
    log = tmp_path_factory.mktemp("previous-release") / "server.log"
    server = Server(DATABASE_URL, log, app="tests.previous_release:app")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30.0) as client:
            yield client
    except BaseException:
        print(f"previous release's log ({log}):\n{server.log()}")
        raise
    finally:
        await server.kill()
        # The deploy is over: its operator stores today's documents in place of the previous
        # release's (tests/conftest.py checks every stored document against today's code).
        await store_missing(database)


async def _shows(
    release: httpx.AsyncClient, owner: Account, person_ids: list[str], *, tags: bool
) -> None:
    """Each person in `release`'s list pages (people, interviews with their person) and
    embedded in an interview read exactly as `release` reads them alone, from their columns."""
    page = await release.get(collection(owner), params={"limit": 100}, headers=owner.headers)
    interviews_page = await release.get(
        interviews_base(owner), params={"expand": "person", "limit": 100}, headers=owner.headers
    )
    assert page.status_code == interviews_page.status_code == 200
    for person_id in person_ids:
        single = await release.get(item(owner, person_id), headers=owner.headers)
        assert single.status_code == 200, single.text
        assert (b'"tags":' in single.content) is tags
        assert single.content in page.content
        assert b'"person":' + single.content in interviews_page.content
    for interview in interviews_page.json()["data"]:
        one = await release.get(
            f"{interviews_base(owner)}/{interview['id']}",
            params={"expand": "person"},
            headers=owner.headers,
        )
        assert one.content in interviews_page.content


async def test_each_release_sends_only_the_documents_it_wrote(
    client: httpx.AsyncClient,
    previous: httpx.AsyncClient,
    owner: Account,
    database: Database,
) -> None:
    today = await create_person(client, owner, given_name="Today", tags=["kept"])
    made = await previous.post(
        collection(owner), json={"given_name": "Before", "tags": ["x"]}, headers=owner.headers
    )
    assert made.status_code == 201, made.text
    before = made.json()
    assert "tags" not in before
    for person in (today, before):
        await create_interview(client, owner, person["id"])
        made = await previous.post(
            interviews_base(owner), json={"person_id": person["id"]}, headers=owner.headers
        )
        assert made.status_code == 201, made.text
    ids = [today["id"], before["id"]]

    # Each release stored its own representation under its own version.
    today_row = await _row(database, people, today["id"])
    before_row = await _row(database, people, before["id"])
    assert today_row["doc_version"] == PERSON_DOCUMENTS.version
    assert before_row["doc_version"] not in (None, PERSON_DOCUMENTS.version)
    assert '"tags":' in today_row["doc"]
    assert '"tags":' not in before_row["doc"]

    await _shows(client, owner, ids, tags=True)
    await _shows(previous, owner, ids, tags=False)

    # Each release rewrites the row the other wrote last: still, each sends only its own.
    for release, person in ((previous, today), (client, before)):
        changed = await release.patch(
            item(owner, person["id"]), json={"job_title": "Rewritten"}, headers=owner.headers
        )
        assert changed.status_code == 200, changed.text
    rewritten = await _row(database, people, today["id"])
    assert rewritten["doc_version"] == before_row["doc_version"]
    assert (await _row(database, people, before["id"]))["doc_version"] == PERSON_DOCUMENTS.version
    await _shows(client, owner, ids, tags=True)
    await _shows(previous, owner, ids, tags=False)


# --- documents written around the services -----------------------------------------------------


async def test_a_document_of_another_version_is_not_sent(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """A document the current code did not write (another release's, one from before versions,
    or one a write around the trigger left stale) is never sent: its row is built from its
    columns."""
    organisation = await create_organisation(client, owner, name="Versioned Ltd")
    person = await create_person(client, owner, organisation_id=organisation["id"])
    interview = await create_interview(client, owner, person["id"], goals="Learn")
    rows = {people: person["id"], organisations: organisation["id"], interviews: interview["id"]}
    # Stale in every way a reader could notice, under another version (or none: before 0011).
    versions = {people: "0123456789abcdef", organisations: None, interviews: "feedfacefeedface"}
    async with database.transaction() as db:
        for table, row_id in rows.items():
            stale = (await db.one(select(table.c.doc).where(table.c.id == row_id)))["doc"]
            stale = stale.replace(row_id, row_id[:4] + "stale")
            await db.execute(
                update(table)
                .where(table.c.id == row_id)
                .values(doc=stale, doc_version=versions[table])
            )
    for table, row_id in rows.items():
        assert "stale" in (await _row(database, table, row_id))["doc"]  # the trigger kept it

    singles = {
        "person": await client.get(item(owner, person["id"]), headers=owner.headers),
        "organisation": await client.get(
            f"{organisations_collection(owner)}/{organisation['id']}", headers=owner.headers
        ),
    }
    pages = [
        await client.get(collection(owner), headers=owner.headers),
        await client.get(interviews_base(owner), headers=owner.headers),
        await client.get(
            interviews_base(owner),
            params={"expand": "person,organisation"},
            headers=owner.headers,
        ),
        await client.get(
            f"{interviews_base(owner)}/{interview['id']}",
            params={"expand": "person,organisation"},
            headers=owner.headers,
        ),
    ]
    assert singles["person"].content in pages[0].content
    single = await client.get(f"{interviews_base(owner)}/{interview['id']}", headers=owner.headers)
    assert single.content in pages[1].content
    for page in pages:
        assert page.status_code == 200, page.text
        assert b"stale" not in page.content
    for name, read in singles.items():
        for page in pages[2:]:
            assert f'"{name}":'.encode() + read.content in page.content


async def test_a_document_cleared_by_hand_takes_its_version_with_it(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    """Readers trust that no row has a version without a document (migration 0011's triggers
    keep it so for writes around the services)."""
    person = await create_person(client, owner, given_name="Cleared")
    async with database.transaction() as db:
        await db.execute(update(people).where(people.c.id == person["id"]).values(doc=None))
    row = await _row(database, people, person["id"])
    assert row["doc"] is None
    assert row["doc_version"] is None
    single = await client.get(item(owner, person["id"]), headers=owner.headers)
    page = await client.get(collection(owner), headers=owner.headers)
    assert single.content in page.content


# --- every writer leaves a current document -----------------------------------------------------

Scenario = Callable[[httpx.AsyncClient, Account, Database], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        SCENARIOS[name] = function
        return function

    return register


async def _post(client: httpx.AsyncClient, owner: Account, path: str, body: Any = None) -> Any:
    response = await client.post(path, json=body or {}, headers=owner.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _stage(database: Database, person_id: str) -> str:
    return str((await _row(database, people, person_id))["relationship_stage"])


@scenario("person created")
async def _create_person(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    await create_person(client, owner, tags=["new"])


@scenario("person changed")
async def _change_person(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    person = await create_person(client, owner)
    changed = await client.patch(
        item(owner, person["id"]), json={"notes": "Changed"}, headers=owner.headers
    )
    assert changed.status_code == 200, changed.text


@scenario("organisation created")
async def _create_organisation(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    await create_organisation(client, owner, name="Created Ltd")


@scenario("organisation changed")
async def _change_organisation(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    organisation = await create_organisation(client, owner, name="Changed Ltd")
    changed = await client.patch(
        f"{organisations_collection(owner)}/{organisation['id']}",
        json={"notes": "Changed", "is_target": True},
        headers=owner.headers,
    )
    assert changed.status_code == 200, changed.text


@scenario("interview created")
async def _create_interview(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    person = await create_person(client, owner)
    await create_interview(client, owner, person["id"])


@scenario("interview changed")
async def _change_interview(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    person = await create_person(client, owner)
    interview = await create_interview(client, owner, person["id"])
    changed = await client.patch(
        f"{interviews_base(owner)}/{interview['id']}",
        json={"goals": "Changed", "reflection": {"next_steps": "Write"}},
        headers=owner.headers,
    )
    assert changed.status_code == 200, changed.text


# Each lifecycle action, from the status it needs (reached through the actions before it).
_ACTIONS = {
    "request": [],
    "schedule": [],
    "reschedule": ["schedule"],
    "complete": ["schedule"],
    "decline": [],
    "cancel": ["schedule"],
    "no-show": ["schedule"],
}


def _lifecycle(action: str) -> Scenario:
    async def run(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
        person = await create_person(client, owner)
        interview = await create_interview(client, owner, person["id"])
        path = f"{interviews_base(owner)}/{interview['id']}"
        for step in [*_ACTIONS[action], action]:
            body = {"scheduled_at": "2026-12-01T09:00:00Z"} if "schedule" in step else {}
            await _post(client, owner, f"{path}/{step}", body)
        if action == "complete":  # the person has been interviewed (app.people.progress)
            assert await _stage(database, person["id"]) == "interviewed"

    return run


for _action in _ACTIONS:
    SCENARIOS[f"interview {_action}"] = _lifecycle(_action)


@scenario("outreach created as sent")
async def _outreach_sent(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    person = await create_person(client, owner)
    await create_outreach(client, owner, person["id"], status="sent")
    assert await _stage(database, person["id"]) == "contacted"


def _outreach(actions: list[str], stage: str) -> Scenario:
    async def run(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
        person = await create_person(client, owner)
        outreach = await create_outreach(client, owner, person["id"])
        for action in actions:
            response = await act(client, owner, outreach["id"], action, {})
            assert response.status_code == 200, response.text
        assert await _stage(database, person["id"]) == stage

    return run


SCENARIOS["outreach sent"] = _outreach(["send"], "contacted")
SCENARIOS["outreach declined"] = _outreach(["send", "decline"], "responded")
# Accepting also creates the interview and requests it.
SCENARIOS["outreach accepted"] = _outreach(["send", "accept"], "responded")


async def _interview_of(client: httpx.AsyncClient, owner: Account) -> str:
    person = await create_person(client, owner, given_name="Interviewee")
    return str((await create_interview(client, owner, person["id"]))["id"])


@scenario("referral of a new contact")
async def _refer_new(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    interview_id = await _interview_of(client, owner)
    path = f"{interviews_base(owner)}/{interview_id}/referrals"
    await _post(client, owner, path, {"referrals": [{"given_name": "Referred"}]})


@scenario("referral of a known person")
async def _refer_known(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    interview_id = await _interview_of(client, owner)
    known = await create_person(client, owner, given_name="Known")
    path = f"{interviews_base(owner)}/{interview_id}/referrals"
    await _post(client, owner, path, {"referrals": [{"person_id": known["id"]}]})
    assert (await _row(database, people, known["id"]))["referred_by_id"] is not None


@scenario("demo loaded")
async def _demo(client: httpx.AsyncClient, owner: Account, database: Database) -> None:
    async with database.transaction() as db:
        await demo.load(db, owner.workspace_id)


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_every_writer_leaves_a_current_document(
    client: httpx.AsyncClient, owner: Account, database: Database, name: str
) -> None:
    await SCENARIOS[name](client, owner, database)
    written = await database.reader().all(
        select(people.c.id).where(people.c.workspace_id == owner.workspace_id)
    )
    assert written or name.startswith("organisation")
    assert await _not_current(database, owner.workspace_id) == []


# Every statement in app/ that inserts into or updates one of the three tables (module:function,
# "<module>" for one built at import), and the scenarios above that run it. A new writer fails
# here until a scenario covers it.
WRITERS = {
    "app.people.service:<module>": {"person created", "referral of a new contact"},
    "app.people.service:update_person": {"person changed"},
    "app.people.progress:advance_person": {
        "outreach created as sent",
        "outreach sent",
        "outreach declined",
        "outreach accepted",
        "interview complete",
    },
    "app.referrals.service:_link_existing": {"referral of a known person"},
    "app.organisations.service:create_organisation": {"organisation created"},
    "app.organisations.service:update_organisation": {"organisation changed"},
    "app.interviews.service:create_interview": {"interview created", "outreach accepted"},
    "app.interviews.service:update_interview": {"interview changed"},
    "app.interviews.service:transition": {f"interview {action}" for action in _ACTIONS},
    "app.demo:load": {"demo loaded"},
    "app.demo:_interview": {"demo loaded"},
}


def _writers() -> set[str]:
    found = set()
    names = {documents.table.name for documents in TABLES}
    for path in sorted((ROOT / "app").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text())
        for node, function in _calls(tree, "<module>"):
            func, args = node.func, node.args
            if (
                isinstance(func, ast.Name)
                and func.id in ("insert", "update")
                and args
                and isinstance(args[0], ast.Name)
                and args[0].id in names
            ):
                found.add(f"{module}:{function}")
    return found


def _calls(node: ast.AST, function: str) -> list[tuple[ast.Call, str]]:
    """Every call under `node`, with the name of the function it is in."""
    calls = []
    for child in ast.iter_child_nodes(node):
        inside = (
            child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
        )
        if isinstance(child, ast.Call):
            calls.append((child, function))
        calls.extend(_calls(child, inside))
    return calls


def test_every_writer_is_covered_by_a_scenario() -> None:
    assert _writers() == set(WRITERS)
    assert set().union(*WRITERS.values()) <= set(SCENARIOS)


def test_every_table_with_documents_is_stored_by_app_documents() -> None:
    with_documents = {name for name, table in metadata.tables.items() if "doc" in table.c}
    assert with_documents == set(DOCUMENTS)
    assert DOCUMENTS == {
        "people": PERSON_DOCUMENTS,
        "organisations": ORGANISATION_DOCUMENTS,
        "interviews": INTERVIEW_DOCUMENTS,
    }

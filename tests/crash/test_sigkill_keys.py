"""Crash safety with idempotency keys: tests/crash/test_sigkill.py's SIGKILL in the middle of a
create load, round after round, with an `Idempotency-Key` of its own on every create and clients
that retry. A create whose answer the kill cut off is sent again, the same request with the same
key, once the server is back (beside the next round's load, and cut off again if the next kill
comes first), until it is answered. Then every create is acknowledged, and kept exactly once
with the id it was acknowledged with: a retry of a create that had landed replays its 201 and
adds nothing, a retry of one that had not lands it, and no answer is a 5xx.

Each create's key is kept with it, in its transaction: after the kills there is a key for each
person and a person for each key. The database passes its integrity check.

The server is Rapport's app behind `AnswersLate`, which holds each POST's answer back a few
milliseconds once its transaction has committed, as a busy server or a slow network would:
without it a kill seldom falls between a create's COMMIT and its answer (on SQLite, one cut-off
answer in over two hundred, in three runs of 9-10 kills), the case a retry with a key is for. The
rounds go on past ROUNDS until both cases have come up, a retry that replayed (the kill cut off
the answer of a create that had committed) and one that created (it cut off a create before its
COMMIT), MAX_ROUNDS at most: the test fails if either never came up.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.conftest import bearer, create_api_key, signup
from tests.crash import test_sigkill
from tests.crash.test_sigkill import (
    CLIENTS,
    LOAD_SECONDS,
    Scratch,
    check_creates,
    fetch,
    integrity_problems,
)
from tests.servers import Server, serving

# The crash test's migrated database of the backend under test, a fixture of this module too.
scratch = test_sigkill.scratch

ROUNDS = 3
MAX_ROUNDS = 8
# After the last round: how often a create still unanswered is sent again.
FINAL_ATTEMPTS = 20
RETRY_PAUSE_SECONDS = 0.1
# How long the served app holds a POST's answer back, at most (`answers_late`).
LATE_SECONDS = 0.05
IN_PROGRESS = "idempotency_request_in_progress"


class AnswersLate:
    """Rapport's app (`app.main`, built in the server's process on its first call), holding the
    answer of each POST back a random moment (up to LATE_SECONDS) once the route has answered:
    after its transaction has committed, before the client hears of it, as a busy server or a
    slow network would. A kill then often falls between the two, where a retry must replay."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = create_app()
        if scope["type"] != "http" or scope["method"] != "POST":
            await self._app(scope, receive, send)
            return

        async def late(message: Any) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(random.uniform(0, LATE_SECONDS))
            await send(message)

        await self._app(scope, receive, late)


answers_late = AnswersLate()


@dataclass
class Create:
    """One create, the same request on every attempt, and what each attempt got: `cut off`,
    `201`, `201 replayed` or `409 in progress`."""

    marker: str
    answers: list[str] = field(default_factory=list)
    person_id: str | None = None

    @property
    def key(self) -> str:
        return f"create {self.marker}"

    @property
    def body(self) -> dict[str, Any]:
        return {"given_name": self.marker, "family_name": "Crash", "stay_in_touch_every_days": 30}

    @property
    def retried(self) -> bool:
        return len(self.answers) > 1


@dataclass(repr=False)
class Load:
    """Every create of the test, those whose answer is still owed (to send again), and anything
    unexpected."""

    creates: dict[str, Create] = field(default_factory=dict)
    pending: list[Create] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    killing: bool = False
    rounds: list[str] = field(default_factory=list)
    serial: Iterator[int] = field(default_factory=itertools.count)

    def new(self, number: int) -> Create:
        create = Create(f"crash-keys-{number}-{next(self.serial):06d}")
        self.creates[create.marker] = create
        return create

    def answered(self, kind: str) -> list[Create]:
        """The creates retried whose retry got `kind` (`201` or `201 replayed`) in the end."""
        return [c for c in self.creates.values() if c.retried and c.answers[-1] == kind]

    def answered_both(self) -> bool:
        return bool(self.answered("201 replayed") and self.answered("201"))

    def __repr__(self) -> str:
        answers = [answer for c in self.creates.values() for answer in c.answers]
        cut_off, in_progress = answers.count("cut off"), answers.count("409 in progress")
        return (
            f"{'; '.join(self.rounds)}; {len(self.creates)} creates, {cut_off} answers cut off, "
            f"{in_progress} retries answered 409 in progress, "
            f"retries answered: {len(self.answered('201 replayed'))} replayed, "
            f"{len(self.answered('201'))} created, {len(self.pending)} still owed"
        )


async def send(client: httpx.AsyncClient, path: str, key: str, create: Create, load: Load) -> str:
    """One attempt of `create`: `201` when it was answered so, `again` when it is owed again and
    the server is up (a 409 in progress), `stop` when the server is gone or the answer was
    unexpected. An unanswered create is owed again, but for one never sent that was never sent
    before: it is no create."""
    headers = {**bearer(key), "Idempotency-Key": create.key}
    try:
        response = await client.post(path, json=create.body, headers=headers)
    except httpx.ConnectError:
        # Never sent: the server was gone before the connection was made.
        if create.answers:
            load.pending.append(create)
        else:
            del load.creates[create.marker]
        return "stop"
    except httpx.TransportError as error:
        create.answers.append("cut off")
        load.pending.append(create)
        if not load.killing:
            load.unexpected.append(f"{create.marker}: {error!r} before the kill")
        return "stop"
    replayed = response.headers.get("idempotent-replayed")
    first = not create.answers
    if response.status_code == 201 and replayed in (None, "true") and not (first and replayed):
        create.answers.append("201 replayed" if replayed else "201")
        create.person_id = response.json()["id"]
        return "201"
    if response.status_code == 409 and not first and response.json().get("code") == IN_PROGRESS:
        # A retry while the killed server's transaction still holds the key (PostgreSQL's
        # connection of it not yet ended): sent again after a pause, as a client would.
        create.answers.append("409 in progress")
        load.pending.append(create)
        await asyncio.sleep(RETRY_PAUSE_SECONDS)
        return "again"
    create.answers.append(f"{response.status_code}")
    load.unexpected.append(
        f"{create.marker} (answers before: {create.answers[:-1]}): {response.status_code} "
        f"Idempotent-Replayed {replayed}: {response.text[:300]}"
    )
    return "stop"


async def keyed_load(server: Server, workspace_id: str, key: str, number: int, load: Load) -> None:
    """CLIENTS concurrent creators, each sending the creates still owed an answer first and new
    ones after, until the server is killed a random moment after the round's first answer."""
    load_seconds = random.uniform(*LOAD_SECONDS)
    path = f"/v1/workspaces/{workspace_id}/people"
    owed = len(load.pending)
    answered = asyncio.Event()

    async def creator(client: httpx.AsyncClient) -> None:
        while True:
            create = load.pending.pop(0) if load.pending else load.new(number)
            outcome = await send(client, path, key, create, load)
            if outcome == "201":
                answered.set()
            elif outcome == "stop":
                return

    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as client:
        creators = [asyncio.create_task(creator(client)) for _ in range(CLIENTS)]
        # A creator ends before the first answer only on a failure, which the test reports.
        first_answer = asyncio.create_task(answered.wait())
        await asyncio.wait([first_answer, *creators], return_when=asyncio.FIRST_COMPLETED)
        first_answer.cancel()
        await asyncio.sleep(load_seconds)
        load.killing = True
        await server.kill()
        await asyncio.gather(*creators)
        load.killing = False
    load.rounds.append(f"round {number}: {load_seconds:.2f} s of load, {owed} owed at its start")


async def settle(server: Server, workspace_id: str, key: str, load: Load) -> None:
    """With the server up for good, send every create still owed until it is answered."""
    path = f"/v1/workspaces/{workspace_id}/people"
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as client:
        for _ in range(FINAL_ATTEMPTS):
            if not load.pending:
                return
            owed, load.pending = load.pending, []
            await asyncio.gather(*(send(client, path, key, create, load) for create in owed))


async def test_every_create_retried_with_its_key_after_sigkill_is_kept_once(
    scratch: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server imports this module, so tests/conftest.py, which makes a directory in TMPDIR
    # at each start: the scratch directory's, removed with it.
    monkeypatch.setenv("TMPDIR", str(scratch.directory))
    load = Load()
    log = scratch.directory / "server.log"
    async with serving(scratch.url, log, app=f"{__name__}:answers_late") as server:
        await server.start()
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            owner = await signup(client, name="Crash")
            key = (await create_api_key(client, owner, ["people:read", "people:write"]))["secret"]
        for number in range(1, MAX_ROUNDS + 1):
            if number > 1:
                await server.start()
            await keyed_load(server, owner.workspace_id, key, number, load)
            if (number >= ROUNDS and load.answered_both()) or load.unexpected:
                break
        await server.start()
        await settle(server, owner.workspace_id, key, load)

        summary = str(load)
        assert load.unexpected == [], summary
        assert load.pending == [], summary
        # The kills came mid-load: answers were cut off, and their creates sent again.
        assert any(create.retried for create in load.creates.values()), summary

        # Each create retried is there once, with the id its last attempt was answered with
        # (checked for every create below, and here first, by name, to say which).
        rows = await fetch(scratch, "SELECT given_name, id FROM people")
        retried = {c.marker: c.person_id for c in load.creates.values() if c.retried}
        kept = {m: sorted(i for name, i in rows if name == m) for m in retried}
        assert kept == {m: [person_id] for m, person_id in retried.items()}, summary

        # Every create was acknowledged in the end, and is kept once, whole, with its id.
        acknowledged = {c.marker: c.person_id for c in load.creates.values() if c.person_id}
        assert acknowledged.keys() == load.creates.keys(), summary
        await check_creates(server, scratch, owner.workspace_id, key, acknowledged, set())

        # A key was kept with each create, in its transaction: none without its person, none
        # missing (a retry of a create that had landed without its key would have made two).
        keys = await fetch(scratch, "SELECT key, scope FROM idempotency_keys")
        expected = sorted((c.key, owner.workspace_id) for c in load.creates.values())
        assert sorted(keys) == expected, summary

        assert await integrity_problems(scratch) == []
        # Both cases came up: a kill cut off the answer of a create that had committed (its
        # retry replayed), and one cut off a create before it committed (its retry created it).
        assert load.answered_both(), summary

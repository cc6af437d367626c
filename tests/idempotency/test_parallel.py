"""Idempotency keys under concurrency, against the real server (tests/servers.py) on a database of
its own: twenty identical creates with one `Idempotency-Key`, sent at the same moment over
twenty connections, make one person. Each of them is answered with that person's 201 (the
original once, the others replays of it with `Idempotent-Replayed: true`) or with a 409
`idempotency_request_in_progress` while the original runs, never with a 5xx, and a retry once all
have answered replays the same 201. On PostgreSQL the key's advisory lock turns the overlapping
duplicates away with the 409, and at least one did overlap the original (else the lock was not
put to work); on SQLite the writes queue on BEGIN IMMEDIATE, and the later ones replay.

Twenty creates with twenty keys at the same moment make twenty people: a key holds back only
the requests sent with it, never another key's.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from typing import Any

import httpx

from tests.conftest import assert_problem, bearer, create_api_key, signup
from tests.crash import test_sigkill
from tests.crash.test_sigkill import Scratch
from tests.servers import Server, serving

# The crash tests' migrated database of the backend under test, a fixture of this module too.
scratch = test_sigkill.scratch

PARALLEL = 20
HEADER = "Idempotency-Key"
REPLAYED = "idempotent-replayed"


async def _api_key(server: Server) -> tuple[str, str]:
    """A new user's workspace and an API key of theirs that reads and writes people."""
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        owner = await signup(client, name="Parallel")
        key = await create_api_key(client, owner, ["people:write", "people:read"])
    return owner.workspace_id, str(key["secret"])


async def _at_once(
    server: Server, path: str, requests: list[tuple[dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    """POST each (body, headers) over a client of its own, so a TCP connection of its own: each
    client opens its connection first (a GET of `/readyz`), then all send together."""
    ready = asyncio.Barrier(len(requests))

    async def send(body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30.0) as client:
            assert (await client.get("/readyz")).status_code == 200
            await ready.wait()
            return await client.post(path, json=body, headers=headers)

    return list(await asyncio.gather(*(send(*request) for request in requests)))


async def _listed(server: Server, path: str, key: str) -> list[dict[str, Any]]:
    """Every person the API's list shows, page after page, read with the API key."""
    people: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    async with httpx.AsyncClient(base_url=server.base_url, headers=bearer(key)) as client:
        while True:
            response = await client.get(path, params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            people += page["data"]
            if page["next_cursor"] is None:
                return people
            params["cursor"] = page["next_cursor"]


def _shown(response: httpx.Response) -> tuple[Any, ...]:
    """What a replay must repeat of the original: status, body, Location, ETag, content type."""
    headers = response.headers
    return (
        response.status_code,
        response.content,
        headers.get("location"),
        headers.get("etag"),
        headers.get("content-type"),
    )


async def test_one_key_sent_twenty_times_at_once_creates_one_person(scratch: Scratch) -> None:
    async with serving(scratch.url, scratch.directory / "server.log") as server:
        await server.start()
        workspace_id, key = await _api_key(server)
        path = f"/v1/workspaces/{workspace_id}/people"
        marker = f"parallel-{secrets.token_hex(4)}"
        body = {"given_name": marker, "family_name": "Once", "stay_in_touch_every_days": 30}
        headers = {**bearer(key), HEADER: f"create {marker}"}

        answers = await _at_once(server, path, [(body, headers)] * PARALLEL)

        seen = Counter(
            (answer.status_code, answer.headers.get(REPLAYED)) for answer in answers
        ).most_common()
        other = [(answer.status_code, answer.text) for answer in answers]
        assert all(answer.status_code in (201, 409) for answer in answers), other
        for answer in answers:
            if answer.status_code == 409:
                assert_problem(answer, 409, "idempotency_request_in_progress")
        if scratch.dialect == "postgresql":
            # The duplicates did run while the original held its key: the lock was put to work
            # (on SQLite they queue behind it instead, and replay).
            assert any(answer.status_code == 409 for answer in answers), seen
        created = [answer for answer in answers if answer.status_code == 201]
        originals = [answer for answer in created if REPLAYED not in answer.headers]
        assert len(originals) == 1, seen
        original = originals[0]
        person = original.json()
        assert person["given_name"] == marker
        assert original.headers["location"].endswith(f"{path}/{person['id']}")
        assert original.headers["etag"]
        replays = [answer for answer in created if answer is not original]
        assert [answer.headers[REPLAYED] for answer in replays] == ["true"] * len(replays), seen
        assert [_shown(answer) for answer in replays] == [_shown(original)] * len(replays)

        listed = await _listed(server, path, key)
        assert [(each["id"], each["given_name"]) for each in listed] == [(person["id"], marker)]
        # The one create's transaction was kept whole, and once: one stay-in-touch follow-up.
        follow_ups = await test_sigkill.fetch(
            scratch, "SELECT person_id FROM follow_ups WHERE kind = 'stay_in_touch'"
        )
        assert follow_ups == [(person["id"],)]

        async with httpx.AsyncClient(base_url=server.base_url) as client:
            again = await client.post(path, json=body, headers=headers)
        assert again.headers.get(REPLAYED) == "true", again.text
        assert _shown(again) == _shown(original)
        assert [each["id"] for each in await _listed(server, path, key)] == [person["id"]]


async def test_twenty_keys_sent_at_once_create_twenty_people(scratch: Scratch) -> None:
    async with serving(scratch.url, scratch.directory / "server.log") as server:
        await server.start()
        workspace_id, key = await _api_key(server)
        path = f"/v1/workspaces/{workspace_id}/people"
        run = secrets.token_hex(4)
        requests = [
            ({"given_name": f"parallel-{run}-{n:02d}", "family_name": "Many"}, bearer(key))
            for n in range(PARALLEL)
        ]
        for n, (_, headers) in enumerate(requests):
            headers[HEADER] = f"create {run} {n:02d}"

        answers = await _at_once(server, path, requests)

        seen = [(answer.status_code, answer.text) for answer in answers]
        assert [answer.status_code for answer in answers] == [201] * PARALLEL, seen
        assert [answer.headers.get(REPLAYED) for answer in answers] == [None] * PARALLEL
        names = [answer.json()["given_name"] for answer in answers]
        assert names == [body["given_name"] for body, _ in requests]
        ids = {answer.json()["id"] for answer in answers}
        assert len(ids) == PARALLEL
        listed = await _listed(server, path, key)
        assert sorted((each["id"], each["given_name"]) for each in listed) == sorted(
            (answer.json()["id"], answer.json()["given_name"]) for answer in answers
        )

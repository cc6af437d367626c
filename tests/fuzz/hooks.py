"""schemathesis hooks for tests/fuzz/run.py: the credential of the run, kept working, and the
live state a request needs that no schema can state.

Fuzzing calls every operation, `POST /v1/me/sign-out-everywhere` and key revocation among them,
so the credential the run started with can stop working halfway. Each request gets the current
one; after a 401 it is checked, and made anew (a new login, or a new key with every scope) only
when it really stopped working, so the rest of the run still reaches the API's logic.

Some values are valid only against the server's current state: an `If-Match` must be the
item's current ETag, a `cursor` one the server wrote for that list, an id in a body must name a
record of the workspace (`person_id`, …), a reorder must list exactly the items there are, a
snooze or a key's expiry must lie in the future, and an `Idempotency-Key` must not name an
earlier request (schemathesis draws short keys, which repeat with other bodies: 422
`idempotency_key_reused`, rightly). The document says so in prose; JSON Schema
cannot. `LiveData.fill` gives each generated request those values from the running server
just before it is sent (schemathesis then revalidates the case against the schema, so a
negative case stays negative), and the refusals of stale or unknown values are the test
suite's to check.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import schemathesis

from app.idempotency.http import PATTERN as IDEMPOTENCY_KEY_PATTERN

_VALID_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
BASE_URL = os.environ.get("RAPPORT_FUZZ_URL", "")
IDENTITY = os.environ.get("RAPPORT_FUZZ_AS", "owner")
EMAIL = os.environ.get("RAPPORT_FUZZ_EMAIL", "")
PASSWORD = os.environ.get("RAPPORT_FUZZ_PASSWORD", "")
WORKSPACE_ID = os.environ.get("RAPPORT_FUZZ_WORKSPACE_ID", "")
SCOPES = os.environ.get("RAPPORT_FUZZ_SCOPES", "").split(",")
METRICS_TOKEN = os.environ.get("RAPPORT_FUZZ_METRICS_TOKEN", "")
# One connection pool for the hooks' own requests (a client per request costs more than the
# request); their use is serialised by the locks below.
SESSION = httpx.Client(base_url=BASE_URL, timeout=10)


def log_in(client: httpx.Client) -> str:
    response = client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": EMAIL, "password": PASSWORD},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def new_key(client: httpx.Client) -> str:
    owner = {"Authorization": f"Bearer {log_in(client)}"}
    response = client.post(
        f"/v1/workspaces/{WORKSPACE_ID}/api-keys",
        json={"name": "fuzz", "scopes": SCOPES},
        headers=owner,
    )
    response.raise_for_status()
    return str(response.json()["secret"])


class Credential:
    """The bearer credential in use, checked after a 401 and replaced if it no longer works."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secret: str | None = None
        self._suspect = False
        self.renewals = 0

    def current(self) -> str:
        with self._lock:
            if self._secret is not None and not self._suspect:
                return self._secret
            client = SESSION
            if self._secret is not None and self._suspect:
                self._suspect = False
                probe = "/v1/me" if IDENTITY == "owner" else f"/v1/workspaces/{WORKSPACE_ID}"
                answer = client.get(probe, headers={"Authorization": f"Bearer {self._secret}"})
                if answer.status_code == 401:
                    self._secret = None
            if self._secret is None:
                self._secret = log_in(client) if IDENTITY == "owner" else new_key(client)
                self.renewals += 1
            return self._secret

    def suspect(self) -> None:
        self._suspect = True


CREDENTIAL = Credential()


@schemathesis.auth(refresh_interval=None)
class RapportAuth:
    def get(self, case: Any, ctx: Any) -> str:
        return CREDENTIAL.current()

    def set(self, case: Any, data: str, ctx: Any) -> None:
        # /metrics takes the operator's token (its own scheme in the document), not a user's.
        token = METRICS_TOKEN if case.path == "/metrics" else data
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if response.status_code == 401:
        CREDENTIAL.suspect()


# Body members naming a record of the workspace, by the collection that makes one.
REFERENCES = {
    "person_id": "people",
    "introduced_by_id": "people",
    "referred_by_id": "people",
    "source_person_id": "people",
    "organisation_id": "organisations",
    "interview_id": "interviews",
    "source_interview_id": "interviews",
    "lead_id": "leads",
    "template_id": "templates",
}
# Body members that must lie in the future.
FUTURE = ("until", "expires_at")


def _id_like(value: Any) -> bool:
    # Ids are opaque strings to the document: any string there names a record.
    return isinstance(value, str)


class LiveData:
    """Values of the running server a generated request needs, filled in before it is sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def fill(self, case: Any) -> None:
        secret = CREDENTIAL.current()
        with self._lock:
            client = SESSION
            client.headers["Authorization"] = f"Bearer {secret}"
            if isinstance(case.body, dict):
                body = copy.deepcopy(case.body)
                self._references(client, case, body)
                self._future(body)
                if body != case.body:
                    case.body = body
            if case.headers and "if-match" in case.headers:
                self._if_match(client, case)
            if case.headers:
                self._idempotency_key(case)
            if isinstance(case.query, dict):
                self._ranges(case)
            if isinstance(case.query, dict) and "cursor" in case.query:
                self._cursor(client, case)

    def _new(self, client: httpx.Client, collection: str, person: str | None = None) -> str | None:
        """A record made for this request alone: an existing one could make a cycle (a person
        referred by themselves) or a duplicate that the request then refuses. An interview is
        with `person`, else with a new person."""
        base = f"/v1/workspaces/{WORKSPACE_ID}/{collection}"
        tag = secrets.token_hex(6)
        bodies: dict[str, Any] = {
            "people": {"display_name": f"Fuzz reference {tag}"},
            "organisations": {"name": f"Fuzz reference {tag}"},
            "leads": {"title": f"Fuzz reference {tag}"},
            "templates": {"kind": "cold_email", "name": f"Fuzz {tag}", "body": "Hello."},
        }
        if collection == "interviews":
            person = person or self._new(client, "people")
            if person is None:
                return None
            bodies["interviews"] = {"person_id": person}
        response = client.post(base, json=bodies[collection])
        return str(response.json()["id"]) if response.status_code == 201 else None

    def _item_person(self, client: httpx.Client, case: Any) -> str | None:
        """The person of the item the request acts on (an outreach's, a follow-up's), if any."""
        if "{" not in case.path:
            return None
        item = client.get(self._item_path(case))
        person = item.json().get("person_id") if item.status_code == 200 else None
        return str(person) if person else None

    def _references(self, client: httpx.Client, case: Any, body: dict[str, Any]) -> None:
        for name, collection in REFERENCES.items():
            if _id_like(body.get(name)) and collection != "interviews":
                made = self._new(client, collection)
                if made is not None:
                    body[name] = made
        # An interview named beside a person must be with that person: the body's, else that
        # of the item acted on (an outreach attempt's interview is with its person).
        for name, beside in (
            ("interview_id", "person_id"),
            ("source_interview_id", "source_person_id"),
        ):
            if _id_like(body.get(name)):
                person = body.get(beside) or self._item_person(client, case)
                made = self._new(client, "interviews", person)
                if made is not None:
                    body[name] = made
        # Objects in a list name records too (a referral's existing person, its organisation).
        for name, value in body.items():
            if name not in ("question_ids", "item_ids") and isinstance(value, list):
                for index, inner in enumerate(value):
                    if isinstance(inner, dict):
                        value[index] = dict(inner)
                        self._references(client, case, value[index])
        for name, listing in (("question_ids", self._questions), ("item_ids", self._agenda)):
            sent = body.get(name)
            if isinstance(sent, list):
                order = listing(client, case)
                if order is not None:
                    body[name] = order(sent)

    def _questions(self, client: httpx.Client, case: Any) -> Any:
        """A bank's reorder lists every one of its questions; adding from a bank names
        questions that exist (the built-in bank's)."""
        if case.path.endswith("/questions/reorder"):
            bank = case.formatted_path.removesuffix("/reorder")
            return self._permutation(client, bank, "id")
        if case.path.endswith("/agenda/from-bank"):
            builtin = client.get("/v1/question-banks/builtin")
            if builtin.status_code != 200:
                return None
            ids = [question["id"] for question in builtin.json()["questions"]]
            return lambda sent: [ids[i % len(ids)] for i in range(min(len(sent), len(ids)))]
        return None

    def _agenda(self, client: httpx.Client, case: Any) -> Any:
        if case.path.endswith("/agenda/reorder"):
            return self._permutation(client, case.formatted_path.removesuffix("/reorder"), "id")
        return None

    @staticmethod
    def _permutation(client: httpx.Client, listing: str, key: str) -> Any:
        """Every item of `listing`, in an order drawn from what was generated."""
        response = client.get(listing, params={"limit": 100})
        if response.status_code != 200:
            return None
        ids = [item[key] for item in response.json()["data"]]

        def order(sent: list[Any]) -> list[Any]:
            seed = repr(sent).encode()
            return sorted(ids, key=lambda i: hashlib.sha256(seed + i.encode()).digest())

        return order

    @staticmethod
    def _future(body: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        for name in FUTURE:
            value = body.get(name)
            if not isinstance(value, str):
                continue
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                continue
            if when.tzinfo is not None and when <= now + timedelta(minutes=5):
                body[name] = (now + timedelta(days=30)).isoformat().replace("+00:00", "Z")

    @staticmethod
    def _item_path(case: Any) -> str:
        """The item an operation acts on: its path up to the last path parameter."""
        template = case.path.split("/")
        actual = case.formatted_path.split("/")
        last = max(i for i, part in enumerate(template) if part.startswith("{"))
        return "/".join(actual[: last + 1])

    def _if_match(self, client: httpx.Client, case: Any) -> None:
        current = client.get(self._item_path(case))
        if current.status_code == 200 and "etag" in current.headers:
            headers = case.headers.copy()
            headers["If-Match"] = current.headers["etag"]
            case.headers = headers

    @staticmethod
    def _idempotency_key(case: Any) -> None:
        """A valid key made unique to this request (a malformed one stays as drawn)."""
        for name, value in case.headers.items():
            if name.lower() == "idempotency-key" and _VALID_KEY.fullmatch(str(value)):
                headers = case.headers.copy()
                headers[name] = f"fuzz-{secrets.token_hex(16)}"
                case.headers = headers
                return

    @staticmethod
    def _ranges(case: Any) -> None:
        """`x_after` no later than `x_before`: OpenAPI cannot relate two parameters."""
        query = dict(case.query)
        for name in [n.removesuffix("_after") for n in query if n.endswith("_after")]:
            after, before = query.get(f"{name}_after"), query.get(f"{name}_before")
            if not (isinstance(after, str) and isinstance(before, str)):
                continue
            try:
                reversed_range = datetime.fromisoformat(after) > datetime.fromisoformat(before)
            except (TypeError, ValueError):
                continue
            if reversed_range:
                query[f"{name}_after"], query[f"{name}_before"] = before, after
                case.query = query

    def _cursor(self, client: httpx.Client, case: Any) -> None:
        """A cursor of the same list, sort and filters, from its first page of one."""
        query = {name: value for name, value in case.query.items() if name != "cursor"}
        first = client.get(case.formatted_path, params={**query, "limit": 1})
        if first.status_code != 200:
            return
        cursor = first.json().get("next_cursor")
        query = dict(case.query)
        if cursor:
            query["cursor"] = cursor
        else:
            del query["cursor"]
        case.query = query


LIVE = LiveData()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    LIVE.fill(case)

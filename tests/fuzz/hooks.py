"""schemathesis hooks for tests/fuzz/run.py: the credential of the run, kept working.

Fuzzing calls every operation, `POST /v1/me/sign-out-everywhere` and key revocation among them,
so the credential the run started with can stop working halfway. Each request gets the current
one; after a 401 it is checked, and made anew (a new login, or a new key with every scope) only
when it really stopped working, so the rest of the run still reaches the API's logic.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import httpx
import schemathesis

BASE_URL = os.environ.get("RAPPORT_FUZZ_URL", "")
IDENTITY = os.environ.get("RAPPORT_FUZZ_AS", "owner")
EMAIL = os.environ.get("RAPPORT_FUZZ_EMAIL", "")
PASSWORD = os.environ.get("RAPPORT_FUZZ_PASSWORD", "")
WORKSPACE_ID = os.environ.get("RAPPORT_FUZZ_WORKSPACE_ID", "")
SCOPES = os.environ.get("RAPPORT_FUZZ_SCOPES", "").split(",")


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
        with self._lock, httpx.Client(base_url=BASE_URL, timeout=10) as client:
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
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if response.status_code == 401:
        CREDENTIAL.suspect()

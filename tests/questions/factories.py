"""Factories and readers for the question-bank tests, all through the HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account

BUILTIN_BANK_ID = "qbk_01a212bf48d3776ea20c9845356de626"


def banks_url(account: Account, bank_id: str | None = None) -> str:
    workspace_id = account.extra.get("workspace_id", account.workspace_id)
    base = f"/v1/workspaces/{workspace_id}/question-banks"
    return base if bank_id is None else f"{base}/{bank_id}"


def questions_url(account: Account, bank_id: str, question_id: str | None = None) -> str:
    base = f"{banks_url(account, bank_id)}/questions"
    return base if question_id is None else f"{base}/{question_id}"


async def create_bank(
    client: httpx.AsyncClient, account: Account, name: str = "UX research", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        banks_url(account), json={"name": name, **extra}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_question(
    client: httpx.AsyncClient,
    account: Account,
    bank_id: str,
    text: str,
    category: str = "other",
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        questions_url(account, bank_id),
        json={"text": text, "category": category, **extra},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def bank_with_questions(
    client: httpx.AsyncClient, account: Account, texts: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    bank = await create_bank(client, account)
    added = [await add_question(client, account, bank["id"], text) for text in texts]
    return bank, added


async def all_questions(
    client: httpx.AsyncClient, account: Account, bank_id: str
) -> list[dict[str, Any]]:
    """Every question of the bank in position order, following the cursor (bounded)."""
    found: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "100"}
    for _ in range(20):
        response = await client.get(
            questions_url(account, bank_id), params=params, headers=account.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        found.extend(body["data"])
        if not body["has_more"]:
            return found
        params["cursor"] = body["next_cursor"]
    raise AssertionError("the question list did not end")


async def texts_in_order(client: httpx.AsyncClient, account: Account, bank_id: str) -> list[str]:
    """The bank's question texts in order, checking that positions are exactly 1..n."""
    found = await all_questions(client, account, bank_id)
    assert [q["position"] for q in found] == list(range(1, len(found) + 1)), found
    return [q["text"] for q in found]

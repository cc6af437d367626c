"""`questions_for_agenda`: the questions an interview agenda may be built from."""

from __future__ import annotations

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from app.core.errors import ValidationFailed
from app.questions.service import questions_for_agenda
from tests.conftest import Account, signup
from tests.questions.factories import BUILTIN_BANK_ID, bank_with_questions, questions_url


async def test_own_and_builtin_questions_in_the_order_given(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, mine = await bank_with_questions(client, owner, ["Mine one?", "Mine two?"])
    builtin = (
        await client.get(questions_url(owner, BUILTIN_BANK_ID), headers=owner.headers)
    ).json()["data"]
    wanted = [mine[1]["id"], builtin[2]["id"], mine[0]["id"]]
    rows = await questions_for_agenda(
        database.reader(), workspace_id=owner.workspace_id, question_ids=wanted
    )
    assert rows == [
        {"id": mine[1]["id"], "text": "Mine two?", "category": "other"},
        {"id": builtin[2]["id"], "text": builtin[2]["text"], "category": builtin[2]["category"]},
        {"id": mine[0]["id"], "text": "Mine one?", "category": "other"},
    ]
    assert (
        await questions_for_agenda(
            database.reader(), workspace_id=owner.workspace_id, question_ids=[]
        )
        == []
    )


@pytest.mark.parametrize("kind", ["foreign", "missing", "malformed", "wrong_prefix"])
async def test_invisible_questions_are_refused(
    client: httpx.AsyncClient, owner: Account, database: Database, kind: str
) -> None:
    _, [mine] = await bank_with_questions(client, owner, ["Mine?"])
    stranger = await signup(client, name="Stranger")
    _, [theirs] = await bank_with_questions(client, stranger, ["Theirs?"])
    bad = {
        "foreign": theirs["id"],
        "missing": ids.new_id("qst"),
        "malformed": "qst_?",
        "wrong_prefix": ids.new_id("qbk"),
    }[kind]
    with pytest.raises(ValidationFailed) as raised:
        await questions_for_agenda(
            database.reader(), workspace_id=owner.workspace_id, question_ids=[mine["id"], bad]
        )
    [error] = raised.value.errors or []
    assert error.pointer == "/question_ids"
    assert error.code == "question_not_found"
    assert bad in error.detail

"""The service functions other resources call: `get_organisation` and `ensure_exists`."""

from __future__ import annotations

import httpx
import pytest

from app.core.db import Database
from app.core.errors import NotFound, ValidationFailed
from app.organisations import service
from app.organisations.schemas import Organisation
from tests.conftest import Account, signup
from tests.organisations.factories import create_organisation


async def test_get_organisation_returns_the_response_model(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    created = await create_organisation(client, owner, tags=["a"])
    found = await service.get_organisation(
        database.reader(), workspace_id=owner.workspace_id, organisation_id=created["id"]
    )
    assert isinstance(found, Organisation)
    assert found.model_dump(mode="json") == created


async def test_references_to_organisations_of_this_workspace_pass(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    created = await create_organisation(client, owner)
    await service.ensure_exists(
        database.reader(), workspace_id=owner.workspace_id, organisation_id=created["id"]
    )


@pytest.mark.parametrize("kind", ["missing", "malformed", "wrong_prefix", "foreign"])
async def test_bad_references_are_invalid_input_at_the_callers_pointer(
    client: httpx.AsyncClient, owner: Account, database: Database, kind: str
) -> None:
    other = await signup(client, name="Other")
    foreign = await create_organisation(client, other)
    organisation_id = {
        "missing": "org_" + "0" * 32,
        "malformed": "org_nope",
        "wrong_prefix": "per_" + "0" * 32,
        "foreign": foreign["id"],
    }[kind]
    with pytest.raises(ValidationFailed) as raised:
        await service.ensure_exists(
            database.reader(),
            workspace_id=owner.workspace_id,
            organisation_id=organisation_id,
            pointer="/employer_id",
        )
    assert raised.value.errors is not None
    assert [(e.pointer, e.code) for e in raised.value.errors] == [
        ("/employer_id", "organisation_not_found")
    ]
    with pytest.raises(NotFound):
        await service.get_organisation(
            database.reader(), workspace_id=owner.workspace_id, organisation_id=organisation_id
        )

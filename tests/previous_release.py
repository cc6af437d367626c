"""The previous release, for the rolling deploy of tests/test_document_versions.py: this code as
it was before `Person` showed `tags` (the column was there already, as after a migration that
ran ahead of the new code). Served by a process of its own (`uvicorn tests.previous_release:app`,
tests/servers.py) against the suite's database, beside the suite's app: two releases, one
database, each sending only the stored documents its own representation wrote."""

from __future__ import annotations

from typing import Any

from pydantic import create_model

from app.core.schemas import Resource
from app.people import schemas

# Every field of today's `Person` but `tags`, in the same order.
_FIELDS: dict[str, Any] = {
    name: (field.annotation, field)
    for name, field in schemas.Person.model_fields.items()
    if name != "tags"
}
# Before any module that shows a person is imported, so that every one of them (the people
# service and router, an interview's embedded person) shows this one.
PREVIOUS_PERSON = create_model(
    "Person", __base__=Resource, __doc__=schemas.Person.__doc__, **_FIELDS
)
schemas.Person = PREVIOUS_PERSON  # type: ignore[misc, assignment]

from app.main import create_app  # noqa: E402

app = create_app()

"""A person as the API shows them, and as their row keeps it (`doc`, app.core.rows): a leaf
module, so that every writer of `people` (the service, progress, referrals, the demo) stores
the same document without importing the service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column

from app.core.rows import RowJson
from app.core.stored_documents import StoredDocuments
from app.people.models import people
from app.people.schemas import Person

# Responses are built from rows: a person is exactly the columns `Person` shows.
PERSON_JSON = RowJson(Person)
PERSON_DOCUMENTS = StoredDocuments(people, PERSON_JSON)
PERSON_COLUMNS: list[Column[Any]] = [
    people.c[name] for name in PERSON_JSON.fields if name != "object"
]

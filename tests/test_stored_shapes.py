"""Stored documents (`doc`, app.core.rows) are the JSON of a representation as it was when they
were written. When a representation changes (a field added, renamed or reformatted, or what a
computed field says), documents written before show the old one: the change needs a migration
that clears them (`UPDATE <table> SET doc = NULL`; `python -m app.documents` then stores them
anew). This test notices the change and says so."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel

from app.interviews import service as interviews_service
from app.interviews.schemas import Interview
from app.organisations.schemas import Organisation
from app.people.schemas import Person

# Update a fingerprint only together with a migration that clears that table's `doc`.
STORED = {
    "people": "b1cac813635ec8ae",
    "organisations": "b1d88c86425a057c",
    "interviews": "25269e68332c6cb9",
}


def _fingerprint(model: type[BaseModel], *extra: object) -> str:
    schema = json.dumps(
        [model.model_json_schema(mode="serialization"), *map(repr, extra)], sort_keys=True
    )
    return hashlib.sha256(schema.encode()).hexdigest()[:16]


def test_stored_representations_are_unchanged_or_cleared() -> None:
    current = {
        "people": _fingerprint(Person),
        "organisations": _fingerprint(Organisation),
        # allowed_actions is computed from the status when the interview is written.
        "interviews": _fingerprint(Interview, sorted(interviews_service._ACTIONS.items())),
    }
    changed = {table for table in STORED if STORED[table] != current[table]}
    assert not changed, (
        f"The stored representation of {sorted(changed)} changed: add a migration that sets "
        f"their `doc` to NULL, then set STORED to {current}."
    )

"""Stored documents (`doc`, app.core.rows) are the JSON of a representation as it was when they
were written, under its version (`doc_version`). The version comes from the code: it changes
with anything that changes what a row is written as, and only with that, and every process
running the same code computes the same one. So a representation change needs no migration (a
list sends a document only under the running code's version), and a deploy rebuilds from their
columns only the rows whose representation changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field, create_model
from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from app.core.rows import RowJson
from app.core.stored_documents import StoredDocuments
from app.documents import TABLES
from app.interviews import service as interviews_service
from app.interviews.schemas import Interview
from tests.conftest import ROOT


class Label(StrEnum):
    a = "a"
    b = "b"


class MoreLabels(StrEnum):
    a = "a"
    b = "b"
    c = "c"


class Inner(BaseModel):
    n: int


class InnerAsText(BaseModel):
    n: str


class InnerWithDefault(BaseModel):
    n: int = 0


FIELDS: dict[str, Any] = {
    "id": (str, ...),
    "object": (Literal["shown"], "shown"),
    "at": (datetime, ...),
    "label": (Label | None, ...),
    "inner": (Inner | None, ...),
    "tags": (list[str], ...),
}


def _version(fields: dict[str, Any]) -> str:
    return RowJson(create_model("Shown", **fields)).version


def _renamed(fields: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {new if name == old else name: value for name, value in fields.items()}


CHANGES = {
    "a field added": {**FIELDS, "extra": (str | None, ...)},
    "a field taken away": {k: v for k, v in FIELDS.items() if k != "tags"},
    "a field renamed": _renamed(FIELDS, "tags", "labels"),
    "fields reordered": dict(reversed(FIELDS.items())),
    "a field's type": {**FIELDS, "at": (str, ...)},
    "a field no longer nullable": {**FIELDS, "label": (Label, ...)},
    "an enum's values": {**FIELDS, "label": (MoreLabels | None, ...)},
    "a constant": {**FIELDS, "object": (Literal["other"], "other")},
    "a nested model's field": {**FIELDS, "inner": (InnerAsText | None, ...)},
    "a nested field's default": {**FIELDS, "inner": (InnerWithDefault | None, ...)},
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_to_a_representation_changes_its_version(change: str) -> None:
    assert _version(CHANGES[change]) != _version(FIELDS)


def test_documentation_alone_leaves_the_version() -> None:
    documented = {
        **FIELDS,
        "tags": (list[str], Field(description="What the row is about.", examples=[["a"]])),
    }
    assert _version(documented) == _version(FIELDS)
    assert _version(dict(FIELDS)) == _version(FIELDS)


def test_what_a_computed_field_reads_is_part_of_the_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An interview's `allowed_actions` come from the lifecycle's table, read by its function:
    a change to the table is a change to the representation."""

    def interview_json() -> RowJson:
        return RowJson(
            Interview,
            computed={"allowed_actions": interviews_service._allowed_actions},
            embedded={"person": "person__", "organisation": "organisation__"},
        )

    assert interview_json().version == interviews_service.INTERVIEW_JSON.version
    actions = dict(interviews_service._ACTIONS)
    actions["completed"] = [*actions["completed"], *actions["scheduled"][:1]]
    monkeypatch.setattr(interviews_service, "_ACTIONS", actions)
    assert interview_json().version != interviews_service.INTERVIEW_JSON.version


def _table(*columns: Column[Any]) -> Table:
    return Table(
        "shown",
        MetaData(),
        Column("id", String(36), primary_key=True),
        *columns,
        Column("doc", Text()),
        Column("doc_version", String(16)),
    )


class Named(BaseModel):
    id: str
    name: str | None


def test_a_change_to_a_column_changes_the_tables_version() -> None:
    """What a migration changes, the models change too (`alembic check`): a column added with
    a default or retyped rewrites rows without firing any trigger."""
    shown = RowJson(Named)
    version = StoredDocuments(_table(Column("name", String(100))), shown).version
    assert StoredDocuments(_table(Column("name", String(100))), shown).version == version
    for changed in (
        _table(Column("name", String(50))),
        _table(Column("name", Text())),
        _table(Column("name", String(100), nullable=False)),
        _table(Column("name", String(100)), Column("added", Integer(), server_default="0")),
    ):
        assert StoredDocuments(changed, shown).version != version


# Imports in another order resolve foreign keys' types at other times; another hash seed orders
# sets otherwise.
_PRINT = "from app.documents import TABLES; print({d.table.name: d.version for d in TABLES})"


@pytest.mark.parametrize(
    ("first", "seed"),
    [("app.tables", "1"), ("app.people.representation", "12345")],
)
def test_every_process_computes_the_same_versions(first: str, seed: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {first}; {_PRINT}"],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    there = json.loads(result.stdout.replace("'", '"'))
    assert there == {documents.table.name: documents.version for documents in TABLES}

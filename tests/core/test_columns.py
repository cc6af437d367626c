"""The shared column mixins (app/core/columns.py) add their columns after the table's own, in
the order the tables had before the mixins: a stored-document version hashes a table's columns
in order, and `alembic check` does not compare order."""

from __future__ import annotations

import app.tables  # noqa: F401  (every model mapped)
from app.core.columns import StoredDocumentColumns, Timestamps
from app.core.db import Base, table_of


def test_the_mixins_columns_end_each_table_in_their_order() -> None:
    mixed = 0
    for mapper in Base.registry.mappers:
        model = mapper.class_
        tail = []
        if issubclass(model, Timestamps):
            tail += ["created_at", "updated_at"]
        if issubclass(model, StoredDocumentColumns):
            tail += ["doc", "doc_version"]
        keys = list(table_of(model).c.keys())
        assert keys[len(keys) - len(tail) :] == tail, model.__tablename__
        if "doc" in keys:
            assert issubclass(model, StoredDocumentColumns), model.__tablename__
        mixed += bool(tail)
    assert mixed >= 14

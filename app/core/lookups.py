"""One of a workspace's rows by its public id, the read every item route starts with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, Table, bindparam

from app.core import ids
from app.core.db import Db, Row
from app.core.errors import NotFound
from app.core.etags import require_current


class InWorkspace:
    """One of a workspace's rows by its public id, read with `rows` (a select from `table`): an
    id of another type, or another workspace's row, is `missing` (404) alike. The statements,
    plain and locked, are built once: a read passes only values."""

    def __init__(self, prefix: str, rows: Select[Any], table: Table, missing: str) -> None:
        self.prefix = prefix
        self.missing = missing
        self.stmt = rows.where(
            table.c.workspace_id == bindparam("workspace_id"), table.c.id == bindparam("row_id")
        )
        # Locks its own table's row only (not those of a join).
        self.locked = self.stmt.with_for_update(of=table)

    async def load(self, db: Db, workspace_id: str, row_id: str, *, lock: bool = False) -> Row:
        """The row, locked for the transaction with `lock`."""
        if not ids.is_valid(row_id, self.prefix):
            raise NotFound(self.missing)
        return await db.one(
            self.locked if lock else self.stmt,
            {"workspace_id": workspace_id, "row_id": row_id},
            missing=self.missing,
        )

    async def for_change(
        self,
        db: Db,
        workspace_id: str,
        row_id: str,
        if_match: str | None,
        shown: Callable[[Row], Any],
    ) -> Row:
        """The row a write starts from: locked for the transaction, and current for If-Match
        (when given, it must name the ETag of `shown(row)`, the representation: 412
        otherwise)."""
        row = await self.load(db, workspace_id, row_id, lock=True)
        if if_match is not None:
            require_current(if_match, shown(row))
        return row

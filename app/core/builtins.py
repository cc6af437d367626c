"""Built-in rows: templates and the question bank that ship with Rapport (no workspace, `builtin`
true, read-only), which every workspace sees besides its own. Which rows of such a table a
workspace sees, and the sorts that list the built-in ones first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, case, or_

from app.core.pagination import SortOrder


def visible(table: Table, workspace_id: str, builtin: bool | None = None) -> ColumnElement[bool]:
    """The workspace's own rows and the built-in ones; with `builtin`, only the built-in ones
    (True) or only its own (False)."""
    own = table.c.workspace_id == workspace_id
    shipped = table.c.builtin.is_(True)
    if builtin is None:
        return or_(own, shipped)
    return shipped if builtin else own


def builtin_first(name: str, table: Table, column: ColumnElement[Any]) -> dict[str, SortOrder]:
    """The sort `name` by `column` (then id) and its reverse `-name`, the built-in rows leading
    both: they rank lowest ascending and highest descending, so the keyset stays one tuple. The
    rank, labelled `rank`, is the order's first column: a list's rows must bring it."""
    shipped = table.c.builtin.is_(True)
    lowest = case((shipped, 0), else_=1).label("rank")
    highest = case((shipped, 1), else_=0).label("rank")
    return {
        name: SortOrder(name, (lowest, column, table.c.id)),
        f"-{name}": SortOrder(f"-{name}", (highest, column, table.c.id), descending=True),
    }

"""The indexes of a workspace's records, named once from their columns as the migrations name
them: `ix_<table>_<column>_<column>…`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Index


def workspace_indexes(
    table: str,
    *,
    sorts: Sequence[str] = (),
    filters: Sequence[str] = (),
    more: Sequence[Sequence[str]] = (),
) -> tuple[Index, ...]:
    """The indexes of a workspace's `table`, each on `workspace_id` then: `id` (the default
    order), each keyset sort key then `id`, each filter column, and each of `more`. Each is
    named `ix_<table>_<its columns>`: `ix_people_workspace_id_created_at_id`."""
    keys = [("id",), *((key, "id") for key in sorts), *((column,) for column in filters), *more]
    return tuple(
        Index(f"ix_{table}_workspace_id_{'_'.join(columns)}", "workspace_id", *columns)
        for columns in keys
    )

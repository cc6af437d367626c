"""A new row's generated values, written once: its public id and its two timestamps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core import ids
from app.core.db import utcnow


def new_row(prefix: str, /, *, now: datetime | None = None, **values: Any) -> dict[str, Any]:
    """The values to insert for a new row: a fresh id of type `prefix` (app/core/ids.py),
    `created_at` and `updated_at` both `now` (this instant unless given), then `values`, which
    may set any of them (a column may be called `prefix`: the type is positional only)."""
    at = utcnow() if now is None else now
    return {"id": ids.new_id(prefix), "created_at": at, "updated_at": at, **values}

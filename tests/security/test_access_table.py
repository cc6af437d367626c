"""docs/security.md's table of who may call what is the route table's (issue 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.auth.access_table import access_table, with_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_the_documented_access_table_is_the_route_tables(app: Any) -> None:
    committed = DOC.read_text()
    assert with_table(committed, access_table(app)) == committed, (
        "docs/security.md is stale: run `python -m app.auth.access_table docs/security.md`"
    )


def test_the_table_names_every_operation_once(app: Any) -> None:
    table = access_table(app)
    operations = [
        op["operationId"] for item in app.openapi()["paths"].values() for op in item.values()
    ]
    for operation in operations:
        assert table.count(f"| `{operation}` |") == 1, operation

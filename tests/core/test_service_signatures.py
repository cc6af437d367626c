"""Service functions take the executor handle first and everything else by keyword (issue 19),
so that a call reads as what it passes and two ids of the same type cannot be swapped
unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every module of a family but its HTTP layer, schemas and tables (app/core is not a family).
_NOT_SERVICES = {"router.py", "me_router.py", "schemas.py", "models.py", "__init__.py"}
SERVICES = sorted(
    p for p in ROOT.glob("app/*/*.py") if p.name not in _NOT_SERVICES and p.parent.name != "core"
)


def test_public_service_functions_take_keywords_after_db() -> None:
    positional = []
    for path in SERVICES:
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args.posonlyargs + node.args.args
            if node.name.startswith("_") or not args or args[0].arg != "db":
                continue
            if len(args) > 1 or node.args.vararg:
                positional.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not positional, positional
    assert len(SERVICES) >= 30

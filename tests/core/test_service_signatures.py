"""Service functions take the executor handle first and everything else by keyword (issue 19),
so that a call reads as what it passes and two ids of the same type cannot be swapped
unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    {
        *ROOT.glob("app/*/service.py"),
        *ROOT.glob("app/follow_ups/*.py"),
        ROOT / "app/people/progress.py",
    }
    - {*ROOT.glob("app/*/router.py"), *ROOT.glob("app/*/schemas.py"), *ROOT.glob("app/*/models.py")}
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
    assert len(SERVICES) >= 15

"""The table of who may call what, made from the route table for docs/security.md.

`python -m app.auth.access_table docs/security.md` rewrites the table between its markers; a test
fails when the committed table differs from the routes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.auth.dependencies import USER_ONLY, route_data
from app.auth.scopes import ROLE_SCOPES, Role

BEGIN = "<!-- access table: begin (python -m app.auth.access_table docs/security.md) -->"
END = "<!-- access table: end -->"


def _routes(app: FastAPI) -> list[APIRoute]:
    from app.core.routing import RouteTable

    table = next(r for r in app.router.routes if isinstance(r, RouteTable))
    return [r for r in table.routes if isinstance(r, APIRoute)]


def access_table(app: FastAPI) -> str:
    """One row per operation: the scopes it needs, who may call it, and embed scopes."""
    rows = [
        "| operation | method and path | needs | API keys | owner | editor | viewer |",
        "|---|---|---|---|---|---|---|",
    ]
    for route in _routes(app):
        declared = route_data(route)
        for method in sorted(route.methods or ()):
            if declared is None:
                needs, keys, roles = "no credential", "n/a", ["n/a", "n/a", "n/a"]
            else:
                scopes = [s for s in declared.scopes if s != USER_ONLY]
                fallback = "a user" if USER_ONLY in declared.scopes else "any valid credential"
                needs = ", ".join(f"`{s}`" for s in scopes) or fallback
                if declared.embeds:
                    needs += "; " + ", ".join(
                        f"`expand={name}`: `{scope}`" for name, scope in declared.embeds.items()
                    )
                keys = "no" if USER_ONLY in declared.scopes else "with the scopes"
                in_workspace = "{workspace_id}" in route.path
                roles = [
                    "yes" if not in_workspace or set(scopes) <= ROLE_SCOPES[role] else "no"
                    for role in (Role.owner, Role.editor, Role.viewer)
                ]
            rows.append(
                f"| `{route.operation_id}` | `{method} {route.path}` | {needs} | {keys} | "
                + " | ".join(roles)
                + " |"
            )
    return "\n".join(rows)


def with_table(document: str, table: str) -> str:
    head, begin, rest = document.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError("the document has no access table markers")
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main() -> None:
    from app.main import create_app

    path = Path(sys.argv[1])
    path.write_text(with_table(path.read_text(), access_table(create_app())))


if __name__ == "__main__":
    main()

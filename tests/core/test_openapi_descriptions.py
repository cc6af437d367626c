"""Every operation of the document carries a description: generated SDKs turn it into the
method's doc comment, so it must say more than the one-line summary does."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from app.main import ROUTERS

METHODS = {"get", "post", "patch", "put", "delete"}
# Shorter than this says nothing a summary does not: one real sentence is longer.
MIN_LENGTH = 40


def _undescribed(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The operations (id, why) whose description is missing, too short or a copy of the
    summary (or the summary with a few words added)."""
    wrong = []
    for item in document["paths"].values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            description = (operation.get("description") or "").strip()
            summary = (operation.get("summary") or "").strip().casefold()
            if not description:
                wrong.append((operation["operationId"], "no description"))
            elif len(description) < MIN_LENGTH:
                wrong.append((operation["operationId"], f"{len(description)} characters"))
            elif summary and description.casefold().startswith(summary):
                wrong.append((operation["operationId"], "repeats the summary"))
    return wrong


def test_every_operation_has_a_description_beyond_its_summary(app: Any) -> None:
    document = app.openapi()
    assert _undescribed(document) == []


def test_the_check_covers_every_route(app: Any) -> None:
    documented = {
        operation["operationId"]
        for item in app.openapi()["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }
    routes = {
        r.operation_id
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, APIRoute) and r.include_in_schema
    }
    assert routes, "no routes found: the check would pass vacuously"
    assert routes <= documented


def test_missing_short_and_repeated_descriptions_are_caught() -> None:
    summary = "Get a widget"
    document = {
        "paths": {
            "/a": {
                "get": {"operationId": "a_get", "summary": summary},
                "parameters": [],
            },
            "/b": {"get": {"operationId": "b_get", "summary": summary, "description": "  "}},
            "/c": {"get": {"operationId": "c_get", "summary": summary, "description": "Short."}},
            "/d": {
                "post": {
                    "operationId": "d_post",
                    "summary": summary,
                    "description": "get a widget, and nothing more than that, said again.",
                }
            },
            "/e": {
                "delete": {
                    "operationId": "e_delete",
                    "summary": summary,
                    "description": "Answers the widget with its `ETag`; another's is a 404.",
                }
            },
        }
    }
    assert [op for op, _ in _undescribed(document)] == ["a_get", "b_get", "c_get", "d_post"]

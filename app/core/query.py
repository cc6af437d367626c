"""Unknown query parameters are an error (a typo must not silently widen a list)."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.core.errors import FieldError, ValidationFailed

_known: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A query parameter model: each of its fields is a parameter.
            names |= {f.alias or n for n, f in annotation.model_fields.items()}
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed(route: APIRoute) -> frozenset[str]:
    names = _known.get(id(route))
    if names is None:
        names = _known[id(route)] = frozenset(_query_names(route.dependant))
    return names


async def reject_unknown_query_params(request: Request) -> None:
    if not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = set(request.query_params.keys()) - _allowed(route)
    if unknown:
        allowed = ", ".join(sorted(_allowed(route))) or "none"
        raise ValidationFailed(
            "Unknown query parameter(s).",
            errors=[
                FieldError(
                    parameter=name,
                    detail=f"Not a parameter here (allowed: {allowed}).",
                    code="unknown_parameter",
                )
                for name in sorted(unknown)
            ],
        )

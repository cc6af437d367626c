"""Unknown query parameters are an error (a typo must not silently widen a list)."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel

from app.core.errors import FieldError, ValidationFailed


def query_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A query parameter model: each of its fields is a parameter.
            names |= {f.alias or n for n, f in annotation.model_fields.items()}
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= query_names(sub)
    return names


def reject_unknown(request: Request, allowed: frozenset[str]) -> None:
    unknown = set(request.query_params.keys()) - allowed
    if unknown:
        names = ", ".join(sorted(allowed)) or "none"
        raise ValidationFailed(
            "Unknown query parameter(s).",
            errors=[
                FieldError(
                    parameter=name,
                    detail=f"Not a parameter here (allowed: {names}).",
                    code="unknown_parameter",
                )
                for name in sorted(unknown)
            ],
        )

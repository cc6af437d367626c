"""Query parameters: a model of them validated in one step, and unknown ones refused (a typo
must not silently widen a list)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from app.core.errors import FieldError, ValidationFailed

# A dependency carrying this attribute reads the query parameters as that model; the OpenAPI
# document lists the model's fields as the operation's query parameters (app.core.openapi).
QUERY_MODEL_ATTRIBUTE = "__rapport_query_model__"
M = TypeVar("M", bound=BaseModel)


def query_model(model: type[M]) -> Any:
    """`Annotated[PeopleQuery, query_model(PeopleQuery)]`: the query string validated as one
    Pydantic model in one call. FastAPI's own query models cost about a sixth of a list request
    here (it inspects each field's annotation on every request); errors are the same 422s,
    located at `query.<name>`."""
    return Depends(_parser(model))


def _parser(model: type[M]) -> Callable[[Request], Coroutine[Any, Any, M]]:
    async def parse_query(request: Request) -> M:
        try:
            return model.model_validate(dict(request.query_params))
        except ValidationError as exc:
            raise RequestValidationError(
                [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
            ) from None

    setattr(parse_query, QUERY_MODEL_ATTRIBUTE, model)
    return parse_query


def query_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    model = getattr(dependant.call, QUERY_MODEL_ATTRIBUTE, None)
    if model is not None:
        names |= {f.alias or n for n, f in model.model_fields.items()}
    names |= {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_names(sub)
    return names


def reject_nul(request: Request) -> NoReturn:
    """422 for the parameters whose name or value holds U+0000 (PostgreSQL cannot compare or
    store such text); called only when the raw query string holds one."""
    pairs = request.query_params.multi_items()
    names = sorted({name for name, value in pairs if "\x00" in name or "\x00" in value})
    raise ValidationFailed(
        "Query parameters may not contain the NUL character (U+0000).",
        errors=[
            FieldError(
                # The name itself may hold the NUL: it is shown escaped, never echoed raw.
                parameter=name.replace("\x00", "\\u0000"),
                detail="The value (or name) contains U+0000.",
                code="nul_character",
            )
            for name in names
        ]
        or None,
    )


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

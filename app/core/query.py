"""Query parameters: a model of them validated in one step, and unknown ones refused (a typo
must not silently widen a list)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from types import UnionType
from typing import Any, NoReturn, TypeVar, Union, get_args, get_origin

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from app.core.errors import FieldError, ValidationFailed

# A dependency carrying this attribute reads the query parameters as that model; the OpenAPI
# document lists the model's fields as the operation's query parameters (app.core.openapi).
QUERY_MODEL_ATTRIBUTE = "__rapport_query_model__"
# Marks a query parameter's schema as a comma-separated list (app.core.openapi writes it as
# `style: form, explode: false` and drops the mark).
COMMA_SEPARATED = "x-rapport-comma-separated"
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


def _is_sequence(annotation: Any) -> bool:
    """A list-like type (`list[str]`, `tuple[int, ...]`, either `| None`): a parameter that
    takes each repetition of its name as one more value."""
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (Union, UnionType):
        return any(_is_sequence(member) for member in get_args(annotation))
    return False


def _query_parameters(dependant: Dependant) -> Iterator[tuple[str, Any]]:
    """Each query parameter a route reads, by name with its annotation: those of its query
    models and its own, through its dependencies."""
    model = getattr(dependant.call, QUERY_MODEL_ATTRIBUTE, None)
    if model is not None:
        for name, field in model.model_fields.items():
            yield field.alias or name, field.annotation
    for param in dependant.query_params:
        yield param.alias, param.field_info.annotation
    for sub in dependant.dependencies:
        yield from _query_parameters(sub)


def query_names(dependant: Dependant) -> set[str]:
    return {name for name, _ in _query_parameters(dependant)}


def repeatable_names(dependant: Dependant) -> set[str]:
    """The query parameters of a route that take several values (list-typed), by name."""
    return {name for name, annotation in _query_parameters(dependant) if _is_sequence(annotation)}


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


def check_query_names(
    request: Request, allowed: frozenset[str], repeatable: frozenset[str] = frozenset()
) -> None:
    """422 for query parameters the route does not take (`unknown_parameter`), then for those
    given more than once where the route takes one value (`repeated_parameter`:
    `?limit=1&limit=50` must not silently mean either)."""
    names = [name for name, _ in request.query_params.multi_items()]
    given = set(names)
    unknown = sorted(given - allowed)
    if unknown:
        listed = ", ".join(sorted(allowed)) or "none"
        raise ValidationFailed(
            "Unknown query parameter(s).",
            errors=[
                FieldError(
                    parameter=name,
                    detail=f"Not a parameter here (allowed: {listed}).",
                    code="unknown_parameter",
                )
                for name in unknown
            ],
        )
    if len(given) == len(names):
        return
    counts = Counter(names)
    repeated = sorted(n for n, count in counts.items() if count > 1 and n not in repeatable)
    if repeated:
        raise ValidationFailed(
            "A query parameter that takes one value was given more than once.",
            errors=[
                FieldError(parameter=name, detail="Give it once.", code="repeated_parameter")
                for name in repeated
            ],
        )


def comma_separated(values: Sequence[str]) -> Callable[[dict[str, Any]], None]:
    """A `json_schema_extra` documenting a string parameter that the service parses as
    comma-separated names: an array of distinct `values`, sent as `name=a,b` (OpenAPI's
    `style: form, explode: false`), so a client's type names the closed set."""

    def schema(found: dict[str, Any]) -> None:
        kept: dict[str, Any] = {k: found[k] for k in ("title", "description") if k in found}
        found.clear()
        found.update(kept, type="array", items={"type": "string", "enum": list(values)})
        found.update(uniqueItems=True, maxItems=len(values), examples=[list(values)])
        found[COMMA_SEPARATED] = True

    return schema

"""Where a JSON body says `integer`, the server takes what JSON Schema calls an integer and
nothing else. Pydantic's lax mode reads `true` and `"1"` as 1, which the document refuses; JSON
Schema counts `1.0` as the integer 1, and so does the server (`JsonInt`). Query strings are
text: their models stay lax, `?limit=1` is 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.core.schemas import InputModel
from tests.conftest import Account

# What lax validation takes for a number: a boolean, a float (integral or not), numeric text.
NOT_INTEGERS: list[Any] = [True, False, 1.5, "1"]


def _subclasses(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in model.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _numeric(annotation: Any) -> bool:
    """Whether the type is a number (`int`, `float`, optional or annotated), a JSON number."""
    if annotation in (int, float):
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _numeric(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_numeric(arg) for arg in get_args(annotation))
    return False


def _numeric_fields(app: Any) -> list[tuple[str, TypeAdapter[Any]]]:
    """(`Model.field`, an adapter validating the field as the model does) for every field of a
    JSON input model typed as a number. `app` imports every model."""
    assert app is not None
    found = []
    for model in set(_subclasses(InputModel)):
        for name, field in model.model_fields.items():
            if _numeric(field.annotation):
                adapter: TypeAdapter[Any] = TypeAdapter(Annotated[field.annotation, field])
                found.append((f"{model.__qualname__}.{name}", adapter))
    return sorted(found, key=lambda pair: pair[0])


def test_every_number_in_a_json_body_is_strict(app: Any) -> None:
    fields = _numeric_fields(app)
    names = {name for name, _ in fields}
    # The integers the document has in request bodies (a new one is checked as it comes).
    assert {
        "OrganisationCreate.target_rank",
        "OrganisationUpdate.target_rank",
        "QuestionCreate.position",
        "QuestionUpdate.position",
        "AgendaItemCreate.position",
        "AgendaItemUpdate.position",
        "InterviewCreate.duration_minutes",
        "InterviewUpdate.duration_minutes",
        "InterviewSchedule.duration_minutes",
        "OutreachAccept.duration_minutes",
        "PersonCreate.stay_in_touch_every_days",
        "PersonUpdate.stay_in_touch_every_days",
        "FitAssessment.score",
        "WorkspaceUpdate.thank_you_due_hours",
        "WorkspaceUpdate.interview_goal",
    } <= names, names
    lax = []
    for name, adapter in fields:
        for value in NOT_INTEGERS:
            # Both ways a body is read: parsed and validated in one pass (the lean handler's
            # fast path), and validated from parsed JSON (FastAPI's, which words the errors).
            for validate in (adapter.validate_python, adapter.validate_json):
                raw = value if validate is adapter.validate_python else json.dumps(value)
                try:
                    validate(raw)
                except ValidationError as error:
                    if "int_type" not in {e["type"] for e in error.errors()}:
                        lax.append((name, value, error.errors()[0]["type"]))
                else:
                    lax.append((name, value, "accepted"))
    assert not lax, lax
    # 1.0 is what JSON Schema calls the integer 1 (every field here takes 1), in both readings.
    for name, adapter in fields:
        for taken in (adapter.validate_python(1.0), adapter.validate_json("1.0")):
            assert taken == 1, name
            assert type(taken) is int, name


@pytest.mark.parametrize("path", ["/organisations", "/question-banks"])
async def test_query_strings_still_take_integers_as_text(
    client: httpx.AsyncClient, owner: Account, path: str
) -> None:
    response = await client.get(
        f"/v1/workspaces/{owner.workspace_id}{path}", params={"limit": "1"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text


async def test_an_integral_number_is_taken_as_the_integer(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """`15.0` is the integer 15 to JSON Schema, so the document allows it: the server takes it
    and answers 15."""
    base = f"/v1/workspaces/{owner.workspace_id}"
    person = await client.post(
        f"{base}/people", json={"display_name": "Ada"}, headers=owner.headers
    )
    interview = await client.post(
        f"{base}/interviews",
        json={"person_id": person.json()["id"], "duration_minutes": 15.0},
        headers=owner.headers,
    )
    assert interview.status_code == 201, interview.text
    assert interview.json()["duration_minutes"] == 15
    assert "15.0" not in interview.text

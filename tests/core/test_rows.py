"""Representations built from rows (app.core.rows) are byte for byte what Pydantic writes for the
same data: ETags must not depend on which path built a body."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

import httpx
import orjson
import pytest
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    computed_field,
    field_serializer,
    model_serializer,
)
from pydantic.alias_generators import to_camel

from app.core.etags import representation
from app.core.rows import RowJson
from app.interviews.schemas import AgendaItem, InterviewList
from app.people.schemas import Person
from tests.conftest import Account, bearer
from tests.people.factories import collection, item


class Inner(BaseModel):
    label: str | None
    n: int


class Outer(BaseModel):
    id: str
    object: Literal["outer"] = "outer"
    at: datetime
    maybe_at: datetime | None
    one: Inner | None
    many: list[Inner]
    tags: list[str]
    score: float | None
    flag: bool


TEXTS = [
    "plain",
    "Zoë Ångström – 山田太郎 🚀",
    'quotes " and \\ backslash',
    "</script><b>&amp;</b>",
    "line\nbreak\ttab\r\x01\x1f control",
    "\u2028\u2029 separators",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_row_bytes_equal_pydantic_bytes(text: str) -> None:
    rows: list[dict[str, Any]] = [
        {
            # Keys in another order than the model's, as a JSONB column returns them.
            "many": [{"n": 2, "label": text}, {"n": -3, "label": None}],
            "flag": True,
            "id": text,
            "at": datetime(2026, 11, 25, 14, 0, 0, tzinfo=UTC),
            "maybe_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            "one": {"n": 10**15, "label": text},
            "tags": [text, "b"],
            "score": 0.1,
            "extra_column": "ignored",
        },
        {
            "id": "x",
            "at": datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
            "maybe_at": None,
            "one": None,
            "many": [],
            "tags": [],
            "score": None,
            "flag": False,
        },
    ]
    shape = RowJson(Outer)
    for row in rows:
        assert shape.json(row) == representation(Outer.model_validate(row))


async def test_person_representation_is_pydantics(
    client: httpx.AsyncClient, owner: Account
) -> None:
    body = {
        "given_name": "Zoë",
        "family_name": "O'Brien – 山田 🚀",
        "emails": [
            {"address": "zoe@example.com", "label": "work"},
            {"address": "z@example.org", "label": None, "primary": True},
        ],
        "phones": [{"number": "+44 113 496 0000", "label": "mobile"}],
        "profile_urls": [{"label": "site", "url": "https://example.com/zoë"}],
        "tags": ["data", "</script>"],
        "notes": 'Line one\nline "two" \\ \t',
        "last_contacted_at": "2026-03-04T05:06:07.891011+02:00",
        "may_use_name_as_referral": True,
    }
    headers = bearer(owner.access_token)
    created = await client.post(collection(owner), json=body, headers=headers)
    assert created.status_code == 201, created.text
    fetched = await client.get(item(owner, created.json()["id"]), headers=headers)
    listed = await client.get(collection(owner), params={"limit": 100}, headers=headers)
    for content in (created.content, fetched.content):
        assert content == representation(Person.model_validate(orjson.loads(content)))
    (in_list,) = [p for p in listed.json()["data"] if p["id"] == created.json()["id"]]
    assert in_list == fetched.json()
    assert fetched.json()["emails"][1]["primary"] is True
    assert fetched.json()["last_contacted_at"] == "2026-03-04T03:06:07.891011Z"


async def test_interview_page_representation_is_pydantics(
    client: httpx.AsyncClient, owner: Account
) -> None:
    headers = bearer(owner.access_token)
    workspace = f"/v1/workspaces/{owner.workspace_id}"
    organisation = await client.post(
        f"{workspace}/organisations", json={"name": "Zoë & Co 🚀"}, headers=headers
    )
    person = await client.post(
        collection(owner),
        json={
            "given_name": "Ada",
            "organisation_id": organisation.json()["id"],
            "emails": [{"address": "ada@example.com", "label": "work"}],
        },
        headers=headers,
    )
    for fields in (
        {},
        {
            "reflection": {"interests": {"score": 4}, "perception_vs_reality": "Less 山田."},
            "would_pursue": "unsure",
            "notes": '"quoted"\n',
        },
    ):
        response = await client.post(
            f"{workspace}/interviews",
            json={"person_id": person.json()["id"], **fields},
            headers=headers,
        )
        assert response.status_code == 201, response.text
    for expand in ("person,organisation", "person", ""):
        page = await client.get(
            f"{workspace}/interviews", params={"expand": expand}, headers=headers
        )
        assert page.status_code == 200, page.text
        parsed = orjson.loads(page.content)
        assert len(parsed["data"]) == 2
        assert page.content == representation(InterviewList.model_validate(parsed))
        if expand:
            assert parsed["data"][0]["person"]["emails"][0]["address"] == "ada@example.com"


# --- what the fast path refuses ---------------------------------------------------------------


class Aliased(BaseModel):
    id: str = Field(alias="ID")


class SerializedAs(BaseModel):
    id: str = Field(serialization_alias="key")


class ReadFrom(BaseModel):
    id: str = Field(validation_alias="key")


class Generated(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel)
    given_name: str


class FieldSerializer(BaseModel):
    id: str

    @field_serializer("id")
    def _upper(self, value: str) -> str:
        return value.upper()


class ModelSerializer(BaseModel):
    id: str

    @model_serializer
    def _whole(self) -> dict[str, Any]:
        return {"ID": self.id}


class AnnotatedSerializer(BaseModel):
    tags: list[Annotated[str, PlainSerializer(str.upper)]]


class Computed(BaseModel):
    id: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def upper(self) -> str:
        return self.id.upper()


class Excluded(BaseModel):
    id: str
    secret: str = Field(exclude=True)


class Extras(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str


class Durations(BaseModel):
    model_config = ConfigDict(ser_json_timedelta="float")
    id: str


class Lasting(BaseModel):
    took: timedelta


class Mapping_(BaseModel):
    inner: dict[str, Inner]


class Either(BaseModel):
    value: int | str


class Wrapper(BaseModel):
    # Found however deep it is nested.
    items: list[Computed] | None


class Root(RootModel[list[str]]):
    pass


REFUSED = [
    (Aliased, "Aliased.id has an alias"),
    (SerializedAs, "SerializedAs.id has an alias"),
    (ReadFrom, "ReadFrom.id has an alias"),
    (Generated, "Generated.given_name has an alias"),
    (FieldSerializer, "FieldSerializer.id has a custom serializer"),
    (ModelSerializer, "ModelSerializer has a custom serializer"),
    (AnnotatedSerializer, "AnnotatedSerializer.tags has a custom serializer"),
    (Computed, "Computed.upper is a computed field"),
    (Excluded, "Excluded.secret is excluded"),
    (Extras, "Extras keeps extra fields"),
    (Durations, "Durations sets ser_json_timedelta='float'"),
    (Lasting, "Lasting.took holds `timedelta` values"),
    (Mapping_, "Mapping_.inner holds `dict` values"),
    (Either, "Either.value holds `union` values"),
    (Wrapper, "Computed.upper is a computed field"),
    (Root, "Root is a root model"),
    (AgendaItem, "AgendaItem.warnings is a computed field"),
]


@pytest.mark.parametrize(("model", "message"), REFUSED, ids=[m.__name__ for m, _ in REFUSED])
def test_a_feature_rows_do_not_reproduce_is_refused(model: type[BaseModel], message: str) -> None:
    with pytest.raises(
        TypeError, match=re.escape(f"RowJson({model.__name__}): {message}")
    ) as raised:
        RowJson(model)
    assert "does not reproduce" in str(raised.value)


class Colour(StrEnum):
    red = "red"
    blue = "blue"


class EnumValues(BaseModel):
    # Enum members and their values are the same JSON: honoured as it is.
    model_config = ConfigDict(use_enum_values=True)
    colour: Colour
    colours: list[Colour]
    maybe: Colour | None


def test_enum_values_setting_gives_pydantics_bytes() -> None:
    row = {"colour": "red", "colours": ["blue", "red"], "maybe": None}
    assert (
        RowJson(EnumValues).json(row) == EnumValues.model_validate(row).model_dump_json().encode()
    )


def test_the_apps_shapes_pass_the_check() -> None:
    from app.interviews.service import INTERVIEW_JSON
    from app.organisations.service import ORGANISATION_JSON
    from app.people.service import PERSON_JSON

    assert {"emails", "tags"} <= set(PERSON_JSON.fields)
    assert "name" in ORGANISATION_JSON.fields
    assert INTERVIEW_JSON.fields[-2:] == ("person", "organisation")


def test_computed_and_embedded_must_name_fields_of_the_model() -> None:
    with pytest.raises(TypeError, match=re.escape("no fields ['nope']")):
        RowJson(Outer, computed={"nope": len})
    with pytest.raises(TypeError, match=re.escape("embedded fields ['one'] must come last")):
        RowJson(Outer, embedded={"one": "one__"})
    with pytest.raises(TypeError, match=re.escape("Outer.flag: an embedded field holds one model")):
        RowJson(Outer, embedded={"flag": "flag__"})

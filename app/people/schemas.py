"""People as clients send and see them: names, contact points, provenance and relationship."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.core.filters import normalise_tags
from app.core.schemas import (
    Filters,
    InputModel,
    JsonInt,
    ListPage,
    PatchModel,
    Resource,
    UtcDatetime,
    id_filter,
    omittable,
)
from app.core.urls import EmailAddress, HttpUrl, LinkedInUrl, PhoneNumber


class PersonSource(StrEnum):
    """How the seeker came to know of the person: warm introductions or a cold approach."""

    family = "family"
    friend = "friend"
    colleague = "colleague"
    alumni = "alumni"
    professional_association = "professional_association"
    event = "event"
    cold_outreach = "cold_outreach"
    referral = "referral"
    online_network = "online_network"
    other = "other"


class RelationshipStage(StrEnum):
    """How far the relationship has come, from a name on a list to staying in touch."""

    identified = "identified"
    contacted = "contacted"
    responded = "responded"
    interviewed = "interviewed"
    in_touch = "in_touch"
    dormant = "dormant"


MAX_EMAILS = 20
MAX_PHONES = 20
MAX_PROFILE_URLS = 10
MAX_TAGS = 50
MAX_NOTES = 10_000
MAX_STAY_IN_TOUCH_DAYS = 3650

Label = Annotated[
    str | None,
    Field(default=None, min_length=1, max_length=50, examples=["work"]),
]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES)]
# A JSON integer (JsonInt): `true`, `1.5` and `"90"` are refused, `90.0` is 90, as the document's
# `type: integer` says.
Days = Annotated[JsonInt, Field(ge=1, le=MAX_STAY_IN_TOUCH_DAYS, examples=[90])]

PRIMARY_DESCRIPTION = (
    "At most one entry per list is primary; when none is marked, the first one becomes primary."
)


class PersonEmailInput(InputModel):
    address: EmailAddress = Field(max_length=320, examples=["ada@example.com"])
    label: Label
    primary: StrictBool = Field(default=False, description=PRIMARY_DESCRIPTION)


class PersonPhoneInput(InputModel):
    number: PhoneNumber
    label: Label
    primary: StrictBool = Field(default=False, description=PRIMARY_DESCRIPTION)


class ProfileUrlInput(InputModel):
    label: str | None = Field(default=None, min_length=1, max_length=50, examples=["portfolio"])
    url: HttpUrl


class PersonEmail(BaseModel):
    address: str
    label: str | None
    primary: bool


class PersonPhone(BaseModel):
    number: str
    label: str | None
    primary: bool


class ProfileUrl(BaseModel):
    label: str | None
    url: str


Contact = TypeVar("Contact", PersonEmailInput, PersonPhoneInput)


def with_one_primary(entries: list[Contact]) -> list[Contact]:
    """Refuse two primaries; promote the first entry when none is primary."""
    if sum(e.primary for e in entries) > 1:
        raise PydanticCustomError("multiple_primary", "At most one entry may be primary.")
    if entries and not any(e.primary for e in entries):
        entries[0] = entries[0].model_copy(update={"primary": True})
    return entries


def _tags(value: list[str] | None) -> list[str] | None:
    return None if value is None else normalise_tags(value)


_FIELD_DOCS = {
    "given_name": "First or given name.",
    "family_name": "Last or family name.",
    "display_name": (
        "How the person is shown. Derived as `given_name family_name` when not set; "
        "see the docs for when it follows name changes."
    ),
    "display_name_patch": (
        "How the person is shown. Sent, it is kept as sent, and null derives it again as "
        "`given_name family_name` from the names after the patch; not sent, it follows a change "
        "of the names while it is still the one derived from them. A patch never leaves a person "
        "without a display name: when the names would give none, the person keeps the one they "
        "had (so `null` is never refused)."
    ),
    "emails": f"Up to {MAX_EMAILS} email addresses. " + PRIMARY_DESCRIPTION,
    "phones": f"Up to {MAX_PHONES} phone numbers. " + PRIMARY_DESCRIPTION,
    "profile_urls": f"Up to {MAX_PROFILE_URLS} other profiles: portfolio, site, other networks.",
    "job_title": "Current job title.",
    "organisation_id": "The organisation (`org_…`) the person works at, in this workspace.",
    "location": "City, region or remote.",
    "linkedin_url": "An https URL on linkedin.com.",
    "source": "How the seeker came to know the person.",
    "referred_by_id": "The person (`per_…`) who introduced this one (the referral tree).",
    "relationship_stage": "How far the relationship has come.",
    "tags": "Free labels, trimmed and de-duplicated case-insensitively.",
    "notes": "Free text.",
    "may_use_name_as_referral": (
        "Whether the person allowed the seeker to mention their name when contacting others; "
        "null until asked."
    ),
    "open_to_follow_up": "Whether the person agreed to be contacted again; null until asked.",
    "last_contacted_at": "When the seeker last contacted the person.",
    "stay_in_touch_every_days": (
        "Keep in touch every this many days (1–3650): setting it schedules a `stay_in_touch` "
        "follow-up (unless one is pending), and completing one schedules the next; null for none."
    ),
}


def _one_primary(schema: dict[str, Any]) -> None:
    """The document states `with_one_primary`: no two entries of `emails` or of `phones` are
    marked primary (422 `multiple_primary`)."""
    for name in ("emails", "phones"):
        schema["properties"][name].update(
            contains={"required": ["primary"], "properties": {"primary": {"const": True}}},
            minContains=0,
            maxContains=1,
        )


class _PersonFields(InputModel):
    """The fields create and update share, in their order, as an update takes them: each may be
    left out. `PersonCreate` gives a new person's defaults and the examples."""

    model_config = ConfigDict(json_schema_extra=_one_primary)

    given_name: Name | None = Field(default=None, description=_FIELD_DOCS["given_name"])
    family_name: Name | None = Field(default=None, description=_FIELD_DOCS["family_name"])
    display_name: DisplayName | None = Field(
        default=None, description=_FIELD_DOCS["display_name_patch"]
    )
    emails: list[PersonEmailInput] = omittable(
        max_length=MAX_EMAILS, description=_FIELD_DOCS["emails"] + " Replaces the whole list."
    )
    phones: list[PersonPhoneInput] = omittable(
        max_length=MAX_PHONES, description=_FIELD_DOCS["phones"] + " Replaces the whole list."
    )
    job_title: ShortText | None = Field(default=None, description=_FIELD_DOCS["job_title"])
    organisation_id: str | None = Field(
        default=None, max_length=64, description=_FIELD_DOCS["organisation_id"]
    )
    location: ShortText | None = Field(default=None, description=_FIELD_DOCS["location"])
    linkedin_url: LinkedInUrl | None = Field(default=None, description=_FIELD_DOCS["linkedin_url"])
    profile_urls: list[ProfileUrlInput] = omittable(
        max_length=MAX_PROFILE_URLS,
        description=_FIELD_DOCS["profile_urls"] + " Replaces the whole list.",
    )
    source: PersonSource | None = Field(default=None, description=_FIELD_DOCS["source"])
    referred_by_id: str | None = Field(
        default=None, max_length=64, description=_FIELD_DOCS["referred_by_id"]
    )
    relationship_stage: RelationshipStage = omittable(description=_FIELD_DOCS["relationship_stage"])
    tags: list[Tag] = omittable(
        max_length=MAX_TAGS, description=_FIELD_DOCS["tags"] + " Replaces the whole list."
    )
    notes: Notes | None = Field(default=None, description=_FIELD_DOCS["notes"])
    may_use_name_as_referral: StrictBool | None = Field(
        default=None, description=_FIELD_DOCS["may_use_name_as_referral"]
    )
    open_to_follow_up: StrictBool | None = Field(
        default=None, description=_FIELD_DOCS["open_to_follow_up"]
    )
    last_contacted_at: UtcDatetime | None = Field(
        default=None, description=_FIELD_DOCS["last_contacted_at"]
    )
    stay_in_touch_every_days: Days | None = Field(
        default=None, description=_FIELD_DOCS["stay_in_touch_every_days"]
    )

    _one_primary = field_validator("emails", "phones")(with_one_primary)
    _normalised_tags = field_validator("tags")(_tags)


NAME_FIELDS = ("given_name", "family_name", "display_name")


def _name_required(schema: dict[str, Any]) -> None:
    """A new person's one rule between fields, stated on the object for clients and fuzzers:
    `given_name`, `family_name` and `display_name` all absent or null is refused (422
    `name_required`, `service.create_person`); each one sent is non-empty (`minLength`)."""
    _one_primary(schema)
    schema["not"] = {"properties": {field: {"type": "null"} for field in NAME_FIELDS}}


class PersonCreate(_PersonFields):
    """At least one of `given_name`, `family_name` and `display_name` is required (not
    null)."""

    model_config = ConfigDict(json_schema_extra=_name_required)

    # What a new person takes that a patch does not: the defaults, and the examples.
    given_name: Name | None = Field(
        default=None, description=_FIELD_DOCS["given_name"], examples=["Ada"]
    )
    family_name: Name | None = Field(
        default=None, description=_FIELD_DOCS["family_name"], examples=["Lovelace"]
    )
    display_name: DisplayName | None = Field(
        default=None, description=_FIELD_DOCS["display_name"], examples=["Ada Lovelace"]
    )
    emails: list[PersonEmailInput] = Field(
        default_factory=list, max_length=MAX_EMAILS, description=_FIELD_DOCS["emails"]
    )
    phones: list[PersonPhoneInput] = Field(
        default_factory=list, max_length=MAX_PHONES, description=_FIELD_DOCS["phones"]
    )
    job_title: ShortText | None = Field(
        default=None, description=_FIELD_DOCS["job_title"], examples=["Data engineer"]
    )
    location: ShortText | None = Field(
        default=None, description=_FIELD_DOCS["location"], examples=["Leeds, UK"]
    )
    profile_urls: list[ProfileUrlInput] = Field(
        default_factory=list,
        max_length=MAX_PROFILE_URLS,
        description=_FIELD_DOCS["profile_urls"],
    )
    relationship_stage: RelationshipStage = Field(
        default=RelationshipStage.identified, description=_FIELD_DOCS["relationship_stage"]
    )
    tags: list[Tag] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description=_FIELD_DOCS["tags"],
        examples=[["data", "warm"]],
    )


class PersonUpdate(_PersonFields, PatchModel):
    """JSON Merge Patch: absent fields stay; `null` clears a nullable field. Setting
    `display_name` to null derives it again from the names; when they give none, the person
    keeps the display name they had."""


class Person(Resource):
    object: Literal["person"] = "person"
    workspace_id: str
    given_name: str | None = Field(description=_FIELD_DOCS["given_name"])
    family_name: str | None = Field(description=_FIELD_DOCS["family_name"])
    display_name: str = Field(description=_FIELD_DOCS["display_name"])
    emails: list[PersonEmail] = Field(description=_FIELD_DOCS["emails"])
    phones: list[PersonPhone] = Field(description=_FIELD_DOCS["phones"])
    job_title: str | None = Field(description=_FIELD_DOCS["job_title"])
    organisation_id: str | None = Field(description=_FIELD_DOCS["organisation_id"])
    location: str | None = Field(description=_FIELD_DOCS["location"])
    linkedin_url: str | None = Field(description=_FIELD_DOCS["linkedin_url"])
    profile_urls: list[ProfileUrl] = Field(description=_FIELD_DOCS["profile_urls"])
    source: PersonSource | None = Field(description=_FIELD_DOCS["source"])
    referred_by_id: str | None = Field(description=_FIELD_DOCS["referred_by_id"])
    relationship_stage: RelationshipStage = Field(description=_FIELD_DOCS["relationship_stage"])
    tags: list[str] = Field(description=_FIELD_DOCS["tags"])
    notes: str | None = Field(description=_FIELD_DOCS["notes"])
    may_use_name_as_referral: bool | None = Field(
        description=_FIELD_DOCS["may_use_name_as_referral"]
    )
    open_to_follow_up: bool | None = Field(description=_FIELD_DOCS["open_to_follow_up"])
    last_contacted_at: datetime | None = Field(description=_FIELD_DOCS["last_contacted_at"])
    stay_in_touch_every_days: int | None = Field(
        description=_FIELD_DOCS["stay_in_touch_every_days"]
    )


class PersonList(ListPage[Person]):
    pass


class PersonFilters(Filters):
    """`GET …/people` filters; None means "any"."""

    relationship_stage: RelationshipStage | None = Field(
        default=None, description="Only people at this stage."
    )
    source: PersonSource | None = Field(default=None, description="Only people from this source.")
    tag: str | None = Field(default=None, max_length=50, description="Only people with this tag.")
    referred_by_id: str | None = id_filter("Only people this person (`per_…`) referred.")
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Text search, ignoring case, in the names, email addresses, job "
        "title and notes.",
    )
    organisation_id: str | None = id_filter("Only people at this organisation (`org_…`).")

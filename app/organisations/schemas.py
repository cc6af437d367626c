"""Organisations as clients see and send them: research notes and the seeker's target list."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    ConfigDict,
    Field,
    StrictBool,
    UrlConstraints,
)

from app.core.filters import normalise_tags
from app.core.schemas import (
    Filters,
    InputModel,
    JsonInt,
    ListPage,
    PatchModel,
    Resource,
    omittable,
)

NAME_MAX = 200
SHORT_TEXT_MAX = 200
# A website as sent (the document's maxLength), and the most its normalised form, which is what
# is stored, can be for ASCII input: percent-encoding makes a character at most 3 and an empty
# path gains a "/" (app/organisations/models.py's column is this wide).
WEBSITE_MAX = 2048
WEBSITE_STORED_MAX = 3 * WEBSITE_MAX + 1
# http or https, any case: what AnyHttpUrl takes, and `format: uri` alone does not say.
WEBSITE_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://"
NOTE_MAX = 10_000
TAG_MAX = 50
TAGS_MAX = 50
RANK_MAX = 1000


class OrganisationSize(StrEnum):
    """Head count, in the bands job boards and professional networks use."""

    micro = "1-10"
    small = "11-50"
    medium = "51-200"
    large = "201-1000"
    very_large = "1001-5000"
    enterprise = "5001+"


Tag = Annotated[str, Field(min_length=1, max_length=TAG_MAX, examples=["fintech"])]
Tags = Annotated[list[Tag], AfterValidator(normalise_tags)]


def _fits(url: AnyHttpUrl) -> AnyHttpUrl:
    # What is stored is the normalised form: from ASCII input it is never longer than
    # WEBSITE_STORED_MAX, but a non-ASCII host can grow more once punycoded (`㍿` is
    # `xn--6oqv20b1zgzxr`).
    if len(str(url)) > WEBSITE_STORED_MAX:
        raise ValueError(
            f"URL should have at most {WEBSITE_STORED_MAX} characters once normalised "
            "(punycode and percent-encoding make non-ASCII characters longer)"
        )
    return url


Website = Annotated[
    AnyHttpUrl,
    UrlConstraints(max_length=WEBSITE_MAX),
    AfterValidator(_fits),
    Field(json_schema_extra={"pattern": WEBSITE_PATTERN}),
]

_DESCRIPTIONS: dict[str, str] = {
    "name": "Unique in the workspace, ignoring case.",
    "website": (
        f"The organisation's site: an `http` or `https` URL of at most {WEBSITE_MAX} characters, "
        "stored normalised (`HTTPS://Acme.io` becomes `https://acme.io/`), which may be longer "
        "than what was sent."
    ),
    "industry": "The industry or career field, e.g. `Renewable energy`.",
    "size": "Head-count band.",
    "location": "Where the organisation (or the office of interest) is.",
    "is_target": "On the seeker's target list (practitioners suggest about ten).",
    "target_rank": (
        f"Position on the target list, 1–{RANK_MAX} (1 = most wanted); only targets are ranked. "
        "Sending a rank puts the organisation on the target list (`is_target` becomes true), "
        "unless the same body says `is_target: false`: that is a 422 `rank_without_target`. "
        "Taking an organisation off the list (`is_target: false`) clears its rank."
    ),
    "why_interested": "Why this organisation interests the seeker.",
    "culture": "Research: culture and values.",
    "strengths": "Research: what the organisation is good at.",
    "recent_news": "Research: recent news.",
    "competitors": "Research: its competitors.",
    "position_in_field": "Research: its position in the field.",
    "notes": "Anything else.",
    "tags": (
        f"Up to {TAGS_MAX} labels of 1–{TAG_MAX} characters; trimmed and de-duplicated "
        "ignoring case, in first-seen order."
    ),
}


def _rank_needs_target(schema: dict[str, Any]) -> None:
    """The rule between two fields, stated on the object for clients and fuzzers: a rank with
    an explicit `is_target: false` is refused (422 `rank_without_target`); a rank without
    `is_target` makes the organisation a target (`service._apply_target_rule`)."""
    schema["not"] = {
        "required": ["is_target", "target_rank"],
        "properties": {"is_target": {"const": False}, "target_rank": {"type": "integer"}},
    }


def _note(**extra: Any) -> Any:
    return Field(default=None, max_length=NOTE_MAX, **extra)


class Organisation(Resource):
    object: Literal["organisation"] = "organisation"
    workspace_id: str
    name: str = Field(description=_DESCRIPTIONS["name"], examples=["Northwind Energy"])
    website: str | None = Field(
        description=_DESCRIPTIONS["website"], examples=["https://northwind.example/"]
    )
    industry: str | None = Field(description=_DESCRIPTIONS["industry"])
    size: OrganisationSize | None = Field(description=_DESCRIPTIONS["size"])
    location: str | None = Field(description=_DESCRIPTIONS["location"])
    is_target: bool = Field(description=_DESCRIPTIONS["is_target"])
    target_rank: int | None = Field(description=_DESCRIPTIONS["target_rank"])
    why_interested: str | None = Field(description=_DESCRIPTIONS["why_interested"])
    culture: str | None = Field(description=_DESCRIPTIONS["culture"])
    strengths: str | None = Field(description=_DESCRIPTIONS["strengths"])
    recent_news: str | None = Field(description=_DESCRIPTIONS["recent_news"])
    competitors: str | None = Field(description=_DESCRIPTIONS["competitors"])
    position_in_field: str | None = Field(description=_DESCRIPTIONS["position_in_field"])
    notes: str | None = Field(description=_DESCRIPTIONS["notes"])
    tags: list[str] = Field(description=_DESCRIPTIONS["tags"])


class _OrganisationFields(InputModel):
    """The fields create and update share, in their order, as an update takes them: each may be
    left out. `OrganisationCreate` requires `name` and gives the defaults and the examples."""

    model_config = ConfigDict(json_schema_extra=_rank_needs_target)

    name: str = omittable(min_length=1, max_length=NAME_MAX, description=_DESCRIPTIONS["name"])
    website: Website | None = Field(default=None, description=_DESCRIPTIONS["website"])
    industry: str | None = Field(
        default=None, max_length=SHORT_TEXT_MAX, description=_DESCRIPTIONS["industry"]
    )
    size: OrganisationSize | None = Field(default=None, description=_DESCRIPTIONS["size"])
    location: str | None = Field(
        default=None, max_length=SHORT_TEXT_MAX, description=_DESCRIPTIONS["location"]
    )
    is_target: StrictBool = omittable(description=_DESCRIPTIONS["is_target"])
    target_rank: JsonInt | None = Field(
        default=None, ge=1, le=RANK_MAX, description=_DESCRIPTIONS["target_rank"]
    )
    why_interested: str | None = _note(description=_DESCRIPTIONS["why_interested"])
    culture: str | None = _note(description=_DESCRIPTIONS["culture"])
    strengths: str | None = _note(description=_DESCRIPTIONS["strengths"])
    recent_news: str | None = _note(description=_DESCRIPTIONS["recent_news"])
    competitors: str | None = _note(description=_DESCRIPTIONS["competitors"])
    position_in_field: str | None = _note(description=_DESCRIPTIONS["position_in_field"])
    notes: str | None = _note(description=_DESCRIPTIONS["notes"])
    tags: Tags = omittable(max_length=TAGS_MAX, description=_DESCRIPTIONS["tags"])


class OrganisationCreate(_OrganisationFields):
    # What a new organisation takes that a patch does not: `name` required, the defaults, and
    # the examples.
    name: str = Field(
        min_length=1,
        max_length=NAME_MAX,
        description=_DESCRIPTIONS["name"],
        examples=["Northwind Energy"],
    )
    website: Website | None = Field(
        default=None, description=_DESCRIPTIONS["website"], examples=["https://northwind.example/"]
    )
    industry: str | None = Field(
        default=None,
        max_length=SHORT_TEXT_MAX,
        description=_DESCRIPTIONS["industry"],
        examples=["Renewable energy"],
    )
    location: str | None = Field(
        default=None,
        max_length=SHORT_TEXT_MAX,
        description=_DESCRIPTIONS["location"],
        examples=["Leeds, UK"],
    )
    is_target: StrictBool = Field(default=False, description=_DESCRIPTIONS["is_target"])
    target_rank: JsonInt | None = Field(
        default=None, ge=1, le=RANK_MAX, description=_DESCRIPTIONS["target_rank"], examples=[1]
    )
    why_interested: str | None = _note(
        description=_DESCRIPTIONS["why_interested"],
        examples=["They build the grid storage I studied in my thesis."],
    )
    tags: Tags = Field(
        default_factory=list,
        max_length=TAGS_MAX,
        description=_DESCRIPTIONS["tags"],
        examples=[["energy", "top-10"]],
    )


class OrganisationUpdate(_OrganisationFields, PatchModel):
    """A JSON Merge Patch: absent fields stay; `null` clears any field but `name` and
    `is_target`. Clearing `is_target` (false) also clears `target_rank`; sending a
    `target_rank` without `is_target` makes the organisation a target."""


class OrganisationList(ListPage[Organisation]):
    pass


class OrganisationFilters(Filters):
    """`GET …/organisations` filters; None means "any"."""

    is_target: bool | None = Field(
        default=None, description="Only organisations on (or off) the target list."
    )
    industry: str | None = Field(
        default=None, max_length=SHORT_TEXT_MAX, description="Only this industry (exact match)."
    )
    tag: str | None = Field(
        default=None, max_length=TAG_MAX, description="Only organisations with this tag."
    )
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Text search, ignoring case, in the name, industry, location, "
        "`why_interested`, research notes and notes.",
    )

"""Referrals as clients send and see them, and the referral tree, path and network views."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.auth.families import shows
from app.core.schemas import InputModel, ListPage, Resource
from app.core.urls import EmailAddress
from app.people.schemas import NAME_FIELDS, DisplayName, Name, RelationshipStage, ShortText

MAX_REFERRALS_PER_REQUEST = 20
MAX_NOTES = 10_000
ID_MAX = 64

# A new contact's names (at least one is needed: a person's, people.schemas.NAME_FIELDS) and
# all its fields (none goes with a `person_id`); a null counts as left out.
NEW_CONTACT_FIELDS = (*NAME_FIELDS, "email", "job_title", "organisation_id")


def _sent(field: str) -> dict[str, Any]:
    """JSON Schema for an object whose `field` is present and not null."""
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}


def _person_or_new_contact(schema: dict[str, Any]) -> None:
    """The item's shape, stated on the object for clients and fuzzers: refused are `person_id`
    with a new contact's field (422 `person_or_new_contact`) and neither `person_id` nor a name
    (422 `name_required`), absent and null alike (`service._check_shape`)."""
    schema["not"] = {
        "anyOf": [
            {**_sent("person_id"), "anyOf": [_sent(field) for field in NEW_CONTACT_FIELDS]},
            {"properties": {field: {"type": "null"} for field in ("person_id", *NAME_FIELDS)}},
        ]
    }


class ReferralCreate(InputModel):
    """One name the interviewee gave: **either** `person_id` (someone already in the workspace)
    **or** the new contact's details (at least one of `given_name`, `family_name`,
    `display_name`), plus whether the seeker may mention the interviewee's name. A null counts
    as left out; both is a 422 `person_or_new_contact`, neither a 422 `name_required`."""

    model_config = ConfigDict(json_schema_extra=_person_or_new_contact)

    person_id: str | None = Field(
        default=None,
        max_length=ID_MAX,
        description="An existing person (`per_…`) of this workspace. Leave out to create one.",
        examples=["per_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"],
    )
    given_name: Name | None = Field(default=None, description="New contact: given name.")
    family_name: Name | None = Field(default=None, description="New contact: family name.")
    display_name: DisplayName | None = Field(
        default=None,
        description="New contact: how they are shown; derived from the names when left out.",
        examples=["Grace Hopper"],
    )
    email: EmailAddress | None = Field(
        default=None,
        max_length=320,
        description="New contact: an email address (stored as their primary one).",
        examples=["grace@example.com"],
    )
    job_title: ShortText | None = Field(default=None, description="New contact: job title.")
    organisation_id: str | None = Field(
        default=None,
        max_length=ID_MAX,
        description="New contact: the organisation (`org_…`) they work at, in this workspace.",
    )
    may_use_referrer_name: StrictBool | None = Field(
        default=None,
        description="The interviewee allowed the seeker to mention their name when reaching "
        "out to this person; null when not asked.",
    )
    notes: str | None = Field(
        default=None,
        max_length=MAX_NOTES,
        description="Why this person, what the interviewee said about them.",
        examples=["Runs the grid analytics team; ask about the graduate scheme."],
    )


class ReferralBatchCreate(InputModel):
    """The names an interviewee gave, recorded together: all of them or none."""

    referrals: list[ReferralCreate] = Field(
        min_length=1,
        max_length=MAX_REFERRALS_PER_REQUEST,
        description=f"1–{MAX_REFERRALS_PER_REQUEST} referrals.",
    )


class Referral(Resource):
    """A name given in an interview: who referred whom there."""

    object: Literal["referral"] = "referral"
    workspace_id: str
    interview_id: str | None = Field(
        description="The interview where the name was given; null once that interview is deleted."
    )
    referrer_id: str = Field(description="The interviewee who gave the name (`per_…`).")
    person_id: str = Field(description="The person referred (`per_…`).")
    may_use_referrer_name: bool | None = Field(
        description="Whether the seeker may mention the referrer's name; null when not asked."
    )
    notes: str | None
    follow_up_id: str | None = Field(
        description="The `contact_referral` follow-up created with the referral; null once it "
        "is deleted."
    )


class ReferralList(ListPage[Referral]):
    pass


@shows("people")
class NetworkPerson(BaseModel):
    """The few fields of a person that a tree or a graph shows."""

    id: str
    display_name: str
    relationship_stage: RelationshipStage
    organisation_id: str | None


class ReferralNode(BaseModel):
    """A person in the referral tree and the people they referred."""

    person: NetworkPerson
    children: list[ReferralNode] = Field(
        description="The people this one referred, oldest first (empty at the requested depth)."
    )


class ReferralTree(BaseModel):
    object: Literal["referral_tree"] = "referral_tree"
    depth: int = Field(description="The depth asked for: levels of referrals below the root.")
    root: ReferralNode = Field(description="The person asked about, with their referrals.")
    truncated: bool = Field(
        description="True when the tree was cut at 500 people: some referrals are left out."
    )


class ReferralPath(BaseModel):
    object: Literal["referral_path"] = "referral_path"
    person_id: str
    people: list[NetworkPerson] = Field(
        description="From the first-degree contact (who has no referrer) down to this person, "
        "who comes last. A person nobody referred is a path of one."
    )
    truncated: bool = Field(
        description="True when the chain is longer than 100 people: `people` then starts at "
        "the 100th ancestor rather than the first-degree contact."
    )


class NetworkEdgeType(StrEnum):
    """`referral`: from the referrer to the person referred. `employment`: from a person to the
    organisation they work at."""

    referral = "referral"
    employment = "employment"


@shows("people")
class NetworkPersonNode(BaseModel):
    type: Literal["person"] = "person"
    id: str
    display_name: str
    relationship_stage: RelationshipStage
    organisation_id: str | None
    degree: int = Field(
        description="Referral edges touching this person: one for their referrer (if any) plus "
        "one per person they referred."
    )


@shows("organisations")
class NetworkOrganisationNode(BaseModel):
    type: Literal["organisation"] = "organisation"
    id: str
    name: str
    is_target: bool
    people_count: int = Field(description="People of the workspace who work there.")


NetworkNode = Annotated[NetworkPersonNode | NetworkOrganisationNode, Field(discriminator="type")]


class NetworkEdge(BaseModel):
    type: NetworkEdgeType
    source: str = Field(description="The referrer (referral) or the person (employment).")
    target: str = Field(description="The person referred (referral) or the organisation.")


class Network(BaseModel):
    """One page of the workspace's network: people (by id), the organisations they work at, and
    the edges that start or end at this page's people."""

    object: Literal["network"] = "network"
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    truncated: bool = Field(description="More people exist: fetch `next_cursor`.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next people; null on the last page."
    )

"""Leads as clients send and see them: an opportunity, where it came from and how far it got."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.core.schemas import (
    Filters,
    InputModel,
    ListPage,
    PatchModel,
    Resource,
    UtcDatetime,
    id_filter,
    omittable,
)
from app.core.urls import HttpUrl

TITLE_MAX = 200
NOTES_MAX = 10_000
ID_MAX = 64


class LeadStatus(StrEnum):
    """How far the opportunity has come, from a mention to an offer (or the end of it)."""

    heard_of = "heard_of"
    introduced = "introduced"
    applied = "applied"
    interviewing = "interviewing"
    offer = "offer"
    closed = "closed"


Title = Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX)]
Notes = Annotated[str, StringConstraints(max_length=NOTES_MAX)]

_DOCS = {
    "organisation_id": "The organisation (`org_…`) with the opening, in this workspace.",
    "title": "The role or opportunity, 1–200 characters.",
    "source_person_id": "Who told the seeker about it (`per_…`), in this workspace.",
    "source_interview_id": "The interview (`int_…`) where it came up, in this workspace.",
    "status": "How far the lead has come.",
    "url": "A posting or page about it: an absolute `http`/`https` URL, at most 2,048.",
    "notes": "Free text, at most 10,000 characters.",
}


class LeadCreate(InputModel):
    organisation_id: str | None = Field(
        default=None, max_length=ID_MAX, description=_DOCS["organisation_id"]
    )
    title: Title = Field(description=_DOCS["title"], examples=["Junior data analyst, grid team"])
    source_person_id: str | None = Field(
        default=None,
        max_length=ID_MAX,
        description=_DOCS["source_person_id"]
        + " When left out and `source_interview_id` is given, it is that interview's person.",
    )
    source_interview_id: str | None = Field(
        default=None, max_length=ID_MAX, description=_DOCS["source_interview_id"]
    )
    status: LeadStatus = Field(default=LeadStatus.heard_of, description=_DOCS["status"])
    url: HttpUrl | None = Field(default=None, description=_DOCS["url"])
    notes: Notes | None = Field(
        default=None,
        description=_DOCS["notes"],
        examples=["Not advertised yet; ask Grace to introduce me to the hiring manager."],
    )
    follow_up_due_at: UtcDatetime | None = Field(
        default=None,
        description="When given, an `act_on_lead` follow-up due then is created with the lead "
        "(in the same transaction). Not stored on the lead.",
    )


class LeadUpdate(PatchModel):
    """JSON Merge Patch: absent fields stay; `null` clears a nullable field (`title` and
    `status` cannot be null)."""

    organisation_id: str | None = Field(
        default=None, max_length=ID_MAX, description=_DOCS["organisation_id"]
    )
    title: Title = omittable(description=_DOCS["title"])
    source_person_id: str | None = Field(
        default=None, max_length=ID_MAX, description=_DOCS["source_person_id"]
    )
    source_interview_id: str | None = Field(
        default=None, max_length=ID_MAX, description=_DOCS["source_interview_id"]
    )
    status: LeadStatus = omittable(description=_DOCS["status"])
    url: HttpUrl | None = Field(default=None, description=_DOCS["url"])
    notes: Notes | None = Field(default=None, description=_DOCS["notes"])


class Lead(Resource):
    object: Literal["lead"] = "lead"
    workspace_id: str
    organisation_id: str | None = Field(description=_DOCS["organisation_id"])
    title: str = Field(description=_DOCS["title"])
    source_person_id: str | None = Field(description=_DOCS["source_person_id"])
    source_interview_id: str | None = Field(description=_DOCS["source_interview_id"])
    status: LeadStatus = Field(description=_DOCS["status"])
    url: str | None = Field(description=_DOCS["url"])
    notes: str | None = Field(description=_DOCS["notes"])


class LeadList(ListPage[Lead]):
    pass


class LeadFilters(Filters):
    """`GET …/leads` filters; None means "any"."""

    status: LeadStatus | None = Field(default=None, description="Only leads at this status.")
    organisation_id: str | None = id_filter("Only leads at this organisation (`org_…`).")
    source_person_id: str | None = id_filter("Only leads this person (`per_…`) was the source of.")

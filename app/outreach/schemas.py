"""Outreach attempts and their actions: what clients send and receive."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field, StrictBool

from app.core.schemas import (
    Filters,
    InputModel,
    ListPage,
    PatchModel,
    Resource,
    TimeZoneName,
    UtcDatetime,
    id_filter,
    not_null,
    omittable,
)
from app.interviews.schemas import Duration, InterviewFormat, MeetingUrl


class OutreachChannel(StrEnum):
    """How the seeker reached out."""

    email = "email"
    phone = "phone"
    linkedin = "linkedin"
    in_person = "in_person"
    introduction = "introduction"
    other = "other"


class OutreachStrategy(StrEnum):
    """`warm`: through someone who knows the person; `cold`: directly."""

    warm = "warm"
    cold = "cold"


class OutreachStatus(StrEnum):
    """Where an attempt stands; changed by the action endpoints."""

    draft = "draft"
    sent = "sent"
    no_response = "no_response"
    accepted = "accepted"
    declined = "declined"


class OutreachInitialStatus(StrEnum):
    """The status an outreach is created with: a `draft`, or already `sent` (a past attempt,
    such as a phone call, recorded afterwards)."""

    draft = "draft"
    sent = "sent"


class OutreachAction(StrEnum):
    """An action on an outreach; `no_response` is the `/no-response` endpoint."""

    send = "send"
    accept = "accept"
    decline = "decline"
    no_response = "no_response"


SUBJECT_MAX = 300
BODY_MAX = 20_000
NOTES_MAX = 10_000

_DOCS = {
    "person_id": "The person (`per_…`) contacted, in this workspace. Cannot change later.",
    "channel": "How: `email`, `phone`, `linkedin`, `in_person`, `introduction`, `other`.",
    "strategy": "`warm` (through someone who knows them) or `cold` (directly).",
    "introduced_by_id": "The mutual contact (`per_…`) who introduced the seeker, for warm "
    "outreach.",
    "template_id": "The template (`tpl_…`, the workspace's or built-in) the message came from.",
    "subject": "The message's subject line.",
    "body": "What was written or said.",
    "notes": "The seeker's own notes.",
    "status": "`draft`, `sent`, `no_response`, `accepted` or `declined`; changed by the actions.",
    "sent_at": "When it was sent (UTC); set by `send`, or on create with status `sent`.",
    "responded_at": "When the person answered (UTC); set by `accept` and `decline`.",
    "interview_id": "The interview (`int_…`) it led to, with the same person.",
    "allowed_actions": "The actions the current status accepts.",
}


class Outreach(Resource):
    object: Literal["outreach"] = "outreach"
    workspace_id: str
    person_id: str = Field(description=_DOCS["person_id"])
    channel: OutreachChannel = Field(description=_DOCS["channel"])
    strategy: OutreachStrategy | None = Field(description=_DOCS["strategy"])
    introduced_by_id: str | None = Field(description=_DOCS["introduced_by_id"])
    template_id: str | None = Field(description=_DOCS["template_id"])
    subject: str | None = Field(description=_DOCS["subject"])
    body: str | None = Field(description=_DOCS["body"])
    status: OutreachStatus = Field(description=_DOCS["status"])
    sent_at: datetime | None = Field(description=_DOCS["sent_at"])
    responded_at: datetime | None = Field(description=_DOCS["responded_at"])
    interview_id: str | None = Field(description=_DOCS["interview_id"])
    notes: str | None = Field(description=_DOCS["notes"])
    allowed_actions: list[OutreachAction] = Field(description=_DOCS["allowed_actions"])


class OutreachList(ListPage[Outreach]):
    pass


class _OutreachFields(InputModel):
    strategy: OutreachStrategy | None = Field(default=None, description=_DOCS["strategy"])
    introduced_by_id: str | None = Field(
        default=None, max_length=64, description=_DOCS["introduced_by_id"]
    )
    template_id: str | None = Field(default=None, max_length=64, description=_DOCS["template_id"])
    subject: str | None = Field(
        default=None,
        max_length=SUBJECT_MAX,
        description=_DOCS["subject"],
        examples=["15 minutes of advice about your work?"],
    )
    body: str | None = Field(default=None, max_length=BODY_MAX, description=_DOCS["body"])
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description=_DOCS["notes"])


def _sent_at_only_when_sent(schema: dict[str, Any]) -> None:
    """The create's rule between fields, stated on the object for clients and fuzzers: a
    `sent_at` with any status but `sent` (a draft, also when `status` is left out and defaults
    to `draft`) is refused (422 `draft_sent_at`, `service.create_outreach`). The other one,
    `introduced_by_id` equal to `person_id` (422 `self_introduction`), JSON Schema cannot say:
    it has no keyword comparing two members' values."""
    # `sent_at` present and not null: its own schema is a date-time string or null (the format
    # keeps app/core/openapi.py from adding its no-U+0000 pattern to this copy).
    schema["not"] = {
        "required": ["sent_at"],
        "properties": {
            "sent_at": {"type": "string", "format": "date-time"},
            "status": {"not": {"const": OutreachInitialStatus.sent.value}},
        },
    }


class OutreachCreate(_OutreachFields):
    """A new attempt: a `draft` (send it later with `POST …/send`) or one already `sent`.
    Only a `sent` one takes a `sent_at` (a draft with one is a 422 `draft_sent_at`)."""

    model_config = ConfigDict(json_schema_extra=_sent_at_only_when_sent)

    person_id: str = Field(max_length=64, description=_DOCS["person_id"])
    channel: OutreachChannel = Field(description=_DOCS["channel"], examples=["email"])
    # The example is `sent`, so that the composed body example, which shows `sent_at`, is one
    # the server takes (docs/api.md, "Outreach").
    status: OutreachInitialStatus = Field(
        default=OutreachInitialStatus.draft,
        description="`draft` (default) or `sent`: record an attempt already made.",
        examples=[OutreachInitialStatus.sent],
    )
    sent_at: UtcDatetime | None = Field(
        default=None,
        description="With status `sent`: when it was sent (default now). Refused for a draft, "
        "which a create without `status` is (422 `draft_sent_at`).",
        examples=["2026-11-20T09:30:00Z"],
    )


class OutreachUpdate(_OutreachFields, PatchModel):
    """JSON Merge Patch. `person_id`, `status`, `sent_at` and `responded_at` change only through
    the actions (sending them is a 422 `extra_forbidden`)."""

    channel: OutreachChannel = omittable(description=_DOCS["channel"])
    interview_id: str | None = Field(default=None, max_length=64, description=_DOCS["interview_id"])

    _not_null = not_null("channel")


class OutreachSend(InputModel):
    sent_at: UtcDatetime | None = Field(
        default=None,
        description="When it was sent (default now).",
        examples=["2026-11-20T09:30:00Z"],
    )


class OutreachResponse(InputModel):
    responded_at: UtcDatetime | None = Field(
        default=None,
        description="When the person answered (default now); not before `sent_at`.",
        examples=["2026-11-21T14:00:00Z"],
    )


# The fields of `OutreachAccept` that go into the interview it creates.
INTERVIEW_FIELDS = (
    "organisation_id",
    "career_field",
    "role_of_interest",
    "format",
    "location",
    "meeting_url",
    "timezone",
    "duration_minutes",
)


def _interview_fields_need_an_interview(schema: dict[str, Any]) -> None:
    """The accept's rule between fields, stated on the object for clients and fuzzers: an
    interview field sent (null too, but for a null `duration_minutes`, which means the default)
    with `create_interview: false` is refused (422 `interview_fields_unused`,
    `service._interview_fields`)."""
    sent: list[dict[str, Any]] = [
        {"required": [field], "properties": {field: {}}}
        for field in INTERVIEW_FIELDS
        if field != "duration_minutes"
    ]
    sent.append(
        {"required": ["duration_minutes"], "properties": {"duration_minutes": {"type": "integer"}}}
    )
    schema["not"] = {
        "required": ["create_interview"],
        "properties": {"create_interview": {"const": False}},
        "anyOf": sent,
    }


class OutreachAccept(OutreachResponse):
    """The person said yes. By default a `requested` interview with them is created in the same
    transaction and linked; the fields below (all optional) go into it, and are refused with
    `create_interview: false` (422 `interview_fields_unused`)."""

    model_config = ConfigDict(json_schema_extra=_interview_fields_need_an_interview)

    create_interview: StrictBool = Field(
        default=True,
        description="Create the `requested` interview (ignored when one is already linked).",
    )
    organisation_id: str | None = Field(
        default=None,
        max_length=64,
        description="The interview's organisation; when omitted, the person's organisation.",
    )
    career_field: str | None = Field(default=None, max_length=200, description="For the interview.")
    role_of_interest: str | None = Field(
        default=None, max_length=200, description="For the interview."
    )
    format: InterviewFormat | None = Field(default=None, description="For the interview.")
    location: str | None = Field(default=None, max_length=200, description="For the interview.")
    meeting_url: MeetingUrl | None = Field(default=None, description="For the interview.")
    timezone: TimeZoneName | None = Field(default=None, description="For the interview.")
    duration_minutes: Duration | None = Field(
        default=None, description="For the interview; 15 when not given."
    )


class OutreachFilters(Filters):
    """`GET …` filters of outreach."""

    person_id: str | None = id_filter("Only to this person (`per_…`).")
    status: OutreachStatus | None = Field(default=None, description="Only this status.")
    channel: OutreachChannel | None = Field(default=None, description="Only this channel.")
    strategy: OutreachStrategy | None = Field(default=None, description="Only this strategy.")
    sent_after: UtcDatetime | None = Field(
        default=None, description="Only sent at or after this instant (an offset is required)."
    )
    sent_before: UtcDatetime | None = Field(
        default=None, description="Only sent before this instant (an offset is required)."
    )

"""Follow-ups as clients send and see them."""

from __future__ import annotations

from datetime import datetime
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

MAX_NOTES = 10_000


class FollowUpKind(StrEnum):
    """What the follow-up is for, in the practice's words."""

    thank_you = "thank_you"
    send_introduction_request = "send_introduction_request"
    contact_referral = "contact_referral"
    share_update = "share_update"
    stay_in_touch = "stay_in_touch"
    act_on_lead = "act_on_lead"
    custom = "custom"


class FollowUpStatus(StrEnum):
    """Where a follow-up stands; changed only by the action endpoints."""

    open = "open"
    done = "done"
    snoozed = "snoozed"
    dismissed = "dismissed"


class FollowUpAction(StrEnum):
    """An action on a follow-up (`POST …/follow-ups/{follow_up_id}/<action>`)."""

    complete = "complete"
    snooze = "snooze"
    dismiss = "dismiss"
    reopen = "reopen"


class FollowUpChannel(StrEnum):
    """How a note or message went out."""

    email = "email"
    letter = "letter"
    phone = "phone"
    linkedin = "linkedin"
    in_person = "in_person"
    other = "other"


# The title a follow-up gets when the client sends none.
DEFAULT_TITLES = {
    FollowUpKind.thank_you: "Send a thank-you note",
    FollowUpKind.send_introduction_request: "Ask for an introduction",
    FollowUpKind.contact_referral: "Contact a referral",
    FollowUpKind.share_update: "Share an update",
    FollowUpKind.stay_in_touch: "Stay in touch",
    FollowUpKind.act_on_lead: "Act on a lead",
    FollowUpKind.custom: "Follow up",
}

Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES)]
ReferenceId = Annotated[str, StringConstraints(max_length=64)]

_DOCS = {
    "kind": "What the follow-up is for.",
    "title": "A short description; defaults to one for the kind (`Send a thank-you note`, …).",
    "notes": f"Free text, at most {MAX_NOTES:,} characters.",
    "due_at": "When it should be done; null for no deadline.",
    "person_id": "The person (`per_…`) it concerns, in this workspace.",
    "interview_id": (
        "The interview (`int_…`) it came from, in this workspace. On create, without "
        "`person_id`, the person is the interviewee."
    ),
    "lead_id": "The lead (`led_…`) it concerns, in this workspace.",
    "status": "Read-only: `open`, `done`, `snoozed` or `dismissed`; changed by the actions.",
    "snoozed_until": "Read-only: when a snoozed follow-up comes back (its `due_at` moved there).",
    "completed_at": "Read-only: when it was done (`complete`).",
    "channel": "Read-only: how the note or message went out, as recorded by `complete`.",
    "on_time": (
        "Read-only: whether it was done by `due_at` (null while not done or without a due time)."
    ),
    "allowed_actions": "Read-only: the actions the current status accepts.",
}


class FollowUpCreate(InputModel):
    kind: FollowUpKind = Field(description=_DOCS["kind"], examples=["share_update"])
    title: Title | None = Field(
        default=None, description=_DOCS["title"], examples=["Send Grace the article on grids"]
    )
    notes: Notes | None = Field(default=None, description=_DOCS["notes"])
    due_at: UtcDatetime | None = Field(
        default=None, description=_DOCS["due_at"], examples=["2026-11-27T17:00:00Z"]
    )
    person_id: ReferenceId | None = Field(default=None, description=_DOCS["person_id"])
    interview_id: ReferenceId | None = Field(default=None, description=_DOCS["interview_id"])
    lead_id: ReferenceId | None = Field(default=None, description=_DOCS["lead_id"])


class FollowUpUpdate(PatchModel):
    """JSON Merge Patch: absent fields stay; `null` clears a nullable field. `status` and the
    completion fields change only through the actions."""

    kind: FollowUpKind = omittable(description=_DOCS["kind"])
    title: Title = omittable(description=_DOCS["title"])
    notes: Notes | None = Field(default=None, description=_DOCS["notes"])
    due_at: UtcDatetime | None = Field(default=None, description=_DOCS["due_at"])
    person_id: ReferenceId | None = Field(default=None, description=_DOCS["person_id"])
    interview_id: ReferenceId | None = Field(default=None, description=_DOCS["interview_id"])
    lead_id: ReferenceId | None = Field(default=None, description=_DOCS["lead_id"])


class FollowUpComplete(InputModel):
    """Mark the follow-up done."""

    completed_at: UtcDatetime | None = Field(
        default=None, description="When it was done; defaults to now."
    )
    channel: FollowUpChannel | None = Field(
        default=None, description="How the note or message went out."
    )
    notes: Notes | None = Field(
        default=None, description="Replaces the follow-up's notes when sent."
    )


class FollowUpSnooze(InputModel):
    """Put the follow-up off until a later time."""

    until: UtcDatetime = Field(
        description="When it comes back; must be in the future. `due_at` moves there.",
        examples=["2036-12-01T09:00:00Z"],
    )


class ThankYouNote(InputModel):
    """Record the thank-you note sent after a completed interview."""

    channel: FollowUpChannel = Field(description="How the note went out.", examples=["email"])
    sent_at: UtcDatetime | None = Field(
        default=None, description="When it was sent; defaults to now."
    )
    note: Notes | None = Field(
        default=None, description="What was written, kept as the follow-up's notes."
    )


class FollowUp(Resource):
    object: Literal["follow_up"] = "follow_up"
    workspace_id: str
    kind: FollowUpKind = Field(description=_DOCS["kind"])
    title: str = Field(description=_DOCS["title"])
    notes: str | None = Field(description=_DOCS["notes"])
    due_at: datetime | None = Field(description=_DOCS["due_at"])
    person_id: str | None = Field(description=_DOCS["person_id"])
    interview_id: str | None = Field(description=_DOCS["interview_id"])
    lead_id: str | None = Field(description=_DOCS["lead_id"])
    status: FollowUpStatus = Field(description=_DOCS["status"])
    snoozed_until: datetime | None = Field(description=_DOCS["snoozed_until"])
    completed_at: datetime | None = Field(description=_DOCS["completed_at"])
    channel: FollowUpChannel | None = Field(description=_DOCS["channel"])
    on_time: bool | None = Field(description=_DOCS["on_time"])
    allowed_actions: list[FollowUpAction] = Field(description=_DOCS["allowed_actions"])


class FollowUpList(ListPage[FollowUp]):
    pass


class FollowUpFilters(Filters):
    """`GET …` filters of follow_ups."""

    status: FollowUpStatus | None = Field(
        default=None,
        description="Only this status (snoozed follow-ups are `snoozed` until reopened).",
    )
    kind: FollowUpKind | None = Field(default=None, description="Only this kind.")
    person_id: str | None = id_filter("Only about this person (`per_…`).")
    interview_id: str | None = id_filter("Only from this interview (`int_…`).")
    due_after: UtcDatetime | None = Field(
        default=None, description="Only due at or after this instant (an offset is required)."
    )
    due_before: UtcDatetime | None = Field(
        default=None, description="Only due before this instant (an offset is required)."
    )

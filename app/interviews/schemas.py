"""Interviews and their agenda items as clients send and see them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, computed_field

from app.auth.families import Embed
from app.core.schemas import (
    Filters,
    InputModel,
    JsonInt,
    ListPage,
    PatchModel,
    Resource,
    TimeZoneName,
    UtcDatetime,
    not_null,
    omittable,
)
from app.core.urls import HttpUrl
from app.interviews.lifecycle import InterviewAction, InterviewStatus
from app.organisations.schemas import Organisation
from app.people.schemas import Person
from app.questions.lint import QuestionWarning, lint_question
from app.questions.schemas import QuestionCategory, QuestionText

DEFAULT_DURATION_MINUTES = 15  # the usual ask: "a coffee break"
MAX_DURATION_MINUTES = 240
MAX_AGENDA_ITEMS = 100
MAX_FROM_BANK = 50


class InterviewFormat(StrEnum):
    """How the interview takes place."""

    in_person = "in_person"
    video = "video"
    phone = "phone"


class WouldPursue(StrEnum):
    """After reflecting: would the seeker pursue this career or role?"""

    yes = "yes"
    no = "no"
    unsure = "unsure"


# The meeting link: an http or https URL, as every web address Rapport takes.
MeetingUrl = HttpUrl
Duration = Annotated[JsonInt, Field(ge=1, le=MAX_DURATION_MINUTES, examples=[15])]

_DOCS = {
    "person_id": "The interviewee (`per_…`), a person in this workspace.",
    "organisation_id": (
        "The organisation (`org_…`) the conversation is about. On create it defaults to the "
        "person's organisation."
    ),
    "career_field": "The occupation or field being researched.",
    "role_of_interest": "The role the seeker is curious about.",
    "format": "In person, video or phone.",
    "location": "Where to meet, for an in-person interview.",
    "meeting_url": "The video link (`http` or `https`).",
    "scheduled_at": "When the interview is agreed to start (UTC); set by `schedule`/`reschedule`.",
    "timezone": "The IANA time zone the interview is arranged in, to show local times.",
    "duration_minutes": "The agreed length, 1–240 minutes; 15 is the usual ask.",
    "started_at": "When it actually started; set by `complete`.",
    "ended_at": "When it actually ended; set by `complete`.",
    "status": "Lifecycle status; read-only, changed by the action endpoints.",
    "allowed_actions": "The actions the current status accepts.",
    "introduction": "The seeker's 15–30 second introduction of themselves.",
    "research_notes": "What the seeker learned about the person and organisation beforehand.",
    "goals": "What the seeker wants to learn from this conversation.",
    "notes": "What was said.",
    "observations": "What the seeker noticed: the workplace, the people, the mood.",
    "reflection": "Afterwards: how the work fits the seeker. Merge-patched field by field.",
    "would_pursue": "Would the seeker pursue this career or role?",
    "business_card_received": "Whether the seeker got contact details to keep.",
    "may_contact_again": "Whether the interviewee agreed to be contacted again.",
}

_SHORT = 200
_INTRODUCTION_MAX = 2000
_NOTES_MAX = 20_000
_TEXT_MAX = 10_000
_REFLECTION_TEXT_MAX = 5000
_COMMENT_MAX = 2000


def _text(max_length: int, field: str, **extra: Any) -> Any:
    return Field(default=None, max_length=max_length, description=_DOCS[field], **extra)


class FitAssessment(InputModel):
    """How well one aspect of the work fits the seeker: a 1–5 score and a comment."""

    score: JsonInt | None = Field(
        default=None, ge=1, le=5, description="1 (poor fit) to 5 (excellent fit).", examples=[4]
    )
    comment: str | None = Field(default=None, max_length=_COMMENT_MAX)


class InterviewReflection(InputModel):
    """The seeker's reflection after the interview (all parts optional)."""

    interests: FitAssessment | None = Field(default=None, description="Fit with interests.")
    values: FitAssessment | None = Field(default=None, description="Fit with values.")
    needs: FitAssessment | None = Field(
        default=None, description="Fit with needs (pay, location, hours, security…)."
    )
    skills: FitAssessment | None = Field(default=None, description="Fit with skills.")
    perception_vs_reality: str | None = Field(
        default=None,
        max_length=_REFLECTION_TEXT_MAX,
        description="Did the insider's reality match the seeker's perception?",
    )
    training_needed: str | None = Field(
        default=None,
        max_length=_REFLECTION_TEXT_MAX,
        description="Training or experience the seeker would need.",
    )
    next_steps: str | None = Field(
        default=None, max_length=_REFLECTION_TEXT_MAX, description="What the seeker will do next."
    )


class _InterviewFields(InputModel):
    """Fields create and update share (everything but the interviewee)."""

    organisation_id: str | None = Field(
        default=None, max_length=64, description=_DOCS["organisation_id"]
    )
    career_field: str | None = _text(_SHORT, "career_field", examples=["Data engineering"])
    role_of_interest: str | None = _text(_SHORT, "role_of_interest", examples=["Data engineer"])
    format: InterviewFormat | None = Field(default=None, description=_DOCS["format"])
    location: str | None = _text(_SHORT, "location", examples=["Café on Park Row, Leeds"])
    meeting_url: MeetingUrl | None = Field(default=None, description=_DOCS["meeting_url"])
    timezone: TimeZoneName | None = Field(default=None, description=_DOCS["timezone"])
    introduction: str | None = _text(_INTRODUCTION_MAX, "introduction")
    research_notes: str | None = _text(_TEXT_MAX, "research_notes")
    goals: str | None = _text(_TEXT_MAX, "goals")
    notes: str | None = _text(_NOTES_MAX, "notes")
    observations: str | None = _text(_TEXT_MAX, "observations")
    reflection: InterviewReflection | None = Field(default=None, description=_DOCS["reflection"])
    would_pursue: WouldPursue | None = Field(default=None, description=_DOCS["would_pursue"])
    business_card_received: StrictBool | None = Field(
        default=None, description=_DOCS["business_card_received"]
    )
    may_contact_again: StrictBool | None = Field(
        default=None, description=_DOCS["may_contact_again"]
    )


class InterviewCreate(_InterviewFields):
    """A new interview starts `planned`; schedule it with `POST …/{interview_id}/schedule`."""

    person_id: str = Field(max_length=64, description=_DOCS["person_id"])
    duration_minutes: Duration = Field(
        default=DEFAULT_DURATION_MINUTES, description=_DOCS["duration_minutes"]
    )


class InterviewUpdate(_InterviewFields, PatchModel):
    """JSON Merge Patch: absent fields stay, `null` clears a nullable field; `reflection` is
    merged field by field. `status`, `scheduled_at`, `started_at` and `ended_at` change only
    through the action endpoints."""

    person_id: str = omittable(max_length=64, description=_DOCS["person_id"])
    duration_minutes: Duration = omittable(description=_DOCS["duration_minutes"])

    _not_null = not_null("person_id", "duration_minutes")


class Interview(Resource):
    object: Literal["interview"] = "interview"
    workspace_id: str
    person_id: str = Field(description=_DOCS["person_id"])
    organisation_id: str | None = Field(description=_DOCS["organisation_id"])
    career_field: str | None = Field(description=_DOCS["career_field"])
    role_of_interest: str | None = Field(description=_DOCS["role_of_interest"])
    format: InterviewFormat | None = Field(description=_DOCS["format"])
    location: str | None = Field(description=_DOCS["location"])
    meeting_url: str | None = Field(description=_DOCS["meeting_url"])
    scheduled_at: datetime | None = Field(description=_DOCS["scheduled_at"])
    timezone: str | None = Field(description=_DOCS["timezone"])
    duration_minutes: int = Field(description=_DOCS["duration_minutes"])
    started_at: datetime | None = Field(description=_DOCS["started_at"])
    ended_at: datetime | None = Field(description=_DOCS["ended_at"])
    status: InterviewStatus = Field(description=_DOCS["status"])
    allowed_actions: list[InterviewAction] = Field(description=_DOCS["allowed_actions"])
    introduction: str | None = Field(description=_DOCS["introduction"])
    research_notes: str | None = Field(description=_DOCS["research_notes"])
    goals: str | None = Field(description=_DOCS["goals"])
    notes: str | None = Field(description=_DOCS["notes"])
    observations: str | None = Field(description=_DOCS["observations"])
    reflection: InterviewReflection | None = Field(description=_DOCS["reflection"])
    would_pursue: WouldPursue | None = Field(description=_DOCS["would_pursue"])
    business_card_received: bool | None = Field(description=_DOCS["business_card_received"])
    may_contact_again: bool | None = Field(description=_DOCS["may_contact_again"])
    person: Annotated[Person | None, Embed("person")] = Field(
        default=None, description="The interviewee, with `?expand=person`; otherwise null."
    )
    organisation: Annotated[Organisation | None, Embed("organisation")] = Field(
        default=None,
        description="The organisation, with `?expand=organisation`; null otherwise or if none.",
    )


class InterviewList(ListPage[Interview]):
    pass


class InterviewSchedule(InputModel):
    """Agree a time: `scheduled_at` is required; the other fields update the logistics."""

    scheduled_at: UtcDatetime = Field(
        description="When the interview starts; an offset is required (converted to UTC).",
        examples=["2026-12-01T09:30:00Z"],
    )
    timezone: TimeZoneName | None = Field(default=None, description=_DOCS["timezone"])
    duration_minutes: Duration | None = Field(default=None, description=_DOCS["duration_minutes"])
    format: InterviewFormat | None = Field(default=None, description=_DOCS["format"])
    location: str | None = _text(_SHORT, "location")
    meeting_url: MeetingUrl | None = Field(default=None, description=_DOCS["meeting_url"])


class InterviewComplete(InputModel):
    """Record that the interview happened. `ended_at` defaults to now and `started_at` to
    `ended_at` minus the duration."""

    started_at: UtcDatetime | None = Field(default=None, description=_DOCS["started_at"])
    ended_at: UtcDatetime | None = Field(default=None, description=_DOCS["ended_at"])


# --- agenda ---------------------------------------------------------------------------------

_ITEM_DOCS = {
    "position": "1-based place in the agenda; positions are always 1..n with no gaps.",
    "question_id": "The bank question (`qst_…`) this item was copied from, if any.",
    "text": "The question or topic. Copied items keep the bank's wording as it was then.",
    "category": "What the question is about (the question bank's categories).",
    "answer": "What was learned.",
    "asked": "Whether it was asked.",
    "warnings": "Advice about the wording from the question quality rules (as on bank "
    "questions); computed when read, never stored, never blocking.",
}


class AgendaItem(Resource):
    object: Literal["agenda_item"] = "agenda_item"
    interview_id: str
    position: int = Field(ge=1, description=_ITEM_DOCS["position"])
    question_id: str | None = Field(description=_ITEM_DOCS["question_id"])
    text: str = Field(description=_ITEM_DOCS["text"])
    category: QuestionCategory | None = Field(description=_ITEM_DOCS["category"])
    answer: str | None = Field(description=_ITEM_DOCS["answer"])
    asked: bool = Field(description=_ITEM_DOCS["asked"])

    @computed_field(description=_ITEM_DOCS["warnings"])  # type: ignore[prop-decorator]
    @property
    def warnings(self) -> list[QuestionWarning]:
        return lint_question(self.text)


class AgendaItemList(ListPage[AgendaItem]):
    pass


class AgendaItemCreate(InputModel):
    """An ad hoc item; appended unless `position` says where to insert it."""

    text: QuestionText = Field(
        description=_ITEM_DOCS["text"], examples=["What does a typical week look like for you?"]
    )
    category: QuestionCategory | None = Field(default=None, description=_ITEM_DOCS["category"])
    answer: str | None = Field(default=None, max_length=_TEXT_MAX, description=_ITEM_DOCS["answer"])
    asked: StrictBool = Field(default=False, description=_ITEM_DOCS["asked"])
    position: JsonInt | None = Field(
        default=None,
        ge=1,
        le=MAX_AGENDA_ITEMS,
        description="Where to insert (later items move down); past the end means append.",
    )


class AgendaItemUpdate(PatchModel):
    """JSON Merge Patch; `position` moves the item (others shift to keep 1..n)."""

    text: QuestionText = omittable(description=_ITEM_DOCS["text"])
    category: QuestionCategory | None = Field(default=None, description=_ITEM_DOCS["category"])
    answer: str | None = Field(default=None, max_length=_TEXT_MAX, description=_ITEM_DOCS["answer"])
    asked: StrictBool = omittable(description=_ITEM_DOCS["asked"])
    position: JsonInt = omittable(
        ge=1, le=MAX_AGENDA_ITEMS, description="Move here; past the end means last."
    )

    _not_null = not_null("text", "asked", "position")


class AgendaReorder(InputModel):
    item_ids: list[Annotated[str, Field(max_length=64)]] = Field(
        min_length=1,
        max_length=MAX_AGENDA_ITEMS,
        description="Every item of the agenda (`agi_…`), each once, in the new order.",
    )


class AgendaFromBank(InputModel):
    question_ids: list[Annotated[str, Field(max_length=64)]] = Field(
        min_length=1,
        max_length=MAX_FROM_BANK,
        description="Questions (`qst_…`) from the workspace's banks or the built-in bank, "
        "appended in this order.",
    )


class InterviewFilters(Filters):
    """`GET …/interviews` filters."""

    status: InterviewStatus | None = Field(default=None, description="Only this status.")
    person_id: str | None = Field(
        default=None, max_length=64, description="Only with this interviewee (`per_…`)."
    )
    organisation_id: str | None = Field(
        default=None, max_length=64, description="Only about this organisation (`org_…`)."
    )
    scheduled_after: UtcDatetime | None = Field(
        default=None, description="Only scheduled at or after this instant (an offset is required)."
    )
    scheduled_before: UtcDatetime | None = Field(
        default=None, description="Only scheduled before this instant (an offset is required)."
    )
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Text search in career field, role, notes, observations, research "
        "notes and goals (case-insensitive).",
    )

"""The person timeline as clients see it: one entry per outreach, interview, follow-up or lead."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import ListPage


class TimelineKind(StrEnum):
    outreach = "outreach"
    interview = "interview"
    follow_up = "follow_up"
    lead = "lead"


class TimelineEntry(BaseModel):
    """Something that happened (or is due) with a person; `id` is the record's own id."""

    object: Literal["timeline_entry"] = "timeline_entry"
    kind: TimelineKind
    id: str = Field(description="The outreach (`out_…`), interview, follow-up or lead's id.")
    occurred_at: datetime = Field(
        description="Outreach: `sent_at`, else `created_at`. Interview: `scheduled_at`, else "
        "`created_at`. Follow-up: `due_at`, else `created_at`. Lead: `created_at`."
    )
    summary: str = Field(
        description="A short line to show, e.g. `Email: Coffee next week?`.",
        examples=["Interview: grid analytics"],
    )
    status: str = Field(description="The record's own status (an outreach's, a lead's, …).")


class TimelineEntryList(ListPage[TimelineEntry]):
    pass

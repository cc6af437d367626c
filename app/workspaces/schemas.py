"""Workspaces, their members and invitations, and a user's own memberships."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.auth.scopes import Role
from app.core.schemas import (
    InputModel,
    JsonInt,
    ListPage,
    PatchModel,
    Resource,
    TimeZoneName,
    omittable,
)
from app.core.urls import EmailAddress

WorkspaceName = Field(min_length=1, max_length=200, examples=["Ada's career change"])

# Thank-you notes are expected within 48 hours; more than about 12 interviews makes a referral
# likely (shared/domain.md).
DEFAULT_THANK_YOU_DUE_HOURS = 48
DEFAULT_INTERVIEW_GOAL = 12

# The workspace's settings, each described once for the workspace and its update.
_THANK_YOU_DUE_HOURS = Field(
    description="Hours after an interview ends that its thank-you note is due (1–720, default 48)."
)
_INTERVIEW_GOAL = Field(
    description="How many completed interviews the seeker aims for (1–1000, default 12)."
)
ThankYouDueHours = Annotated[int, _THANK_YOU_DUE_HOURS]
InterviewGoal = Annotated[int, _INTERVIEW_GOAL]
# Stored as any text; a change must name a known zone (`TimeZoneName`).
_TIMEZONE = Field(
    description=(
        'The seeker\'s IANA time zone: what "today" means on the home agenda; null means UTC.'
    )
)


class Workspace(Resource):
    object: Literal["workspace"] = "workspace"
    name: str
    thank_you_due_hours: ThankYouDueHours
    interview_goal: InterviewGoal
    timezone: Annotated[str | None, _TIMEZONE]


class WorkspaceCreate(InputModel):
    name: str = WorkspaceName


class WorkspaceUpdate(PatchModel):
    """Owners rename the workspace and change its settings (JSON Merge Patch)."""

    name: str = omittable(min_length=1, max_length=200)
    # JSON integers (JsonInt: `true`, `1.5` or `"24"` is a 422), as the document says.
    thank_you_due_hours: Annotated[JsonInt, _THANK_YOU_DUE_HOURS] = omittable(
        ge=1, le=720, examples=[24]
    )
    interview_goal: Annotated[JsonInt, _INTERVIEW_GOAL] = omittable(ge=1, le=1000, examples=[12])
    timezone: Annotated[TimeZoneName | None, _TIMEZONE] = None


class WorkspaceList(ListPage[Workspace]):
    pass


class Member(Resource):
    object: Literal["member"] = "member"
    workspace_id: str
    user_id: str
    email: str
    name: str
    role: Role


class MemberUpdate(PatchModel):
    role: Role = omittable()


class MemberList(ListPage[Member]):
    pass


class Membership(Resource):
    """The caller's own membership of a workspace (`GET /v1/me/memberships`)."""

    object: Literal["membership"] = "membership"
    workspace_id: str
    workspace_name: str
    role: Role


class MembershipList(ListPage[Membership]):
    pass


class InvitationStatus(StrEnum):
    """`pending` until the invitee accepts or declines, the owner revokes, or it expires."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    revoked = "revoked"
    expired = "expired"


class Inviter(BaseModel):
    """The owner who sent an invitation."""

    user_id: str
    name: str
    email: str


class Invitation(Resource):
    object: Literal["invitation"] = "invitation"
    workspace_id: str
    workspace_name: str
    email: str = Field(description="The invitee's email, as the owner gave it.")
    role: Role = Field(description="The role the invitee gets on accepting.")
    status: InvitationStatus
    invited_by: Inviter
    expires_at: datetime = Field(description="After this, it can no longer be accepted.")
    accepted_at: datetime | None
    declined_at: datetime | None
    revoked_at: datetime | None


class InvitationCreate(InputModel):
    email: EmailAddress = Field(
        max_length=320,
        description="Who is invited: an account's email, or one that has no account yet "
        "(the invitation waits for its sign-up). Case does not matter.",
        examples=["coach@example.com"],
    )
    role: Role


class InvitationList(ListPage[Invitation]):
    pass

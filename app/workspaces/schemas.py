"""Workspaces and their members."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from app.auth.scopes import Role
from app.core.schemas import InputModel, ListPage, PatchModel, Resource, TimeZoneName, omittable

WorkspaceName = Field(min_length=1, max_length=200, examples=["Ada's career change"])

# Thank-you notes are expected within 48 hours; more than about 12 interviews makes a referral
# likely (shared/domain.md).
DEFAULT_THANK_YOU_DUE_HOURS = 48
DEFAULT_INTERVIEW_GOAL = 12

_SETTINGS_DOCS = {
    "thank_you_due_hours": (
        "Hours after an interview ends that its thank-you note is due (1–720, default 48)."
    ),
    "interview_goal": "How many completed interviews the seeker aims for (1–1000, default 12).",
    "timezone": (
        'The seeker\'s IANA time zone: what "today" means on the home agenda; null means UTC.'
    ),
}


class Workspace(Resource):
    object: Literal["workspace"] = "workspace"
    name: str
    thank_you_due_hours: int = Field(description=_SETTINGS_DOCS["thank_you_due_hours"])
    interview_goal: int = Field(description=_SETTINGS_DOCS["interview_goal"])
    timezone: str | None = Field(description=_SETTINGS_DOCS["timezone"])


class WorkspaceCreate(InputModel):
    name: str = WorkspaceName


class WorkspaceUpdate(PatchModel):
    """Owners rename the workspace and change its settings (JSON Merge Patch)."""

    name: str = omittable(min_length=1, max_length=200)
    thank_you_due_hours: int = omittable(
        ge=1, le=720, description=_SETTINGS_DOCS["thank_you_due_hours"], examples=[24]
    )
    interview_goal: int = omittable(
        ge=1, le=1000, description=_SETTINGS_DOCS["interview_goal"], examples=[12]
    )
    timezone: TimeZoneName | None = Field(default=None, description=_SETTINGS_DOCS["timezone"])


class WorkspaceList(ListPage[Workspace]):
    pass


class Member(Resource):
    object: Literal["member"] = "member"
    workspace_id: str
    user_id: str
    email: str
    name: str
    role: Role


class MemberCreate(InputModel):
    email: EmailStr = Field(max_length=320, description="An existing user's email.")
    role: Role


class MemberUpdate(PatchModel):
    role: Role = omittable()


class MemberList(ListPage[Member]):
    pass

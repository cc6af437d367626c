"""Workspaces and their members."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from app.auth.scopes import Role
from app.core.schemas import InputModel, ListPage, PatchModel, Resource, omittable

WorkspaceName = Field(min_length=1, max_length=200, examples=["Ada's career change"])


class Workspace(Resource):
    object: Literal["workspace"] = "workspace"
    name: str


class WorkspaceCreate(InputModel):
    name: str = WorkspaceName


class WorkspaceUpdate(PatchModel):
    name: str = omittable(min_length=1, max_length=200)


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

"""HTTP routes for templates."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}/templates", tags=["templates"])

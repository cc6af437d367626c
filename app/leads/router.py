"""HTTP routes for leads."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}/leads", tags=["leads"])

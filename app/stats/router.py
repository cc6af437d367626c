"""HTTP routes for stats."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}/stats", tags=["stats"])

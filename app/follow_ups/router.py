"""HTTP routes for follow-ups."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["follow-ups"])

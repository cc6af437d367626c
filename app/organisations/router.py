"""HTTP routes for organisations."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}/organisations", tags=["organisations"])

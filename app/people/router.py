"""HTTP routes for people."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["people"])

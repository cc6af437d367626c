"""HTTP routes for referrals."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["referrals"])

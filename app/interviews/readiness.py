"""`GET …/interviews/{interview_id}/readiness`: is the seeker prepared for this interview?"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/workspaces/{workspace_id}/interviews", tags=["interviews"])

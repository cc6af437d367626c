"""HTTP routes for question-banks."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["question-banks"])

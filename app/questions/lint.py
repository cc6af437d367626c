"""Question quality rules, and `GET …/question-banks/{bank_id}/lint`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["question-banks"])

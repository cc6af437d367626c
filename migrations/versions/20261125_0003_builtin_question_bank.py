"""Built-in question bank: "Informational interview essentials", read-only for every workspace.

The bank's content lives here, not in application code, so that history never changes when the
code does; a later change to the bank is a new migration.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BANK_ID = "qbk_01a212bf48d3776ea20c9845356de626"
INSTALLED_AT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)

# (id, category, text, notes), in the bank's order. Open-ended, and never a request for a job.
QUESTIONS = [
    (
        "qst_01a212bf48d3776ea20c984642e175da",
        "background",
        "How did you come to be doing this work, and what path led you to your current role?",
        "A warm opening: people enjoy telling their story, and detours show other ways in.",
    ),
    (
        "qst_01a212bf48d3776ea20c984782d0feaf",
        "background",
        "What first drew you to this field, and what has kept you in it since?",
        "Listen for the values behind the answer and compare them with your own.",
    ),
    (
        "qst_01a212bf48d3776ea20c984842204ce5",
        "typical_day",
        "What does a typical day or week look like for you, from start to finish?",
        "Ask for a recent, concrete day if the answer stays general.",
    ),
    (
        "qst_01a212bf48d3776ea20c9849f897f376",
        "typical_day",
        "How is your time split between working on your own, with your team and with people "
        "outside the organisation?",
        "Tells you how much of the job is solitary, collaborative or client-facing.",
    ),
    (
        "qst_01a212bf48d3776ea20c984a0f8be6d5",
        "satisfaction",
        "Which parts of your work give you the most satisfaction, and why?",
        "Note what energises them; ask yourself whether it would energise you.",
    ),
    (
        "qst_01a212bf48d3776ea20c984b646ded3e",
        "satisfaction",
        "What kind of person tends to thrive in this role, and what kind tends to move on?",
        "A gentle way to learn about fit, culture and turnover.",
    ),
    (
        "qst_01a212bf48d3776ea20c984ca1f3f812",
        "challenges",
        "What are the most challenging or frustrating parts of the job, and how do you handle "
        "them?",
        "The insider's reality often differs from the outside view: this is where it shows.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2004f81cf4",
        "challenges",
        "What surprised you most when you started, compared with what you had expected?",
        "Helps test your own assumptions about the work.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa211dc218d7",
        "opportunities",
        "Where do you see the most room for growth in this field over the next few years?",
        "Listen for specialisms, regions or sectors that are expanding.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2225833d8c",
        "opportunities",
        "How competitive is it to get into this field, and what makes a newcomer stand out?",
        "Gauges the competition without asking for an opening.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa231124baf5",
        "getting_started",
        "Given a background like mine, what would be a realistic first step into this kind of "
        "work?",
        "Give your 15–30 second introduction first, so the answer fits you.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2493ad136c",
        "getting_started",
        "Which skills, training or experience matter most for someone starting out, and where "
        "are they best gained?",
        "Listen for courses, certificates, volunteering or side projects worth doing.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2581f66080",
        "job_titles",
        "What job titles should I search for to find roles like yours, including the entry-level "
        "ones?",
        "Titles differ between organisations; collect the variants for your searches.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa26598e23dd",
        "employers",
        "Which organisations hire people in this field, and how do they differ as places to work?",
        "Add the names to your target list, with what they said about each.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa27b7998b3b",
        "industry_trends",
        "What changes are reshaping this field right now, and how are they affecting your work?",
        "New tools, regulation, funding, markets: what an insider watches.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa280c1be2f7",
        "industry_trends",
        "Which terms, tools or publications should I get to know to follow the conversations in "
        "this field?",
        "Learn the jargon: it makes your next conversations and applications sharper.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2971110687",
        "advice",
        "If you were in my position, what would you do next?",
        "Often the most useful answer of the conversation; leave time for it.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2a78bafb33",
        "referrals",
        "Who else would you suggest I talk to in order to learn more, and how would you suggest "
        "I approach them?",
        "Ask whether you may mention their name when you contact the people they suggest.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2b39558461",
        "follow_up",
        "What would be the best way for me to keep in touch with you as my search goes on?",
        "Asks permission to follow up; send your thank-you note within 48 hours.",
    ),
    (
        "qst_01a212bf48d474bdb5d3aa2c6d37a0f6",
        "other",
        "What have I not asked that you think I should understand about this work?",
        "A good closing question: it hands the conversation back to them.",
    ),
]

question_banks = sa.table(
    "question_banks",
    sa.column("id", sa.String(36)),
    sa.column("workspace_id", sa.String(36)),
    sa.column("builtin", sa.Boolean()),
    sa.column("name", sa.String(200)),
    sa.column("description", sa.Text()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
questions = sa.table(
    "questions",
    sa.column("id", sa.String(36)),
    sa.column("bank_id", sa.String(36)),
    sa.column("workspace_id", sa.String(36)),
    sa.column("text", sa.Text()),
    sa.column("category", sa.String(32)),
    sa.column("position", sa.Integer()),
    sa.column("notes", sa.Text()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def upgrade() -> None:
    op.bulk_insert(
        question_banks,
        [
            {
                "id": BANK_ID,
                "workspace_id": None,
                "builtin": True,
                "name": "Informational interview essentials",
                "description": "Open-ended questions for a 15–30 minute informational "
                "interview, across the topics career advisers teach: the person's route into "
                "the field, their days, what satisfies and what challenges them, how to start, "
                "whom else to talk to. Pick 3 to 6 that suit the person; copy the bank to "
                "adapt it.",
                "created_at": INSTALLED_AT,
                "updated_at": INSTALLED_AT,
            }
        ],
    )
    op.bulk_insert(
        questions,
        [
            {
                "id": question_id,
                "bank_id": BANK_ID,
                "workspace_id": None,
                "text": text,
                "category": category,
                "position": position,
                "notes": notes,
                "created_at": INSTALLED_AT,
                "updated_at": INSTALLED_AT,
            }
            for position, (question_id, category, text, notes) in enumerate(QUESTIONS, start=1)
        ],
    )


def downgrade() -> None:
    op.execute(questions.delete().where(questions.c.bank_id == BANK_ID))
    op.execute(question_banks.delete().where(question_banks.c.id == BANK_ID))

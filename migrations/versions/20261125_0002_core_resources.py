"""Core resources: organisations, people, question banks and questions, interviews and agendas.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.core.db import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=2048), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("size", sa.String(length=32), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("is_target", sa.Boolean(), nullable=False),
        sa.Column("target_rank", sa.Integer(), nullable=True),
        sa.Column("why_interested", sa.Text(), nullable=True),
        sa.Column("culture", sa.Text(), nullable=True),
        sa.Column("strengths", sa.Text(), nullable=True),
        sa.Column("recent_news", sa.Text(), nullable=True),
        sa.Column("competitors", sa.Text(), nullable=True),
        sa.Column("position_in_field", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tags", JSONDocument, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_organisations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint(
            "workspace_id", "name_key", name=op.f("uq_organisations_workspace_id_name_key")
        ),
    )
    op.create_index(
        "ix_organisations_workspace_id_created_at_id",
        "organisations",
        ["workspace_id", "created_at", "id"],
    )
    op.create_index("ix_organisations_workspace_id_id", "organisations", ["workspace_id", "id"])
    op.create_index(
        "ix_organisations_workspace_id_industry", "organisations", ["workspace_id", "industry"]
    )
    op.create_index(
        "ix_organisations_workspace_id_target_rank_id",
        "organisations",
        ["workspace_id", "target_rank", "id"],
    )
    op.create_index(
        "ix_organisations_workspace_id_is_target_target_rank",
        "organisations",
        ["workspace_id", "is_target", "target_rank"],
    )
    op.create_index(
        "ix_organisations_workspace_id_updated_at_id",
        "organisations",
        ["workspace_id", "updated_at", "id"],
    )

    op.create_table(
        "question_banks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=True),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_question_banks_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_banks")),
    )
    op.create_index("ix_question_banks_workspace_id_id", "question_banks", ["workspace_id", "id"])

    op.create_table(
        "people",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("emails", JSONDocument, nullable=False),
        sa.Column("phones", JSONDocument, nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("linkedin_url", sa.String(length=2048), nullable=True),
        sa.Column("profile_urls", JSONDocument, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=True),
        sa.Column("referred_by_id", sa.String(length=36), nullable=True),
        sa.Column("relationship_stage", sa.String(length=16), nullable=False),
        sa.Column("tags", JSONDocument, nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("may_use_name_as_referral", sa.Boolean(), nullable=True),
        sa.Column("open_to_follow_up", sa.Boolean(), nullable=True),
        sa.Column("last_contacted_at", UTCDateTime(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_people_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_id"],
            ["people.id"],
            name=op.f("fk_people_referred_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_people_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(
        "ix_people_workspace_id_created_at_id", "people", ["workspace_id", "created_at", "id"]
    )
    op.create_index(
        "ix_people_workspace_id_family_name_id", "people", ["workspace_id", "family_name", "id"]
    )
    op.create_index("ix_people_workspace_id_id", "people", ["workspace_id", "id"])
    op.create_index(
        "ix_people_workspace_id_last_contacted_at_id",
        "people",
        ["workspace_id", "last_contacted_at", "id"],
    )
    op.create_index(
        "ix_people_workspace_id_organisation_id", "people", ["workspace_id", "organisation_id"]
    )
    op.create_index(
        "ix_people_workspace_id_referred_by_id", "people", ["workspace_id", "referred_by_id"]
    )
    op.create_index(
        "ix_people_workspace_id_relationship_stage",
        "people",
        ["workspace_id", "relationship_stage"],
    )
    op.create_index("ix_people_workspace_id_source", "people", ["workspace_id", "source"])
    op.create_index(
        "ix_people_workspace_id_updated_at_id", "people", ["workspace_id", "updated_at", "id"]
    )

    op.create_table(
        "questions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("bank_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["question_banks.id"],
            name=op.f("fk_questions_bank_id_question_banks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_questions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index("ix_questions_bank_id_position", "questions", ["bank_id", "position"])

    op.create_table(
        "interviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("career_field", sa.String(length=200), nullable=True),
        sa.Column("role_of_interest", sa.String(length=200), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("meeting_url", sa.String(length=2048), nullable=True),
        sa.Column("scheduled_at", UTCDateTime(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=True),
        sa.Column("research_notes", sa.Text(), nullable=True),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("observations", sa.Text(), nullable=True),
        sa.Column("reflection", JSONDocument, nullable=True),
        sa.Column("would_pursue", sa.String(length=8), nullable=True),
        sa.Column("business_card_received", sa.Boolean(), nullable=True),
        sa.Column("may_contact_again", sa.Boolean(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_interviews_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_interviews_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interviews_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    op.create_index(
        "ix_interviews_workspace_id_created_at_id",
        "interviews",
        ["workspace_id", "created_at", "id"],
    )
    op.create_index("ix_interviews_workspace_id_id", "interviews", ["workspace_id", "id"])
    op.create_index(
        "ix_interviews_workspace_id_organisation_id",
        "interviews",
        ["workspace_id", "organisation_id"],
    )
    op.create_index(
        "ix_interviews_workspace_id_person_id", "interviews", ["workspace_id", "person_id"]
    )
    op.create_index(
        "ix_interviews_workspace_id_scheduled_at_id",
        "interviews",
        ["workspace_id", "scheduled_at", "id"],
    )
    op.create_index("ix_interviews_workspace_id_status", "interviews", ["workspace_id", "status"])

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("asked", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_agenda_items_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_agenda_items_question_id_questions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_agenda_items_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    op.create_index(
        "ix_agenda_items_interview_id_position", "agenda_items", ["interview_id", "position"]
    )


def downgrade() -> None:
    op.drop_table("agenda_items")
    op.drop_table("interviews")
    op.drop_table("questions")
    op.drop_table("people")
    op.drop_table("question_banks")
    op.drop_table("organisations")

"""Workflow: outreach, templates, follow-ups, leads, referrals; workspace settings; stay in touch.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=True),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_templates_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
    )
    op.create_index("ix_templates_workspace_id_id", "templates", ["workspace_id", "id"])

    op.create_table(
        "leads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source_person_id", sa.String(length=36), nullable=True),
        sa.Column("source_interview_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_leads_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_interview_id"],
            ["interviews.id"],
            name=op.f("fk_leads_source_interview_id_interviews"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_person_id"],
            ["people.id"],
            name=op.f("fk_leads_source_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_leads_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    op.create_index(
        "ix_leads_workspace_id_created_at_id", "leads", ["workspace_id", "created_at", "id"]
    )
    op.create_index("ix_leads_workspace_id_id", "leads", ["workspace_id", "id"])
    op.create_index(
        "ix_leads_workspace_id_organisation_id", "leads", ["workspace_id", "organisation_id"]
    )
    op.create_index(
        "ix_leads_workspace_id_source_person_id", "leads", ["workspace_id", "source_person_id"]
    )
    op.create_index("ix_leads_workspace_id_status", "leads", ["workspace_id", "status"])

    op.create_table(
        "outreach",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("strategy", sa.String(length=8), nullable=True),
        sa.Column("introduced_by_id", sa.String(length=36), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("responded_at", UTCDateTime(), nullable=True),
        sa.Column("interview_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_outreach_interview_id_interviews"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["introduced_by_id"],
            ["people.id"],
            name=op.f("fk_outreach_introduced_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_outreach_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_outreach_template_id_templates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_outreach_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach")),
    )
    op.create_index(
        "ix_outreach_workspace_id_created_at_id", "outreach", ["workspace_id", "created_at", "id"]
    )
    op.create_index("ix_outreach_workspace_id_id", "outreach", ["workspace_id", "id"])
    op.create_index("ix_outreach_workspace_id_person_id", "outreach", ["workspace_id", "person_id"])
    op.create_index(
        "ix_outreach_workspace_id_sent_at_id", "outreach", ["workspace_id", "sent_at", "id"]
    )
    op.create_index("ix_outreach_workspace_id_status", "outreach", ["workspace_id", "status"])

    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=True),
        sa.Column("referrer_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("may_use_referrer_name", sa.Boolean(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_referrals_interview_id_interviews"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_referrals_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["people.id"],
            name=op.f("fk_referrals_referrer_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_referrals_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint(
            "interview_id", "person_id", name=op.f("uq_referrals_interview_id_person_id")
        ),
    )
    op.create_index("ix_referrals_workspace_id_id", "referrals", ["workspace_id", "id"])
    op.create_index(
        "ix_referrals_workspace_id_person_id", "referrals", ["workspace_id", "person_id"]
    )
    op.create_index(
        "ix_referrals_workspace_id_referrer_id", "referrals", ["workspace_id", "referrer_id"]
    )

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("interview_id", sa.String(length=36), nullable=True),
        sa.Column("lead_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_follow_ups_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_follow_ups_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_follow_ups_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_follow_ups_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    op.create_index(
        "ix_follow_ups_workspace_id_created_at_id",
        "follow_ups",
        ["workspace_id", "created_at", "id"],
    )
    op.create_index(
        "ix_follow_ups_workspace_id_due_at_id", "follow_ups", ["workspace_id", "due_at", "id"]
    )
    op.create_index("ix_follow_ups_workspace_id_id", "follow_ups", ["workspace_id", "id"])
    op.create_index(
        "ix_follow_ups_workspace_id_interview_id", "follow_ups", ["workspace_id", "interview_id"]
    )
    op.create_index(
        "ix_follow_ups_workspace_id_person_id", "follow_ups", ["workspace_id", "person_id"]
    )
    op.create_index(
        "ix_follow_ups_workspace_id_status_due_at_id",
        "follow_ups",
        ["workspace_id", "status", "due_at", "id"],
    )

    op.add_column("people", sa.Column("stay_in_touch_every_days", sa.Integer(), nullable=True))

    op.add_column(
        "workspaces",
        sa.Column("thank_you_due_hours", sa.Integer(), server_default="48", nullable=False),
    )
    op.add_column(
        "workspaces", sa.Column("interview_goal", sa.Integer(), server_default="12", nullable=False)
    )
    op.add_column("workspaces", sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_table("follow_ups")
    op.drop_table("referrals")
    op.drop_table("outreach")
    op.drop_table("leads")
    op.drop_table("templates")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("stay_in_touch_every_days")
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("interview_goal")
        batch_op.drop_column("thank_you_due_hours")

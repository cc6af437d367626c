"""Invitations: membership is offered to an email and made only when its invitee accepts (issue 18).

Existing memberships stay as they are. The downgrade drops the table and every invitation with
it (pending ones too: the code before this revision has no invitations).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Neither accepted, declined nor revoked (app.workspaces.models.INVITATION_OPEN).
_OPEN = sa.text("accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invited_by", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("declined_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_invitations_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["users.id"], name="fk_invitations_invited_by_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
    )
    # The owners' list, per workspace in id order.
    op.create_index("ix_invitations_workspace_id_id", "invitations", ["workspace_id", "id"])
    # The invitee's list, by email in id order.
    op.create_index("ix_invitations_email_key_id", "invitations", ["email_key", "id"])
    # One open invitation per workspace and address.
    op.create_index(
        "uq_invitations_open_workspace_id_email_key",
        "invitations",
        ["workspace_id", "email_key"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_invitations_open_workspace_id_email_key", table_name="invitations")
    op.drop_index("ix_invitations_email_key_id", table_name="invitations")
    op.drop_index("ix_invitations_workspace_id_id", table_name="invitations")
    op.drop_table("invitations")

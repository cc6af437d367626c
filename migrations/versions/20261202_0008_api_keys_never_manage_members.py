"""API keys never manage members, and never outlive their creator's membership (issue 18).

`members:write` is no longer a scope a key may hold: it is taken out of every stored key. A key
whose creator is no longer a member of its workspace (or whose creator's account is gone) is
revoked now, as removing a member revokes their keys from this revision on. The downgrade keeps
both changes: a scope that let a key take over a workspace is not given back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_keys = sa.table(
    "api_keys",
    sa.column("id", sa.String),
    sa.column("workspace_id", sa.String),
    sa.column("created_by", sa.String),
    sa.column("scopes", sa.JSON),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_memberships = sa.table(
    "memberships", sa.column("workspace_id", sa.String), sa.column("user_id", sa.String)
)


def _now() -> object:
    now = datetime.now(UTC)
    # SQLite keeps UTC timestamps as naive text (app.core.db.UTCDateTime).
    return now if op.get_bind().dialect.name == "postgresql" else now.replace(tzinfo=None)


def upgrade() -> None:
    bind = op.get_bind()
    now = _now()
    for key_id, scopes in bind.execute(sa.select(_keys.c.id, _keys.c.scopes)).all():
        if "members:write" in scopes:
            kept = [scope for scope in scopes if scope != "members:write"]
            bind.execute(
                sa.update(_keys).where(_keys.c.id == key_id).values(scopes=kept, updated_at=now)
            )
    creator_is_member = (
        sa.select(sa.literal(1))
        .where(
            _memberships.c.workspace_id == _keys.c.workspace_id,
            _memberships.c.user_id == _keys.c.created_by,
        )
        .exists()
    )
    bind.execute(
        sa.update(_keys)
        .where(_keys.c.revoked_at.is_(None), sa.not_(creator_is_member))
        .values(revoked_at=now, updated_at=now)
    )


def downgrade() -> None:
    """Nothing to undo: the removed scope and the revocations stay (see the docstring)."""

"""Organisation websites are stored normalised and may be longer than the 2,048 characters sent.

A client sends at most 2,048 characters (the document's `maxLength`); Pydantic normalises the
URL (a "/" for an empty path, percent-encoding, punycode) and that form is stored, so from ASCII
input it can reach 3 × 2,048 + 1 = 6,145 characters (app.organisations.schemas
.WEBSITE_STORED_MAX). Before this revision a website was refused when its normalised form passed
2,048, although the document allowed it.

PostgreSQL widens a `varchar` without rewriting the table. SQLite's batch mode rebuilds
`organisations`, which drops its `organisations_clear_stale_doc` trigger: both directions create
it again as migration 0011 writes it (the table's other indexes and constraints are carried over
by the rebuild).

The downgrade clears (sets to NULL) the websites longer than 2,048 characters: the code before
this revision cannot store them and its column cannot hold them. Their rows' stored documents
are cleared with them by the trigger.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_WIDTH = 2048
NEW_WIDTH = 6145

# Migration 0011's SQLite trigger on organisations, word for word.
_SQLITE_TRIGGER = (
    "CREATE TRIGGER organisations_clear_stale_doc AFTER UPDATE ON organisations "
    "FOR EACH ROW WHEN (NEW.doc IS NULL AND NEW.doc_version IS NOT NULL) OR (NEW.doc IS NOT NULL "
    "AND NEW.doc IS OLD.doc AND NEW.doc_version IS OLD.doc_version) "
    "BEGIN UPDATE organisations SET doc = NULL, doc_version = NULL WHERE id = NEW.id; END"
)


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _website(width_from: int, width_to: int) -> None:
    if not _sqlite():
        # The trigger and the indexes stay: PostgreSQL alters the column in place.
        op.alter_column(
            "organisations",
            "website",
            existing_type=sa.String(width_from),
            type_=sa.String(width_to),
            existing_nullable=True,
        )
        return
    # The rebuild drops the table's trigger with the old table. Dropped here first, so a
    # database without it fails instead of gaining it, and created again on the new table.
    op.execute("DROP TRIGGER organisations_clear_stale_doc")
    with op.batch_alter_table("organisations", recreate="always") as batch:
        batch.alter_column(
            "website",
            existing_type=sa.String(width_from),
            type_=sa.String(width_to),
            existing_nullable=True,
        )
    op.execute(_SQLITE_TRIGGER)


def upgrade() -> None:
    _website(OLD_WIDTH, NEW_WIDTH)


def downgrade() -> None:
    # Before the narrowing: the trigger clears those rows' documents too.
    op.execute(
        sa.text(
            "UPDATE organisations SET website = NULL WHERE length(website) > :width"
        ).bindparams(width=OLD_WIDTH)
    )
    _website(NEW_WIDTH, OLD_WIDTH)

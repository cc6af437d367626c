"""Stored representations: `doc` on people, organisations and interviews (issue 11).

Each row may keep the JSON the API shows for it, written by the service that writes the row, so
list pages and embedded objects send it without decoding and rebuilding two dozen columns. A
trigger keeps it honest: an UPDATE that does not write a new `doc` (a side effect such as a
relationship stage moving on, or a foreign key's ON DELETE SET NULL) clears it, and readers
build that row's JSON from its columns again. Rows written before this revision start with no
document and are read from their columns until their next write.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("people", "organisations", "interviews")


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("doc", sa.Text(), nullable=True))
    if _postgresql():
        op.execute(
            """
            CREATE FUNCTION clear_stale_doc() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.doc IS NOT DISTINCT FROM OLD.doc THEN
                    NEW.doc := NULL;
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_clear_stale_doc BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION clear_stale_doc()"
            )
    else:
        # SQLite has no BEFORE-trigger assignment: clear it after. The inner UPDATE writes
        # doc = NULL, which the WHEN clause lets through without recursion. (Table names are
        # this module's constants.)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_clear_stale_doc AFTER UPDATE ON {table} "  # noqa: S608
                "FOR EACH ROW WHEN NEW.doc IS NOT NULL AND NEW.doc IS OLD.doc "
                f"BEGIN UPDATE {table} SET doc = NULL WHERE id = NEW.id; END"
            )


def downgrade() -> None:
    for table in TABLES:
        if _postgresql():
            op.execute(f"DROP TRIGGER {table}_clear_stale_doc ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_clear_stale_doc")
    if _postgresql():
        op.execute("DROP FUNCTION clear_stale_doc()")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("doc")

"""Stored documents carry the version of the representation that wrote them (issue 19).

`doc_version` beside `doc` on people, organisations and interviews (app.core.rows): readers
send a document only when its version is the running code's, so a representation change needs
no migration and a release never sends another's documents. Existing documents get no version:
their rows are built from their columns until their next write, or until `python -m
app.documents` stores them again. Code before this revision writes `doc` without the version;
the representations it writes are this revision's, so what it leaves behind is correct.

Migration 0007's triggers stay the net for writes around the services, now over both columns:
an UPDATE that rewrites neither the document nor its version clears both (storing the same
text under a new version, as `app.documents` may, is a rewrite), and so does one that sets
`doc` to NULL by hand. Readers rely on it: `doc_version` is never set without a `doc`.

The downgrade clears every document: the code before this revision sends whatever document a
row holds, and some may have been written by a later release in another shape.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("people", "organisations", "interviews")


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _clear_stale_doc(condition: str, cleared: str) -> str:
    """The trigger function: clear `cleared` when `condition` holds for NEW and OLD."""
    return f"""
        CREATE OR REPLACE FUNCTION clear_stale_doc() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {condition} THEN
                {cleared}
            END IF;
            RETURN NEW;
        END
        $$
        """


def _sqlite_triggers(when: str, cleared: str) -> None:
    # SQLite has no BEFORE-trigger assignment: clear after. The inner UPDATE leaves both NULL,
    # which `when` lets through without recursion. (Table names are this module's constants.)
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_clear_stale_doc")
        op.execute(
            f"CREATE TRIGGER {table}_clear_stale_doc AFTER UPDATE ON {table} "  # noqa: S608
            f"FOR EACH ROW WHEN {when} "
            f"BEGIN UPDATE {table} SET {cleared} WHERE id = NEW.id; END"
        )


def upgrade() -> None:
    # A nullable column without a default: no table rewrite on either database, and SQLite adds
    # it in place (a batch rebuild would drop the triggers).
    for table in TABLES:
        op.add_column(table, sa.Column("doc_version", sa.String(16), nullable=True))
    if _postgresql():
        op.execute(
            _clear_stale_doc(
                "(NEW.doc IS NULL AND NEW.doc_version IS NOT NULL) OR "
                "(NEW.doc IS NOT DISTINCT FROM OLD.doc "
                "AND NEW.doc_version IS NOT DISTINCT FROM OLD.doc_version)",
                "NEW.doc := NULL; NEW.doc_version := NULL;",
            )
        )
    else:
        _sqlite_triggers(
            "(NEW.doc IS NULL AND NEW.doc_version IS NOT NULL) OR (NEW.doc IS NOT NULL "
            "AND NEW.doc IS OLD.doc AND NEW.doc_version IS OLD.doc_version)",
            "doc = NULL, doc_version = NULL",
        )


def downgrade() -> None:
    # Migration 0007's triggers again, before the column they no longer name goes.
    if _postgresql():
        op.execute(_clear_stale_doc("NEW.doc IS NOT DISTINCT FROM OLD.doc", "NEW.doc := NULL;"))
    else:
        _sqlite_triggers("NEW.doc IS NOT NULL AND NEW.doc IS OLD.doc", "doc = NULL")
    for table in TABLES:
        op.execute(f"UPDATE {table} SET doc = NULL WHERE doc IS NOT NULL")  # noqa: S608
        op.drop_column(table, "doc_version")

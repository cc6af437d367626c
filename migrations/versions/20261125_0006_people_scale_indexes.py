"""Indexes for workspaces of a million people (issue 11, bench/scale.py).

- The organisation filter's index also carries the default sort (created_at, id), so a page of
  one organisation's people is read in order instead of sorted.
- PostgreSQL only: a GIN index (jsonb_path_ops) for `?tag=` (`tags @> '["tag"]'`) and a pg_trgm
  GIN index for `?q=` (`search_text LIKE '%…%'`). pg_trgm is a trusted extension: a database
  owner may create it. SQLite keeps scanning (the embedded default is for small workspaces).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_index("ix_people_workspace_id_organisation_id")
        batch.create_index(
            "ix_people_workspace_id_organisation_id_created_at_id",
            ["workspace_id", "organisation_id", "created_at", "id"],
        )
    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_people_tags",
            "people",
            ["tags"],
            postgresql_using="gin",
            postgresql_ops={"tags": "jsonb_path_ops"},
        )
        op.create_index(
            "ix_people_search_text_trgm",
            "people",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if _postgresql():
        op.drop_index("ix_people_search_text_trgm", table_name="people")
        op.drop_index("ix_people_tags", table_name="people")
        # The pg_trgm extension stays: other objects may use it, and it costs nothing.
    with op.batch_alter_table("people") as batch:
        batch.drop_index("ix_people_workspace_id_organisation_id_created_at_id")
        batch.create_index(
            "ix_people_workspace_id_organisation_id", ["workspace_id", "organisation_id"]
        )

"""What an interview read selects: the interview's columns and, for `?expand=`, its person and
organisation LEFT JOINed into the same row (the statement count stays constant whatever the
page size), their columns labelled with a prefix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, select

from app.core.errors import FieldError, ValidationFailed
from app.core.stored_documents import DOCUMENT_COLUMNS, DocumentColumns, StoredDocuments
from app.interviews.models import interviews
from app.organisations.models import organisations
from app.organisations.service import ORGANISATION_DOCUMENTS
from app.people.models import people
from app.people.representation import PERSON_DOCUMENTS

EXPANDABLE = ("person", "organisation")

PERSON = "person__"
ORGANISATION = "organisation__"
# What `Interview` shows (search_text, the longest column, only serves `?q=`; the stored
# document is read by lists only).
INTERVIEW_COLUMNS = [c for c in interviews.c if c.key not in ("search_text", *DOCUMENT_COLUMNS)]


# The expanded objects come as their stored JSON (`doc`, app.core.rows) and their columns only
# where none comes; their ids always (NULL tells a LEFT JOIN that found nothing).
def _embedded(documents: StoredDocuments, prefix: str, hidden: tuple[str, ...]) -> DocumentColumns:
    shown = [c for c in documents.row_columns if c.key not in hidden]
    return documents.select_lists(shown, ("id",), prefix)


_EMBEDDED = {
    "person": _embedded(PERSON_DOCUMENTS, PERSON, ("search_text",)),
    "organisation": _embedded(ORGANISATION_DOCUMENTS, ORGANISATION, ("search_text", "name_key")),
}


def parse_expand(value: str | None) -> frozenset[str]:
    """`?expand=person,organisation`: the related objects to embed, each named once, exactly
    (the document's array of `EXPANDABLE`); anything else is a 422."""
    if not value:
        return frozenset()
    wanted = value.split(",")
    unknown = [part for part in dict.fromkeys(wanted) if part not in EXPANDABLE]
    if unknown or len(set(wanted)) < len(wanted):
        named = f"Cannot expand {', '.join(f'`{u}`' for u in unknown)}." if unknown else ""
        raise ValidationFailed(
            named or "Name each object to expand once.",
            errors=[
                FieldError(
                    parameter="expand",
                    detail=f"Allowed: {', '.join(EXPANDABLE)}, each once, comma-separated.",
                    code="invalid_expand",
                )
            ],
        )
    return frozenset(wanted)


def select_interviews(
    expand: frozenset[str],
    columns: Sequence[ColumnElement[Any]] = INTERVIEW_COLUMNS,
    *,
    documents: bool = False,
) -> Select[Any]:
    """`columns` of the workspace's interviews (bind parameter `workspace_id`), with the
    expanded objects' columns: only their stored documents and ids when `documents` (see
    `app.core.stored_documents.document_rows`)."""
    workspace_id: Any = bindparam("workspace_id")
    stmt = select(*columns)
    source: Any = interviews
    embedded = {name: lists[0] if documents else lists[1] for name, lists in _EMBEDDED.items()}
    if "person" in expand:
        stmt = stmt.add_columns(*embedded["person"])
        source = source.outerjoin(
            people,
            and_(people.c.id == interviews.c.person_id, people.c.workspace_id == workspace_id),
        )
    if "organisation" in expand:
        stmt = stmt.add_columns(*embedded["organisation"])
        source = source.outerjoin(
            organisations,
            and_(
                organisations.c.id == interviews.c.organisation_id,
                organisations.c.workspace_id == workspace_id,
            ),
        )
    return stmt.select_from(source).where(interviews.c.workspace_id == workspace_id)

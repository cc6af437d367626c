"""Creating, listing and revoking a workspace's API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from app.api_keys.models import api_keys
from app.api_keys.schemas import ApiKey, ApiKeyCreated
from app.auth.caller import API_KEY_PREFIX
from app.auth.scopes import Scope
from app.core import ids
from app.core.db import Db, Row, utcnow
from app.core.errors import FieldError, NotFound, ValidationFailed
from app.core.pagination import Page, SortOrder, page_of
from app.core.security import digest, new_token

_NO_KEY = "No API key has that id in this workspace."
KEY_ORDER = SortOrder("id", (api_keys.c.id,))
_public_columns = [c for c in api_keys.c if c.key != "secret_hash"]
_key = select(*_public_columns).where(
    api_keys.c.workspace_id == bindparam("workspace_id"), api_keys.c.id == bindparam("key_id")
)


async def create_key(
    db: Db,
    *,
    workspace_id: str,
    created_by: str | None,
    name: str,
    scopes: list[Scope],
    expires_at: datetime | None,
) -> ApiKeyCreated:
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed(
            "The expiry must be in the future.",
            errors=[
                FieldError(
                    pointer="/expires_at", detail="Must be in the future.", code="in_the_past"
                )
            ],
        )
    secret = new_token(API_KEY_PREFIX)
    row = await db.one(
        insert(api_keys)
        .values(
            id=ids.new_id("key"),
            workspace_id=workspace_id,
            name=name,
            prefix=secret[: len(API_KEY_PREFIX) + 4],
            last_four=secret[-4:],
            secret_hash=digest(secret),
            scopes=[s.value for s in scopes],
            created_by=created_by,
            created_at=now,
            updated_at=now,
            expires_at=expires_at,
        )
        .returning(*_public_columns)
    )
    return ApiKeyCreated.model_validate({**row, "secret": secret})


async def _load(db: Db, workspace_id: str, key_id: str) -> Row:
    if not ids.is_valid(key_id, "key"):
        raise NotFound(_NO_KEY)
    return await db.one(_key, {"workspace_id": workspace_id, "key_id": key_id}, missing=_NO_KEY)


async def get_key(db: Db, *, workspace_id: str, key_id: str) -> ApiKey:
    return ApiKey.model_validate(await _load(db, workspace_id, key_id))


async def list_keys(
    db: Db, *, workspace_id: str, cursor: str | None, limit: int
) -> tuple[list[ApiKey], Page]:
    stmt = select(*_public_columns).where(api_keys.c.workspace_id == workspace_id)
    page = page_of(await db.all(KEY_ORDER.apply(stmt, cursor, limit)), KEY_ORDER, limit)
    return [ApiKey.model_validate(r) for r in page.rows], page


async def revoke_key(db: Db, *, workspace_id: str, key_id: str) -> ApiKey:
    """Revoke at once; revoking a revoked key changes nothing."""
    row = await _load(db, workspace_id, key_id)
    if row["revoked_at"] is None:
        now = utcnow()
        row = await db.one(
            update(api_keys)
            .where(api_keys.c.id == key_id)
            .values(revoked_at=now, updated_at=now)
            .returning(*_public_columns)
        )
    return ApiKey.model_validate(row)

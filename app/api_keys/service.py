"""Creating, listing and revoking a workspace's API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from app.api_keys.models import api_keys
from app.api_keys.schemas import ApiKey, ApiKeyCreated
from app.auth.caller import API_KEY_PREFIX
from app.auth.scopes import Scope
from app.core.db import Db, utcnow
from app.core.errors import FieldError, ValidationFailed
from app.core.inserts import new_row
from app.core.lookups import InWorkspace
from app.core.pagination import Page, SortOrder, fetch_page
from app.core.security import digest, new_token

KEY_ORDER = SortOrder("id", (api_keys.c.id,))
_public_columns = [c for c in api_keys.c if c.key != "secret_hash"]
_key = InWorkspace(
    "key", select(*_public_columns), api_keys, "No API key has that id in this workspace."
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
    key = new_row(
        "key",
        now=now,
        workspace_id=workspace_id,
        name=name,
        last_four=secret[-4:],
        secret_hash=digest(secret),
        scopes=[s.value for s in scopes],
        created_by=created_by,
        expires_at=expires_at,
        prefix=secret[: len(API_KEY_PREFIX) + 4],
    )
    row = await db.one(insert(api_keys).values(key).returning(*_public_columns))
    return ApiKeyCreated.model_validate({**row, "secret": secret})


async def get_key(db: Db, *, workspace_id: str, key_id: str) -> ApiKey:
    return ApiKey.model_validate(await _key.load(db, workspace_id, key_id))


async def list_keys(
    db: Db, *, workspace_id: str, cursor: str | None, limit: int
) -> tuple[list[ApiKey], Page]:
    stmt = select(*_public_columns).where(api_keys.c.workspace_id == workspace_id)
    page = await fetch_page(db, stmt, KEY_ORDER, cursor, limit)
    return [ApiKey.model_validate(r) for r in page.rows], page


async def revoke_key(db: Db, *, workspace_id: str, key_id: str) -> ApiKey:
    """Revoke at once; revoking a revoked key changes nothing."""
    row = await _key.load(db, workspace_id, key_id)
    if row["revoked_at"] is None:
        now = utcnow()
        row = await db.one(
            update(api_keys)
            .where(api_keys.c.id == key_id)
            .values(revoked_at=now, updated_at=now)
            .returning(*_public_columns)
        )
    return ApiKey.model_validate(row)

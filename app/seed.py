"""`python -m app.seed`: load the demo account and workspace (idempotent); say how to log in."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from app import demo
from app.auth import service as auth
from app.auth.models import users
from app.core.db import Database
from app.core.security import Passwords
from app.core.settings import Settings, get_settings
from app.documents import store_missing

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "rapport-demo-password"
DEMO_NAME = "Demo Seeker"
DEMO_WORKSPACE = "Demo: exploring a move into UX research"


async def seed(settings: Settings) -> bool:
    """Create the demo user (and personal workspace) unless it exists; True when created."""
    database = Database(settings.database_url, pool_size=2)
    await database.connect()
    try:
        async with database.transaction() as db:
            if await db.first(select(users.c.id).where(users.c.email_key == DEMO_EMAIL)):
                return False
            passwords = Passwords(
                time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
            )
            tokens = auth.TokenPolicy(settings.signing_key(), 60, 3_600)
            _, workspace, _ = await auth.signup(
                db,
                passwords=passwords,
                tokens=tokens,
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                name=DEMO_NAME,
                workspace_name=DEMO_WORKSPACE,
            )
            await demo.load(db, workspace.id)
        # The demo rows were written directly: give them the JSON documents their services
        # would have stored (app.documents).
        await store_missing(database)
        return True
    finally:
        await database.close()


def main() -> None:
    settings = get_settings()
    created = asyncio.run(seed(settings))
    print("Demo data " + ("loaded." if created else "already present."))
    print(
        "Log in at http://127.0.0.1:8000/docs -> Authorize, with\n"
        f"  username: {DEMO_EMAIL}\n  password: {DEMO_PASSWORD}"
    )


if __name__ == "__main__":
    main()

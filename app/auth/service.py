"""The auth services the router and scripts call, by the names they know: sign-up and the
password grant (app/auth/accounts.py), and the sessions they open, refreshed, revoked and
ended (app/auth/sessions.py)."""

from __future__ import annotations

from app.auth.accounts import change_password, client_signup, me, password_grant, signup
from app.auth.sessions import SessionsEnded, TokenPolicy, end_sessions, refresh_grant, revoke

__all__ = [
    "SessionsEnded",
    "TokenPolicy",
    "change_password",
    "client_signup",
    "end_sessions",
    "me",
    "password_grant",
    "refresh_grant",
    "revoke",
    "signup",
]

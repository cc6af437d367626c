"""The ASGI application: `app.main:app`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.activity.router import router as activity_router
from app.api_keys.router import router as api_keys_router
from app.auth.caller import CallerCache
from app.auth.dependencies import SECURITY_SCHEMES, check_routes
from app.auth.router import router as auth_router
from app.auth.service import TokenPolicy
from app.auth.throttle import ThrottlePolicy
from app.core.db import Database, pool_options
from app.core.dependencies import AppState
from app.core.errors import install_error_handlers
from app.core.health import router as health_router
from app.core.logging import configure_logging
from app.core.metrics import Metrics
from app.core.middleware import RequestContextMiddleware
from app.core.openapi import install_openapi
from app.core.rate_limits import ADDRESS, API_KEY, USER, RateLimits
from app.core.routing import RouteTable
from app.core.security import Passwords
from app.core.settings import Settings, get_settings
from app.follow_ups.router import router as follow_ups_router
from app.home.router import router as home_router
from app.idempotency.http import install as install_idempotency
from app.idempotency.service import keep_purging
from app.interviews.readiness import router as readiness_router
from app.interviews.router import router as interviews_router
from app.leads.router import router as leads_router
from app.organisations.router import router as organisations_router
from app.outreach.router import router as outreach_router
from app.people.router import router as people_router
from app.questions.lint import router as lint_router
from app.questions.router import router as questions_router
from app.referrals.router import router as referrals_router
from app.stats.router import router as stats_router
from app.templates.router import router as templates_router
from app.workspaces.me_router import router as me_workspaces_router
from app.workspaces.router import router as workspaces_router

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

DESCRIPTION = """\
Rapport is the system of record for informational interviews: the people a job seeker talks to,
their organisations, the conversations, questions, follow-ups and referrals.

Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`.
Lists are cursor-paginated. See `docs/api.md` in the repository for the full contract.
"""

TAGS = [
    {"name": "auth", "description": "Sign-up and OAuth2 tokens."},
    {"name": "me", "description": "The calling user."},
    {"name": "workspaces", "description": "Workspaces: one seeker's records."},
    {"name": "members", "description": "Who belongs to a workspace, with which role."},
    {"name": "invitations", "description": "Membership offered by an owner, until accepted."},
    {"name": "api-keys", "description": "Credentials for integrations."},
    {"name": "people", "description": "Contacts: who the seeker reaches, and who referred whom."},
    {"name": "organisations", "description": "Organisations and the seeker's target list."},
    {"name": "question-banks", "description": "Question banks and their ordered questions."},
    {"name": "interviews", "description": "Interview sessions: lifecycle, agenda and outcome."},
    {"name": "outreach", "description": "Every attempt to reach a person, and its answer."},
    {"name": "templates", "description": "Message templates with placeholders, rendered safely."},
    {"name": "follow-ups", "description": "Tasks the practice creates, and today's home screen."},
    {"name": "referrals", "description": "Names interviewees gave: the referral tree and network."},
    {"name": "leads", "description": "Opportunities heard of in conversations."},
    {"name": "activity", "description": "Everything that happened with a person, newest first."},
    {"name": "stats", "description": "The seeker's funnel and progress."},
    {"name": "health", "description": "Probes for load balancers."},
]


# The project's routers, in the order their routes are tried. Health first: probes are
# frequent and should not walk the API's routes.
ROUTERS = (
    health_router,
    auth_router,
    workspaces_router,
    me_workspaces_router,
    api_keys_router,
    people_router,
    organisations_router,
    questions_router,
    interviews_router,
    readiness_router,
    lint_router,
    outreach_router,
    templates_router,
    follow_ups_router,
    home_router,
    referrals_router,
    leads_router,
    activity_router,
    stats_router,
)


def schema_head() -> str:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("The migrations have no head revision.")
    return head


def _settle_garbage_collector() -> None:
    """Once started, move everything loaded so far (modules, models, routes: about 170,000
    objects) out of the cyclic collector's reach, and let the youngest generation fill ten
    times as far before a collection. A request frees what it allocates by reference counting;
    the collector's full passes over the start-up objects took 70 ms every second or so under
    load (the p99), and its young-generation passes 3 % of the time (issue 11)."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, 7000), middle, old)


def _rebuild_openapi_on_new_routes(app: FastAPI) -> None:
    """Build the OpenAPI document again once routes were added since its last build, as
    FastAPI's own `openapi()` does (by its routers' change counter): a route included after
    the first request for /openapi.json is documented too. An `app.openapi_schema` set by hand
    is kept until the routes change."""
    build = app.openapi
    built_for = app.router._get_routes_version()

    def openapi() -> dict[str, Any]:
        nonlocal built_for
        version = app.router._get_routes_version()
        if version != built_for:
            app.openapi_schema = None
            built_for = version
        return build()

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            options=pool_options(settings),
        )
        await database.connect()
        app.state.database = database
        metrics.watch(database)
        purging = asyncio.create_task(keep_purging(database))
        _settle_garbage_collector()
        try:
            yield
        finally:
            purging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purging
            await metrics.close()  # before the pool closes: its last figures are copied
            await database.close()

    # Without public docs, /docs, /redoc and /openapi.json are unknown paths (404); the
    # document is still built (`make openapi`).
    application: Callable[..., FastAPI] = FastAPIOffline
    if not settings.public_docs:
        application = partial(FastAPI, docs_url=None, redoc_url=None, openapi_url=None)
    app = application(
        title="Rapport API",
        version=VERSION,
        description=DESCRIPTION,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        openapi_tags=TAGS,
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    app.state = AppState()
    app.state.settings = settings
    metrics = app.state.metrics = Metrics()
    app.state.signing_key = settings.signing_key()
    app.state.schema_head = schema_head()
    app.state.caller_cache = CallerCache(settings.auth_cache_seconds)
    app.state.passwords = Passwords(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        concurrency=settings.password_hash_concurrency,
    )
    app.state.token_policy = TokenPolicy(
        signing_key=app.state.signing_key,
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        refresh_grace_seconds=settings.refresh_grace_seconds,
    )
    app.state.throttle_policy = ThrottlePolicy(
        window_seconds=settings.login_window_seconds,
        max_per_account_address=settings.login_max_failures_per_account_address,
        max_per_account=settings.login_max_failures_per_account,
        max_per_address=settings.login_max_failures_per_address,
        signup_window_seconds=settings.signup_window_seconds,
        signup_max_per_address=settings.signup_max_per_address,
    )
    install_error_handlers(app)
    install_idempotency(app, app.state.signing_key)
    app.state.rate_limits = RateLimits(
        settings.rate_limit_storage,
        {
            API_KEY: settings.rate_limit_api_key,
            USER: settings.rate_limit_user,
            ADDRESS: settings.rate_limit_address,
        },
    )
    # One table of the routes themselves, tried first: `include_router` would add FastAPI
    # 0.165's lazy matching layer per router (0.6 ms on the last routers), and Starlette's
    # router tries routes one by one (issue 11). FastAPI's docs routes stay behind it, and so
    # do routes added later the ordinary way (`app.include_router`, `@app.get`): FastAPI's
    # router and handler serve those, without the start-up check below (docs/architecture.md).
    routes = [r for router in ROUTERS for r in router.routes]
    check_routes(routes)  # no route may show data its scopes do not cover
    app.router.routes.insert(0, RouteTable(routes))
    # The app's own router too, so that the document shows the routes added to it later.
    install_openapi(app, (*ROUTERS, app.router), SECURITY_SCHEMES)
    _rebuild_openapi_on_new_routes(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Idempotent-Replayed",
                "Link",
                "Location",
                "RateLimit",
                "RateLimit-Policy",
                "Retry-After",
                "X-Request-ID",
            ],
        )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        metrics=metrics,
        rate_limits=app.state.rate_limits,
    )
    if settings.trusted_proxies:
        # The app decides whom to believe, however it is served (uvicorn runs with
        # --no-proxy-headers): the client address the login throttle counts is the socket's
        # peer unless that peer is one of the configured proxies.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


app = create_app()

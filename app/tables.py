"""Imports every domain's models so that `metadata` knows the whole schema (for Alembic)."""

from app.api_keys import models as api_keys_models
from app.auth import models as auth_models
from app.core.db import metadata
from app.follow_ups import models as follow_ups_models
from app.idempotency import models as idempotency_models
from app.interviews import models as interviews_models
from app.leads import models as leads_models
from app.organisations import models as organisations_models
from app.outreach import models as outreach_models
from app.people import models as people_models
from app.questions import models as questions_models
from app.referrals import models as referrals_models
from app.templates import models as templates_models
from app.workspaces import models as workspaces_models

__all__ = [
    "api_keys_models",
    "auth_models",
    "follow_ups_models",
    "idempotency_models",
    "interviews_models",
    "leads_models",
    "metadata",
    "organisations_models",
    "outreach_models",
    "people_models",
    "questions_models",
    "referrals_models",
    "templates_models",
    "workspaces_models",
]

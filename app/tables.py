"""Imports every domain's models so that `metadata` knows the whole schema (for Alembic)."""

from app.api_keys import models as api_keys_models
from app.auth import models as auth_models
from app.core.db import metadata
from app.workspaces import models as workspaces_models

__all__ = ["api_keys_models", "auth_models", "metadata", "workspaces_models"]

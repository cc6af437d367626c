"""`app.state` (AppState): values read as plain attributes, set and deleted as on Starlette's."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.dependencies import AppState


def test_values_are_attributes_and_items() -> None:
    state = AppState()
    state.database = "db"
    assert state.database == "db"
    assert state["database"] == "db"
    assert vars(state)["database"] == "db", "read without Starlette's __getattr__"
    state.database = "other"
    assert state.database == "other"
    assert state["database"] == "other"
    del state.database
    with pytest.raises(AttributeError):
        _ = state.database
    with pytest.raises(KeyError):
        _ = state["database"]


def test_the_app_uses_it(app: Any) -> None:
    assert isinstance(app.state, AppState)
    assert vars(app.state)["database"] is app.state.database

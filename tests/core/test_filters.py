"""The shared time-range check of list filters (`*_after` must not be later than `*_before`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import ValidationFailed
from app.core.filters import check_range

NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "before"),
    [(None, None), (NOON, None), (None, NOON), (NOON, NOON), (NOON, NOON + timedelta(seconds=1))],
)
def test_an_open_empty_or_ordered_range_passes(
    after: datetime | None, before: datetime | None
) -> None:
    check_range("due", after, before)


@pytest.mark.parametrize("prefix", ["scheduled", "sent", "due"])
def test_after_later_than_before_is_a_422_on_the_after_parameter(prefix: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_range(prefix, NOON + timedelta(microseconds=1), NOON)
    error = raised.value
    assert (error.status, error.code) == (422, "validation_failed")
    assert error.detail == f"`{prefix}_after` is later than `{prefix}_before`."
    assert error.errors is not None
    assert [e.model_dump() for e in error.errors] == [
        {
            "pointer": None,
            "parameter": f"{prefix}_after",
            "detail": f"Must not be later than `{prefix}_before`.",
            "code": "invalid_range",
        }
    ]

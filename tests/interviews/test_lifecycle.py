"""The transition table on its own: pure functions, no database."""

from __future__ import annotations

import pytest

from app.interviews.lifecycle import (
    FINAL_STATUSES,
    InterviewAction,
    InterviewStatus,
    InvalidTransition,
    allowed_actions,
    next_status,
)

A, S = InterviewAction, InterviewStatus

EXPECTED = {
    (S.planned, A.request): S.requested,
    (S.planned, A.schedule): S.scheduled,
    (S.requested, A.schedule): S.scheduled,
    (S.scheduled, A.reschedule): S.scheduled,
    (S.scheduled, A.complete): S.completed,
    (S.planned, A.decline): S.declined,
    (S.requested, A.decline): S.declined,
    (S.planned, A.cancel): S.cancelled,
    (S.requested, A.cancel): S.cancelled,
    (S.scheduled, A.cancel): S.cancelled,
    (S.scheduled, A.no_show): S.no_show,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_follows_the_table(status: S, action: A) -> None:
    expected = EXPECTED.get((status, action))
    if expected is not None:
        assert next_status(status, action) == expected
        assert action in allowed_actions(status)
        return
    with pytest.raises(InvalidTransition) as raised:
        next_status(status, action)
    error = raised.value
    assert error.status == 409
    assert error.code == "invalid_transition"
    assert error.extensions["allowed_actions"] == [a.value for a in allowed_actions(status)]
    assert error.extensions["current_status"] == status.value
    assert action not in allowed_actions(status)


def test_final_statuses_allow_nothing() -> None:
    assert {S.completed, S.declined, S.cancelled, S.no_show} == FINAL_STATUSES
    for status in FINAL_STATUSES:
        assert allowed_actions(status) == []


def test_allowed_actions_per_open_status() -> None:
    assert allowed_actions(S.planned) == [A.request, A.schedule, A.decline, A.cancel]
    assert allowed_actions(S.requested) == [A.schedule, A.decline, A.cancel]
    assert allowed_actions(S.scheduled) == [A.reschedule, A.complete, A.cancel, A.no_show]

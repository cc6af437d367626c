"""The shared state machine: its table, its allowed actions and its 409, for all three families."""

from __future__ import annotations

from enum import StrEnum

import pytest

from app.core.transitions import InvalidTransition, StateMachine
from app.follow_ups import service as follow_ups_service
from app.follow_ups.schemas import FollowUpAction, FollowUpStatus
from app.interviews import lifecycle
from app.interviews.lifecycle import InterviewAction, InterviewStatus
from app.outreach import service as outreach_service
from app.outreach.schemas import OutreachAction, OutreachStatus


class Light(StrEnum):
    off = "off"
    on = "on"
    broken = "broken"


class Flip(StrEnum):
    switch_on = "switch_on"
    switch_off = "switch_off"
    smash = "smash"


LAMP = StateMachine(
    "a lamp",
    {
        Flip.switch_on: (frozenset({Light.off}), Light.on),
        Flip.switch_off: (frozenset({Light.on}), Light.off),
        Flip.smash: (frozenset({Light.off, Light.on}), Light.broken),
    },
)


def test_next_status_follows_the_table() -> None:
    assert LAMP.next_status(Light.off, Flip.switch_on) == Light.on
    assert LAMP.next_status(Light.on, Flip.switch_off) == Light.off
    assert LAMP.next_status(Light.on, Flip.smash) == Light.broken


def test_allowed_actions_keep_the_table_order() -> None:
    assert LAMP.allowed_actions(Light.off) == [Flip.switch_on, Flip.smash]
    assert LAMP.allowed_actions(Light.on) == [Flip.switch_off, Flip.smash]
    assert LAMP.allowed_actions(Light.broken) == []


def test_an_action_the_status_refuses_is_a_409_listing_the_allowed_ones() -> None:
    with pytest.raises(InvalidTransition) as raised:
        LAMP.next_status(Light.on, Flip.switch_on)
    error = raised.value
    assert (error.status, error.code) == (409, "invalid_transition")
    assert error.detail == (
        "Cannot `switch_on` a lamp that is `on`; allowed: `switch_off`, `smash`."
    )
    assert error.extensions == {"current_status": "on", "allowed_actions": ["switch_off", "smash"]}


def test_a_final_status_says_so() -> None:
    with pytest.raises(InvalidTransition) as raised:
        LAMP.next_status(Light.broken, Flip.switch_on)
    assert raised.value.detail == (
        "Cannot `switch_on` a lamp that is `broken`; allowed: none (the status is final)."
    )
    assert raised.value.extensions == {"current_status": "broken", "allowed_actions": []}


# The detail each family gave before they shared the helper, word for word.
@pytest.mark.parametrize(
    ("machine", "status", "action", "detail"),
    [
        (
            lifecycle.MACHINE,
            InterviewStatus.scheduled,
            InterviewAction.request,
            "Cannot `request` an interview that is `scheduled`; allowed: `reschedule`, "
            "`complete`, `cancel`, `no_show`.",
        ),
        (
            lifecycle.MACHINE,
            InterviewStatus.completed,
            InterviewAction.cancel,
            "Cannot `cancel` an interview that is `completed`; allowed: none (the status is "
            "final).",
        ),
        (
            outreach_service.MACHINE,
            OutreachStatus.draft,
            OutreachAction.accept,
            "Cannot `accept` an outreach that is `draft`; allowed: `send`.",
        ),
        (
            outreach_service.MACHINE,
            OutreachStatus.accepted,
            OutreachAction.send,
            "Cannot `send` an outreach that is `accepted`; allowed: none (the status is final).",
        ),
        (
            follow_ups_service.MACHINE,
            FollowUpStatus.done,
            FollowUpAction.snooze,
            "Cannot `snooze` a follow-up that is `done`; allowed: `reopen`.",
        ),
    ],
)
def test_each_family_keeps_its_detail(
    machine: StateMachine[StrEnum, StrEnum], status: StrEnum, action: StrEnum, detail: str
) -> None:
    with pytest.raises(InvalidTransition) as raised:
        machine.next_status(status, action)
    assert raised.value.detail == detail
    assert raised.value.extensions["current_status"] == status.value
    assert raised.value.extensions["allowed_actions"] == [
        a.value for a in machine.allowed_actions(status)
    ]


def test_no_follow_up_status_is_final() -> None:
    # The follow-ups' detail never had the "final" wording: every status accepts an action.
    for status in FollowUpStatus:
        assert follow_ups_service.allowed_actions(status)

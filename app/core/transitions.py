"""A resource's state machine: which action leads from which statuses to which, and its 409."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum
from typing import Generic, TypeVar

from app.core.errors import Conflict

StatusT = TypeVar("StatusT", bound=StrEnum)
ActionT = TypeVar("ActionT", bound=StrEnum)


class InvalidTransition(Conflict):
    """The action does not apply to the record's current status."""

    code = "invalid_transition"

    def __init__(
        self, noun: str, status: StrEnum, action: StrEnum, allowed: Sequence[StrEnum]
    ) -> None:
        listed = ", ".join(f"`{a.value}`" for a in allowed) or "none (the status is final)"
        super().__init__(
            f"Cannot `{action.value}` {noun} that is `{status.value}`; allowed: {listed}.",
            current_status=status.value,
            allowed_actions=[a.value for a in allowed],
        )


class StateMachine(Generic[StatusT, ActionT]):
    """A transition table: each action with the statuses it applies to and the one it leads to.

    `noun` names one record with its article ("an interview") in the 409's detail.
    """

    def __init__(
        self, noun: str, table: Mapping[ActionT, tuple[Collection[StatusT], StatusT]]
    ) -> None:
        self.noun = noun
        self.table = {action: (frozenset(sources), to) for action, (sources, to) in table.items()}

    def allowed_actions(self, status: StatusT) -> list[ActionT]:
        """The actions a record in `status` accepts, in the table's order."""
        return [action for action, (sources, _) in self.table.items() if status in sources]

    def next_status(self, status: StatusT, action: ActionT) -> StatusT:
        """The status `action` leads to from `status`, or `InvalidTransition`."""
        sources, target = self.table[action]
        if status not in sources:
            raise InvalidTransition(self.noun, status, action, self.allowed_actions(status))
        return target

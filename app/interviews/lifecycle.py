"""The interview lifecycle: which action moves an interview from which status to which.

Transition table (an action on any other status is a 409 `invalid_transition`):

| action       | from                              | to          |
|--------------|-----------------------------------|-------------|
| `request`    | planned                           | requested   |
| `schedule`   | planned, requested                | scheduled   |
| `reschedule` | scheduled                         | scheduled   |
| `complete`   | scheduled                         | completed   |
| `decline`    | planned, requested                | declined    |
| `cancel`     | planned, requested, scheduled     | cancelled   |
| `no_show`    | scheduled                         | no_show     |

`schedule` is allowed straight from `planned` because the person sometimes says "now is good"
and the interview is agreed on the spot, with no separate request. `completed`, `declined`,
`cancelled` and `no_show` are final: no action leaves them.
"""

from __future__ import annotations

from enum import StrEnum

from app.core.transitions import InvalidTransition as InvalidTransition
from app.core.transitions import StateMachine


class InterviewStatus(StrEnum):
    """Where an interview is in its lifecycle; changed only by the action endpoints."""

    planned = "planned"
    requested = "requested"
    scheduled = "scheduled"
    completed = "completed"
    declined = "declined"
    cancelled = "cancelled"
    no_show = "no_show"


class InterviewAction(StrEnum):
    """An action on an interview; `no_show` is the `/no-show` endpoint."""

    request = "request"
    schedule = "schedule"
    reschedule = "reschedule"
    complete = "complete"
    cancel = "cancel"
    decline = "decline"
    no_show = "no_show"


S = InterviewStatus
MACHINE = StateMachine(
    "an interview",
    {
        InterviewAction.request: ({S.planned}, S.requested),
        InterviewAction.schedule: ({S.planned, S.requested}, S.scheduled),
        InterviewAction.reschedule: ({S.scheduled}, S.scheduled),
        InterviewAction.complete: ({S.scheduled}, S.completed),
        InterviewAction.decline: ({S.planned, S.requested}, S.declined),
        InterviewAction.cancel: ({S.planned, S.requested, S.scheduled}, S.cancelled),
        InterviewAction.no_show: ({S.scheduled}, S.no_show),
    },
)
allowed_actions = MACHINE.allowed_actions
next_status = MACHINE.next_status

FINAL_STATUSES = frozenset({S.completed, S.declined, S.cancelled, S.no_show})

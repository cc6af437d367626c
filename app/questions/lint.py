"""Question quality rules, and `GET …/question-banks/{bank_id}/lint`.

The rules are small English-language heuristics, applied to a question's text when it is read
(warnings are never stored): a question that asks for a job, a yes/no question, a leading one,
one the organisation's website already answers, several questions in one, a very long one.
They advise; they never refuse a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select
from starlette.responses import Response

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import ids
from app.core.db import Db
from app.core.dependencies import ReadDb
from app.core.errors import NotFound
from app.core.responses import item_response
from app.core.routing import CheckedRoute
from app.questions.models import question_banks, questions

MAX_LENGTH = 200  # characters: a question that long is hard to follow when spoken


class QuestionLintRule(StrEnum):
    """The id of a question quality rule (see docs: "Question quality")."""

    asks_for_job = "asks_for_job"
    closed_question = "closed_question"
    leading_question = "leading_question"
    answerable_from_website = "answerable_from_website"
    multiple_questions = "multiple_questions"
    too_long = "too_long"


class QuestionWarning(BaseModel):
    """Advice about a question's wording; it never stops the question being saved."""

    rule_id: QuestionLintRule = Field(description="The rule that matched; stable.")
    message: str = Field(
        description="What is wrong and how to fix it, in English.",
        examples=["A yes/no question is a dead end: ask what, how or why instead."],
    )


# --- the rules ----------------------------------------------------------------------------------


def _found(patterns: list[re.Pattern[str]], advice: str) -> Callable[[str], str | None]:
    """A rule giving `advice` when one of `patterns` occurs in the text."""

    def check(text: str) -> str | None:
        return advice if any(p.search(text) for p in patterns) else None

    return check


def _asked(test: Callable[[str], bool], advice: str) -> Callable[[str], str | None]:
    """A rule giving `advice` when one of the text's questions passes `test`."""

    def check(text: str) -> str | None:
        return advice if any(test(s) for s in _question_sentences(text)) else None

    return check


_ORG = (
    r"(?:company|organi[sz]ation|firm|business|employer|agency|start-?up|charity|corporation|"
    r"enterprise|institution|studio|brand)"
)
_OPENING = r"(?:jobs?|positions?|roles?|openings?|vacanc(?:y|ies)|internships?|placements?|posts?)"

_JOB_REQUEST = [
    re.compile(p)
    for p in (
        r"\b(?:are|is)\s+(?:you|they|your\s+\w+|the\s+\w+)\s+(?:currently\s+|still\s+)?hiring\b",
        r"\b(?:you|they|your\s+\w+)\s+(?:are|is)\s+(?:currently\s+|still\s+)?hiring\b",
        r"\b(?:hire|employ|recruit|take\s+on|interview)\s+me\b",
        rf"\b(?:refer|recommend|put)\s+me\s+(?:forward\s+)?(?:for|to)\s+(?:\w+\s+){{0,2}}{_OPENING}",
        rf"\b(?:give|offer|get|find)\s+me\s+(?:a|an)\s+(?:\w+\s+)?(?:{_OPENING}|interview)\b",
        rf"\b(?:any|open|available)\s+{_OPENING}(?!\s+titles?\b)",
        rf"\b(?:you|your\s+\w+)\s+(?:offer|have|has)\s+(?:any\s+)?{_OPENING}(?!\s+titles?\b)",
        rf"\b{_OPENING}\s+for\s+me\b",
        r"\b(?:can|could|may|should|shall)\s+i\s+apply\b",
        r"\b(?:get|land|secure|arrange)\s+(?:a|an)\s+(?!informational\b)(?:\w+\s+)?interview\b",
        r"\b(?:a|an|the)\s+(?:job|position|internship)\s+(?:interview|offer)\b",
        r"\b(?:pass|forward|send|hand)\s+(?:on\s+)?my\s+(?:cv|r[eé]sum[eé])\b",
    )
]

_asks_for_job = _found(
    _JOB_REQUEST,
    "It asks for a job, a position or an interview. An informational interview is research, "
    "never a request for a job: ask about the work instead.",
)

# Yes/no questions open with an auxiliary verb. Some requests for a story open the same way
# ("could you tell me…", "would you describe…") but are open in substance.
_AUXILIARY = re.compile(
    r"^(?:do|does|did|is|are|was|were|am|can|could|will|would|shall|should|have|has|had|may|"
    r"might|must|don't|doesn't|didn't|isn't|aren't|wasn't|weren't|can't|couldn't|won't|"
    r"wouldn't|shouldn't|haven't|hasn't|hadn't)\b"
)
_OPEN_WORD = re.compile(r"\b(?:what|how|why|which|where|when|who|whom|whose)\b")
_INVITATION = re.compile(
    r"^(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell|describe|explain|walk|talk|share|"
    r"give|say\s+more|show|elaborate|expand|help\s+me\s+understand)\b"
)

_LEADING = [
    re.compile(p)
    for p in (
        r"^(?:don't|doesn't|isn't|aren't|wasn't|weren't|wouldn't|shouldn't|couldn't|can't|"
        r"won't|haven't|hasn't|didn't)\s+(?:you|it|they|we|that|this|there|he|she)\b",
        r"\b(?:wouldn't|don't)\s+you\s+(?:agree|say|think)\b",
        r"\bisn't\s+it\s+true\b",
        r"\bsurely\b",
        r",\s*(?:right|correct|isn't\s+it|don't\s+you|wouldn't\s+you|no)\s*\?\s*$",
    )
]

_ON_THE_WEBSITE = [
    re.compile(p)
    for p in (
        rf"\bwhat\s+(?:does|do|is)\s+(?:your|the|this)\s+{_ORG}\s+(?:do|make|sell|produce|offer|"
        r"provide)\b",
        rf"\bwhat\s+(?:products?|services?)\s+(?:does|do)\s+(?:your|the|this)\s+{_ORG}\b",
        rf"\bwhere\s+(?:is|are)\s+(?:your|the|this)\s+{_ORG}\s+(?:located|based|headquartered)\b",
        r"\bwhere\s+(?:is|are)\s+(?:your|the)\s+(?:\w+\s+)?(?:headquarters|head\s+office|hq)\b",
        rf"\bwhen\s+(?:was|did)\s+(?:your|the|this)\s+{_ORG}\s+(?:get\s+)?(?:founded|start|"
        r"started|established|created|set\s+up|begin)\b",
        rf"\bwho\s+(?:founded|started|owns)\s+(?:your|the|this)\s+{_ORG}\b",
        r"\bhow\s+many\s+(?:employees|staff|offices|locations|countries)\b",
        rf"\bhow\s+many\s+people\s+(?:work|are\s+employed)\s+(?:at|for|in)\s+(?:your|the|this)"
        rf"\s+{_ORG}\b",
        rf"\bhow\s+(?:big|large)\s+is\s+(?:your|the|this)\s+{_ORG}\b",
        rf"\bwhat\s+(?:is|are)\s+(?:your|the|this)\s+(?:{_ORG}(?:'s)?\s+)?(?:mission|vision|"
        r"mission\s+statement|core\s+values)\b",
        r"\bwho\s+(?:is|are)\s+(?:your|the)\s+(?:ceo|founders?|chief\s+executive)\b",
    )
]

_answerable_from_website = _found(
    _ON_THE_WEBSITE,
    "The organisation's website probably answers this; research it beforehand and ask about "
    "the person's own experience.",
)


def _normalise(text: str) -> str:
    """Lower case, typographic apostrophes straightened, runs of white space collapsed."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").lower().split())


def _question_sentences(text: str) -> list[str]:
    """Each sentence that ends with a question mark; the whole text when none does."""
    asked = [s.strip() for s in re.findall(r"[^.!?]*\?", text) if s.strip()]
    return asked or [text]


def _is_closed(sentence: str) -> bool:
    return bool(
        _AUXILIARY.match(sentence)
        and not _OPEN_WORD.search(sentence)
        and not _INVITATION.match(sentence)
    )


def _is_leading(sentence: str) -> bool:
    return any(p.search(sentence) for p in _LEADING)


_closed_question = _asked(
    _is_closed,
    "A yes/no question is a dead end: ask what, how or why, or invite a story "
    "(\u201cwhat was it like when…\u201d).",
)
_leading_question = _asked(
    _is_leading,
    "It suggests the answer you expect; ask neutrally so that you hear what the person really "
    "thinks.",
)


def _multiple_questions(text: str) -> str | None:
    count = text.count("?")
    if count > 1:
        return f"It holds {count} questions; ask one at a time so each gets a full answer."
    return None


def _too_long(text: str) -> str | None:
    if len(text) > MAX_LENGTH:
        return (
            f"It is {len(text)} characters long; keep a question under {MAX_LENGTH} so it is "
            "easy to follow when spoken."
        )
    return None


# In the order warnings are reported; each check receives the normalised text.
_RULES: tuple[tuple[QuestionLintRule, Callable[[str], str | None]], ...] = (
    (QuestionLintRule.asks_for_job, _asks_for_job),
    (QuestionLintRule.closed_question, _closed_question),
    (QuestionLintRule.leading_question, _leading_question),
    (QuestionLintRule.answerable_from_website, _answerable_from_website),
    (QuestionLintRule.multiple_questions, _multiple_questions),
    (QuestionLintRule.too_long, _too_long),
)


def lint_question(text: str) -> list[QuestionWarning]:
    """The warnings for a question's wording, in rule order (empty when it reads well)."""
    normalised = _normalise(text)
    warnings = []
    for rule_id, check in _RULES:
        # Length is measured on the text as written, not on the normalised form.
        message = check(text if rule_id is QuestionLintRule.too_long else normalised)
        if message is not None:
            warnings.append(QuestionWarning(rule_id=rule_id, message=message))
    return warnings


# --- GET …/question-banks/{bank_id}/lint -------------------------------------------------------


class QuestionLint(BaseModel):
    question_id: str = Field(description="The question (`qst_…`).")
    position: int = Field(ge=1, description="Its place in the bank.")
    text: str = Field(description="The question's text.")
    warnings: list[QuestionWarning] = Field(description="What the rules found; empty if none.")


class QuestionBankLint(BaseModel):
    """Every question of a bank, in position order, with its warnings."""

    object: Literal["question_bank_lint"] = "question_bank_lint"
    bank_id: str = Field(description="The bank (`qbk_…`).")
    questions: list[QuestionLint]
    warning_count: int = Field(ge=0, description="How many warnings the bank's questions have.")


router = APIRouter(route_class=CheckedRoute, tags=["question-banks"])

_NO_BANK = "No question bank has that id in this workspace."

BankId = Annotated[
    str,
    Path(
        description="The bank's id (`qbk_…`); the built-in bank's id works in every workspace.",
        examples=["qbk_01a212bf48d3776ea20c9845356de626"],
    ),
]


async def lint_bank(db: Db, *, workspace_id: str, bank_id: str) -> QuestionBankLint:
    """One statement: the bank (when the workspace can see it) joined to its questions."""
    if not ids.is_valid(bank_id, "qbk"):
        raise NotFound(_NO_BANK)
    rows = await db.all(
        select(questions.c.id, questions.c.position, questions.c.text)
        .select_from(question_banks)
        .outerjoin(questions, questions.c.bank_id == question_banks.c.id)
        .where(
            question_banks.c.id == bank_id,
            or_(
                question_banks.c.workspace_id == workspace_id,
                and_(question_banks.c.builtin.is_(True), question_banks.c.workspace_id.is_(None)),
            ),
        )
        .order_by(questions.c.position, questions.c.id)
    )
    if not rows:
        raise NotFound(_NO_BANK)
    linted = [
        QuestionLint(
            question_id=r["id"],
            position=r["position"],
            text=r["text"],
            warnings=lint_question(r["text"]),
        )
        for r in rows
        if r["id"] is not None  # an empty bank joins to one row of nulls
    ]
    return QuestionBankLint(
        bank_id=bank_id,
        questions=linted,
        warning_count=sum(len(q.warnings) for q in linted),
    )


@router.get(
    "/v1/workspaces/{workspace_id}/question-banks/{bank_id}/lint",
    operation_id="question_banks_lint",
    response_model=QuestionBankLint,
    summary="Check the wording of every question in a bank",
    description="Runs the question quality rules (closed, asks for a job, answerable from the "
    "website, several questions, too long, leading) on each question, in position order. "
    "Works for the built-in bank too.",
)
async def lint(
    request: Request,
    access: Annotated[WorkspaceAccess, workspace_scope("questions:read")],
    bank_id: BankId,
    db: ReadDb,
) -> Response:
    return item_response(
        request, await lint_bank(db, workspace_id=access.workspace_id, bank_id=bank_id)
    )

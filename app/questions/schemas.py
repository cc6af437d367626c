"""Question banks and questions: what clients send and receive."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, computed_field

from app.core.schemas import InputModel, JsonInt, ListPage, PatchModel, Resource, omittable
from app.questions.lint import QuestionWarning, lint_question


class QuestionCategory(StrEnum):
    """What a question is about, following the topics career advisers teach."""

    background = "background"
    typical_day = "typical_day"
    satisfaction = "satisfaction"
    challenges = "challenges"
    opportunities = "opportunities"
    getting_started = "getting_started"
    job_titles = "job_titles"
    employers = "employers"
    referrals = "referrals"
    follow_up = "follow_up"
    industry_trends = "industry_trends"
    advice = "advice"
    other = "other"


# Banks stay small enough to reorder in one request and to copy in one statement.
MAX_QUESTIONS_PER_BANK = 500

# A question's wording, in a bank or on an interview's agenda (which copies the bank's).
QuestionText = Annotated[str, Field(min_length=1, max_length=1000)]

BANK_NAME = "A short name for the bank."
BANK_DESCRIPTION = "What the bank is for: the field, the kind of person, the stage."
QUESTION_TEXT = "The question as you would ask it: open-ended, never a request for a job."
QUESTION_NOTES = "Your own notes: why to ask it, what to listen for, a follow-up probe."
WARNINGS = (
    "Advice about the wording from the question quality rules (closed, asks for a job, "
    "answerable from the website, several questions, too long, leading); computed when read, "
    "never stored, never blocking. Empty when the question reads well."
)
POSITION = "1-based place in the bank; positions are always 1..n with no gaps."


class QuestionBank(Resource):
    object: Literal["question_bank"] = "question_bank"
    workspace_id: str | None = Field(
        description="The owning workspace; null for the built-in bank, which every workspace "
        "can read and copy but not change."
    )
    builtin: bool = Field(description="True for the read-only built-in bank.")
    name: str = Field(description=BANK_NAME, examples=["Product design"])
    description: str | None = Field(description=BANK_DESCRIPTION)
    question_count: int = Field(ge=0, description="How many questions the bank holds.")


class Question(Resource):
    object: Literal["question"] = "question"
    bank_id: str = Field(description="The bank (`qbk_…`) the question belongs to.")
    text: str = Field(description=QUESTION_TEXT, examples=["How did you get into this field?"])
    category: QuestionCategory
    position: int = Field(ge=1, description=POSITION, examples=[1])
    notes: str | None = Field(description=QUESTION_NOTES)

    @computed_field(description=WARNINGS)  # type: ignore[prop-decorator]
    @property
    def warnings(self) -> list[QuestionWarning]:
        return lint_question(self.text)


class QuestionBankWithQuestions(QuestionBank):
    """A bank with every one of its questions, in position order."""

    questions: list[Question]


class QuestionBankCreate(InputModel):
    name: str = Field(min_length=1, max_length=200, description=BANK_NAME, examples=["UX research"])
    description: str | None = Field(
        default=None,
        max_length=2000,
        description=BANK_DESCRIPTION,
        examples=["Questions for researchers at product companies."],
    )


class QuestionBankUpdate(PatchModel):
    name: str = omittable(min_length=1, max_length=200, description=BANK_NAME)
    description: str | None = Field(default=None, max_length=2000, description=BANK_DESCRIPTION)


class QuestionBankCopy(InputModel):
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The copy's name; by default the original's.",
        examples=["My interview questions"],
    )


class QuestionBankList(ListPage[QuestionBank]):
    pass


class QuestionCreate(InputModel):
    text: QuestionText = Field(
        description=QUESTION_TEXT,
        examples=["What does a good week in this role look like for you?"],
    )
    category: QuestionCategory = Field(examples=[QuestionCategory.typical_day])
    position: JsonInt | None = Field(
        default=None,
        ge=1,
        description="Where to insert it (questions from there on move down one); past the end "
        "or omitted, it is appended.",
        examples=[1],
    )
    notes: str | None = Field(default=None, max_length=2000, description=QUESTION_NOTES)


class QuestionUpdate(PatchModel):
    text: QuestionText = omittable(description=QUESTION_TEXT)
    category: QuestionCategory = omittable()
    position: JsonInt = omittable(
        ge=1,
        description="Move the question here; the others shift to keep 1..n. Past the end moves "
        "it last.",
    )
    notes: str | None = Field(default=None, max_length=2000, description=QUESTION_NOTES)


class QuestionReorder(InputModel):
    question_ids: list[Annotated[str, Field(max_length=64)]] = Field(
        max_length=MAX_QUESTIONS_PER_BANK,
        description="Every question id of the bank exactly once, in the new order.",
        examples=[["qst_0193b0c4e5f67a8b9c0d1e2f3a4b5c6d", "qst_0193b0c4e5f67a8b9c0d1e2f3a4b5c6e"]],
    )


class QuestionList(ListPage[Question]):
    pass

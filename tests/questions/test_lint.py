"""Question quality rules: each rule on wordings it must catch and wordings it must leave alone;
warnings on question and agenda item responses; and the bank lint endpoint."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest

from app.core import ids
from app.core.db import Database
from app.questions.lint import MAX_LENGTH, QuestionLintRule, lint_question
from tests.conftest import ROOT, Account, assert_problem, signup
from tests.interviews.factories import base, create_interview, make_person
from tests.questions.factories import BUILTIN_BANK_ID, add_question, banks_url, create_bank


def rules(text: str) -> set[str]:
    return {w.rule_id.value for w in lint_question(text)}


def fires(rule: QuestionLintRule, text: str) -> bool:
    return rule.value in rules(text)


CASES: dict[QuestionLintRule, tuple[list[str], list[str]]] = {
    QuestionLintRule.asks_for_job: (
        [
            "Are you hiring at the moment?",
            "Is your team hiring?",
            "Could you tell me whether your team is hiring?",
            "Can you refer me for a job at your company?",
            "Could you recommend me for the analyst position?",
            "Would you hire me?",
            "Do you have any openings on your team?",
            "What open positions do you have?",
            "Is there a job for me here?",
            "How could I get an interview with your manager?",
            "Could you pass my CV to the hiring manager?",
            "Can I apply for an internship with you?",
            "Could you give me an internship?",
        ],
        [
            "What job titles should I search for to find roles like yours?",
            "Which organisations hire people in this field?",
            "How did you prepare for your first job interview in this field?",
            "What would be a realistic first step into this kind of work?",
            "How did you land your current role?",
        ],
    ),
    QuestionLintRule.closed_question: (
        [
            "Do you like your job?",
            "Is it stressful?",
            "Did you study engineering?",
            "Would you recommend this career?",
            "Can I follow up with you later?",
            "I read your article. Was it hard to write?",
            "Have you always worked here",
            "Don\u2019t you find it tiring?",
        ],
        [
            "What do you like most about your job?",
            "How did you get started?",
            "Do you enjoy it, and why?",
            "Could you tell me how you got started?",
            "Would you walk me through a typical day?",
            "If you were in my position, what would you do next?",
            "Tell me about your first year.",
        ],
    ),
    QuestionLintRule.leading_question: (
        [
            "Don't you think remote work is better?",
            "Wouldn't you agree that the pay is low?",
            "Isn't it true that most people burn out?",
            "Surely the hours are long?",
            "The work is mostly meetings, right?",
        ],
        [
            "How do you feel about remote work?",
            "What do you think of the pay in this field?",
            "What is the workload like?",
        ],
    ),
    QuestionLintRule.answerable_from_website: (
        [
            "What does your company do?",
            "What products does the company sell?",
            "Where is your organisation located?",
            "Where are your headquarters?",
            "When was the company founded?",
            "How many employees are there?",
            "How many people work at your firm?",
            "What is your company's mission?",
            "Who is your CEO?",
        ],
        [
            "What does your team do day to day?",
            "How has the organisation changed since you joined?",
            "How many people are on your team, and how do you work together?",
            "Where do you see the most room for growth in this field?",
        ],
    ),
    QuestionLintRule.multiple_questions: (
        ["What do you do? How did you start?", "Why? And how?"],
        ["What do you do, and how did you start?", "Tell me about your day."],
    ),
    QuestionLintRule.too_long: (
        ["What " + "x" * MAX_LENGTH + "?"],
        ["What " + "x" * (MAX_LENGTH - 6) + "?", "How?"],
    ),
}


@pytest.mark.parametrize(
    ("rule", "text"), [(rule, text) for rule, (hits, _) in CASES.items() for text in hits]
)
def test_each_rule_catches_its_examples(rule: QuestionLintRule, text: str) -> None:
    assert fires(rule, text), (rule, text, rules(text))


@pytest.mark.parametrize(
    ("rule", "text"), [(rule, text) for rule, (_, misses) in CASES.items() for text in misses]
)
def test_each_rule_leaves_good_wording_alone(rule: QuestionLintRule, text: str) -> None:
    assert not fires(rule, text), (rule, text, rules(text))


def test_a_question_can_break_several_rules_in_a_stable_order() -> None:
    warnings = lint_question("Are you hiring? Do you have any openings?")
    assert [w.rule_id for w in warnings] == [
        QuestionLintRule.asks_for_job,
        QuestionLintRule.closed_question,
        QuestionLintRule.multiple_questions,
    ]
    assert all(w.message for w in warnings)
    assert "2 questions" in warnings[-1].message


def test_too_long_counts_characters_as_written() -> None:
    assert len("What " + "x" * (MAX_LENGTH - 5)) == MAX_LENGTH
    assert not fires(QuestionLintRule.too_long, "What " + "x" * (MAX_LENGTH - 5))
    (warning,) = [w for w in lint_question("W" * 250) if w.rule_id == "too_long"]
    assert "250 characters" in warning.message


def _builtin_texts() -> list[str]:
    path = next(Path(ROOT, "migrations", "versions").glob("*_0003_*.py"))
    spec = importlib.util.spec_from_file_location("builtin_bank_migration", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [text for _, _, text, _ in module.QUESTIONS]


def test_the_builtin_questions_have_no_warnings() -> None:
    texts = _builtin_texts()
    assert len(texts) == 20
    assert {text: rules(text) for text in texts if rules(text)} == {}


# --- through the API ----------------------------------------------------------------------------


async def test_questions_carry_their_warnings_on_create_update_get_and_list(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank = await create_bank(client, owner)
    created = await add_question(client, owner, bank["id"], "Are you hiring?")
    assert [w["rule_id"] for w in created["warnings"]] == ["asks_for_job", "closed_question"]
    assert all(isinstance(w["message"], str) and w["message"] for w in created["warnings"])

    url = f"{banks_url(owner, bank['id'])}/questions/{created['id']}"
    fixed = await client.patch(
        url, json={"text": "How did you get into this field?"}, headers=owner.headers
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["warnings"] == []

    got = await client.get(url, headers=owner.headers)
    assert got.json()["warnings"] == []
    # The ETag covers the warnings, and a GET and a conditional write agree on it.
    again = await client.patch(
        url,
        json={"text": "Do you like it?"},
        headers={**owner.headers, "If-Match": got.headers["etag"]},
    )
    assert again.status_code == 200, again.text
    assert [w["rule_id"] for w in again.json()["warnings"]] == ["closed_question"]

    listed = await client.get(f"{banks_url(owner, bank['id'])}/questions", headers=owner.headers)
    assert [q["warnings"][0]["rule_id"] for q in listed.json()["data"]] == ["closed_question"]


async def test_agenda_items_carry_their_warnings(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    person_id = await make_person(database, owner.workspace_id)
    interview = await create_interview(client, owner, person_id)
    agenda = f"{base(owner)}/{interview['id']}/agenda"
    created = await client.post(
        agenda, json={"text": "What does your company do?"}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    assert [w["rule_id"] for w in created.json()["warnings"]] == ["answerable_from_website"]

    item_url = f"{agenda}/{created.json()['id']}"
    patched = await client.patch(
        item_url, json={"text": "What does your week look like?"}, headers=owner.headers
    )
    assert patched.json()["warnings"] == []
    listed = await client.get(agenda, headers=owner.headers)
    assert [i["warnings"] for i in listed.json()["data"]] == [[]]


async def test_lint_a_bank(client: httpx.AsyncClient, owner: Account, viewer: Account) -> None:
    bank = await create_bank(client, owner)
    await add_question(client, owner, bank["id"], "How did you start?")
    bad = await add_question(client, owner, bank["id"], "Are you hiring? Any openings?")
    # A viewer may read it (questions:read).
    response = await client.get(f"{banks_url(viewer, bank['id'])}/lint", headers=viewer.headers)
    assert response.status_code == 200, response.text
    assert response.headers["etag"]
    body = response.json()
    assert body["object"] == "question_bank_lint"
    assert body["bank_id"] == bank["id"]
    assert [(q["position"], q["text"]) for q in body["questions"]] == [
        (1, "How did you start?"),
        (2, "Are you hiring? Any openings?"),
    ]
    assert body["questions"][0]["warnings"] == []
    assert body["questions"][1]["question_id"] == bad["id"]
    assert [w["rule_id"] for w in body["questions"][1]["warnings"]] == [
        "asks_for_job",
        "closed_question",
        "multiple_questions",
    ]
    assert body["warning_count"] == 3


async def test_lint_an_empty_bank_and_the_builtin_one(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bank = await create_bank(client, owner)
    empty = await client.get(f"{banks_url(owner, bank['id'])}/lint", headers=owner.headers)
    assert empty.json()["questions"] == []
    assert empty.json()["warning_count"] == 0

    builtin = await client.get(f"{banks_url(owner, BUILTIN_BANK_ID)}/lint", headers=owner.headers)
    assert builtin.status_code == 200, builtin.text
    assert len(builtin.json()["questions"]) == 20
    assert builtin.json()["warning_count"] == 0


async def test_lint_of_a_bank_the_workspace_cannot_see_is_404(
    client: httpx.AsyncClient, owner: Account
) -> None:
    other = await signup(client)
    foreign = await create_bank(client, other)
    for bank_id in (foreign["id"], ids.new_id("qbk"), "qbk_nope", ids.new_id("qst")):
        response = await client.get(f"{banks_url(owner, bank_id)}/lint", headers=owner.headers)
        assert_problem(response, 404, "not_found")

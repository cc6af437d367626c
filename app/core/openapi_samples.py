"""The sample values the OpenAPI examples are made of (app/core/openapi_examples.py): one
made-up id per kind, one instant, and realistic text for properties no schema gives an example
for."""

from __future__ import annotations

import re

# The media types the examples are written for, and where the named schemas live.
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
REF_PREFIX = "#/components/schemas/"

# One made-up UUIDv7 in hex for every sample id, as the schemas' own examples use.
HEX = "0193b0c4e5f67a8b9c0d1e2f3a4b5c6d"
TIMESTAMP = "2026-11-23T09:30:00Z"
DATE = "2026-11-23"
REQUEST_ID = f"req_{HEX}"
SECRET = "rk_live_Q2hhbmdlIHRoaXMgc2FtcGxlIGtleSBmb3IgYSByZWFsIG9uZQ"

# Id prefixes (app/core/ids.py) by the noun an id property or an `object` names.
NOUN_PREFIXES = {
    "agenda_item": "agi",
    "api_key": "key",
    "bank": "qbk",
    "created_by": "usr",
    "follow_up": "fup",
    "interview": "int",
    "introduced_by": "per",
    "invitation": "inv",
    "item": "agi",
    "key": "key",
    "lead": "led",
    "member": "mem",
    "membership": "mem",
    "organisation": "org",
    "outreach": "out",
    "person": "per",
    "question": "qst",
    "question_bank": "qbk",
    "referral": "ref",
    "referred_by": "per",
    "referrer": "per",
    "request": "req",
    "source": "per",
    "source_interview": "int",
    "source_person": "per",
    "target": "per",
    "template": "tpl",
    "user": "usr",
    "workspace": "wsp",
}
# For an `id` whose schema has no `object`: the noun its schema's name ends with.
SCHEMA_NOUNS = (("Person", "per"), ("Organisation", "org"))
DESCRIBED_PREFIX = re.compile(r"`([a-z]{3})_…`")

# Realistic values for string properties that no schema gives an example for.
NAMED = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c3JfMDE5MyJ9.c2lnbmVk",
    "address": "ada@example.com",
    "answer": "Mostly data modelling with the grid team, and one day a week on site visits.",
    "body": "Dear {{person.given_name}},\n\nThank you for your time today.",
    "client_id": "rapport-cli",
    "client_secret": "not-used",
    "comment": "Close to what I enjoy; the on-call rota would need thought.",
    "competitors": "Other storage start-ups in the north of England.",
    "culture": "Small teams, flexible hours, a strong mentoring scheme.",
    "current_password": "correct-horse-battery-staple",
    "cursor": "eyJrIjoiMjAyNi0xMS0yM1QwOTozMDowMFoifQ",
    "database": "postgresql",
    "detail": "Write an introduction of at least a few sentences.",
    "display_name": "Grace Hopper",
    "email": "ada@example.com",
    "goals": "Understand how analysts move into data engineering.",
    "introduction": "I am a physics graduate moving into data engineering.",
    "label": "work",
    "last_four": SECRET[-4:],
    "name": "Ada Lovelace",
    "new_password": "a-longer-passphrase-for-2026",
    "next_cursor": "eyJrIjoiMjAyNi0xMS0yM1QwOTozMDowMFoifQ",
    "next_steps": "Ask Grace for an introduction to the hiring manager.",
    "notes": "Met at the alumni evening; prefers email.",
    "number": "+44 20 7946 0958",
    "observations": "Open-plan office, quiet in the afternoons.",
    "password": "correct-horse-battery-staple",
    "perception_vs_reality": "Less coding than I thought, more stakeholder work.",
    "position_in_field": "One of the three largest grid storage operators in the UK.",
    "prefix": SECRET[:12],
    "recent_news": "Opened a new battery site near Leeds.",
    "refresh_token": "rt_c2FtcGxlIHJlZnJlc2ggdG9rZW4gZm9yIHRoZSBkb2Nz",
    "research_notes": "Read their annual report and two engineering blog posts.",
    "revision": "0001",
    "secret": SECRET,
    "status": "scheduled",
    "strengths": "Well funded, good graduate scheme.",
    "subject": "Thank you for your time",
    "timezone": "Europe/London",
    "token": "rt_c2FtcGxlIHJlZnJlc2ggdG9rZW4gZm9yIHRoZSBkb2Nz",
    "training_needed": "A cloud data engineering certificate.",
    "url": "https://ada.example.com",
    "username": "ada@example.com",
    "workspace_name": "Ada's career change",
}
NAMED_NUMBERS = {"expires_in": 900, "refresh_token_expires_in": 2_592_000}
NAMED_FORMATS = {
    "date-time": TIMESTAMP,
    "date": DATE,
    "email": "ada@example.com",
    "uri": "https://example.com/",
}
# Booleans that are false in the usual case (a `true` would contradict other fields shown).
USUALLY_FALSE = frozenset({"builtin", "truncated"})

"""Built-in message templates: one or two per kind, read-only for every workspace.

The templates' text lives here, not in application code, so that history never changes when
the code does; a later change to them is a new migration. They use only the documented
placeholders (app/templates/render.py, PLACEHOLDERS).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTALLED_AT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)

# (id, kind, name, subject, body). Each asks for advice and about 15 minutes, never for a job.
TEMPLATES = [
    (
        "tpl_01a212d8308e7551b4faedd1ca0acd7a",
        "introduction_request",
        "Ask a mutual contact for an introduction",
        "A small favour: an introduction?",
        "Hi {{person.given_name}},\n\n"
        "I hope you are well. I am exploring a move into a new field and I am trying to learn "
        "how the work really looks from the inside before I decide anything.\n\n"
        "Would you know someone in that line of work who might spare 15 minutes to tell me "
        "about their experience? I am not looking for a job through them, only for advice and "
        "a better picture of the field. If you are happy to introduce us, or to let me mention "
        "your name when I write, I would be very grateful.\n\n"
        "Thank you either way,\n{{me.name}}",
    ),
    (
        "tpl_01a212d8308e7551b4faedd28de54e84",
        "introduction_request",
        "Follow up on an offered introduction",
        "Following up on the introduction you mentioned",
        "Hi {{person.given_name}},\n\n"
        "When we last spoke you kindly offered to put me in touch with someone you know. If "
        "that still suits you, a short note introducing me is all it takes; I will take it "
        "from there and keep the request to 15 minutes of their time.\n\n"
        "Many thanks,\n{{me.name}}",
    ),
    (
        "tpl_01a212d8308e7551b4faedd3e8062ce5",
        "cold_email",
        "Short cold email",
        "Fifteen minutes of advice about your work at {{organisation.name}}?",
        "Dear {{person.given_name}},\n\n"
        "I came across your work as {{person.job_title}} at {{organisation.name}} while "
        "researching the field, and I would value the view of someone who does it every day.\n\n"
        "Could I ask for about 15 minutes, at a time and place (or call) that suits you? I "
        "would like to hear how you got started and what the work is really like. To be clear, "
        "I am not asking for a job, only for your perspective.\n\n"
        "Thank you for considering it,\n{{me.name}}",
    ),
    (
        "tpl_01a212d8308e7551b4faedd4a87bb677",
        "cold_email",
        "Cold email naming a referrer",
        "{{referrer.display_name}} suggested I get in touch",
        "Dear {{person.given_name}},\n\n"
        "{{referrer.display_name}} suggested you would be a good person to ask about your "
        "field. I am researching it before making a career decision, and I would appreciate "
        "15 minutes of your time to hear about your path and your days.\n\n"
        "I am not asking about openings; your advice is what I am after. Whenever and wherever "
        "suits you is fine with me.\n\n"
        "With thanks,\n{{me.name}}",
    ),
    (
        "tpl_01a212d8308e7551b4faedd53d61a53f",
        "call_script",
        "Phone call script",
        None,
        "Hello, is this {{person.given_name}}? My name is {{me.name}}.\n\n"
        "[If referred] {{referrer.display_name}} gave me your name and said you might not mind "
        "a quick call.\n\n"
        "I am exploring this line of work and I am speaking to people who do it, to learn what "
        "it is really like. I am not calling about a job. Would you have about 15 minutes, "
        "now or at another time that suits you better, to tell me about your experience?\n\n"
        "[If now is good] Thank you! Start with your first question.\n"
        "[If later] When would be convenient, and would you prefer a call or a coffee?\n"
        "[If no] I understand, thank you for your time. Is there anyone else you would suggest?",
    ),
    (
        "tpl_01a212d8308e7551b4faedd641b1e529",
        "thank_you",
        "Thank-you note after an interview",
        "Thank you for your time",
        "Dear {{person.given_name}},\n\n"
        "Thank you for talking with me about your work at {{organisation.name}}. Your advice "
        "gave me a much clearer picture of the field, and I am already acting on some of it.\n\n"
        "I will let you know how things develop, and I hope our paths cross again.\n\n"
        "With gratitude,\n{{me.name}}",
    ),
    (
        "tpl_01a212d8308e7551b4faedd73d9354eb",
        "thank_you",
        "Thank-you note confirming a suggested contact",
        "Thank you, and a quick follow-up",
        "Dear {{person.given_name}},\n\n"
        "Many thanks for the conversation and for your suggestions. You mentioned I might "
        "contact some people you know; may I say that you suggested it when I write to them? "
        "I will keep each request short.\n\n"
        "Thank you again,\n{{me.name}}",
    ),
    (
        "tpl_01a212d8308e7551b4faedd88d8745eb",
        "referral_follow_up",
        "Report back to the person who referred you",
        "I spoke with the person you suggested",
        "Hi {{person.given_name}},\n\n"
        "Thank you for pointing me towards someone in your network. We spoke, and it was "
        "every bit as useful as you said it would be. I wanted you to know your introduction "
        "made a difference.\n\n"
        "Best wishes,\n{{me.name}}",
    ),
    (
        "tpl_01a212d8308e7551b4faedd997819ec4",
        "stay_in_touch",
        "Occasional update",
        "A quick update from {{me.name}}",
        "Hi {{person.given_name}},\n\n"
        "It has been a while since we spoke, and I wanted to share where things stand: "
        "[a sentence on your progress]. Your advice played a part in it.\n\n"
        "I hope all is going well for you at {{organisation.name}}. No reply needed; I simply "
        "wanted to keep you posted.\n\n"
        "Warm regards,\n{{me.name}}",
    ),
]

templates = sa.table(
    "templates",
    sa.column("id", sa.String(36)),
    sa.column("workspace_id", sa.String(36)),
    sa.column("builtin", sa.Boolean()),
    sa.column("kind", sa.String(32)),
    sa.column("name", sa.String(200)),
    sa.column("subject", sa.String(300)),
    sa.column("body", sa.Text()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def upgrade() -> None:
    op.bulk_insert(
        templates,
        [
            {
                "id": template_id,
                "workspace_id": None,
                "builtin": True,
                "kind": kind,
                "name": name,
                "subject": subject,
                "body": body,
                "created_at": INSTALLED_AT,
                "updated_at": INSTALLED_AT,
            }
            for template_id, kind, name, subject, body in TEMPLATES
        ],
    )


def downgrade() -> None:
    op.execute(templates.delete().where(templates.c.id.in_([t[0] for t in TEMPLATES])))

"""Message templates and their rendering: what clients send and receive."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import (
    Filters,
    InputModel,
    ListPage,
    PatchModel,
    Resource,
    not_null,
    omittable,
)


class TemplateKind(StrEnum):
    """What the message is for, along the informational-interview practice."""

    introduction_request = "introduction_request"
    cold_email = "cold_email"
    call_script = "call_script"
    thank_you = "thank_you"
    referral_follow_up = "referral_follow_up"
    stay_in_touch = "stay_in_touch"


NAME_MAX = 200
SUBJECT_MAX = 300
BODY_MAX = 20_000

_DOCS = {
    "kind": "What the message is for: `introduction_request` (asking a mutual contact), "
    "`cold_email`, `call_script`, `thank_you`, `referral_follow_up`, `stay_in_touch`.",
    "name": "A short name to find the template by.",
    "subject": "The subject line, with placeholders; null for messages without one (a call "
    "script).",
    "body": "The text, with placeholders such as `{{person.given_name}}` from the documented "
    "list; any other `{{ … }}` is refused.",
}


class Template(Resource):
    object: Literal["template"] = "template"
    workspace_id: str | None = Field(
        description="The owning workspace; null for a built-in template, which every "
        "workspace can read and copy but not change."
    )
    builtin: bool = Field(description="True for a read-only built-in template.")
    kind: TemplateKind = Field(description=_DOCS["kind"])
    name: str = Field(description=_DOCS["name"], examples=["Warm introduction request"])
    subject: str | None = Field(
        description=_DOCS["subject"], examples=["Could you introduce me to {{person.given_name}}?"]
    )
    body: str = Field(description=_DOCS["body"])
    placeholders: list[str] = Field(
        description="The placeholders the subject and body use, sorted (read-only).",
        examples=[["me.name", "person.given_name"]],
    )


class TemplateList(ListPage[Template]):
    pass


class TemplateCreate(InputModel):
    kind: TemplateKind = Field(description=_DOCS["kind"])
    name: str = Field(
        min_length=1, max_length=NAME_MAX, description=_DOCS["name"], examples=["Cold email, short"]
    )
    subject: str | None = Field(
        default=None,
        max_length=SUBJECT_MAX,
        description=_DOCS["subject"],
        examples=["15 minutes on {{interview.career_field}}?"],
    )
    body: str = Field(
        min_length=1,
        max_length=BODY_MAX,
        description=_DOCS["body"],
        examples=["Dear {{person.given_name}},\n\n…\n\n{{me.name}}"],
    )


class TemplateUpdate(PatchModel):
    """JSON Merge Patch: absent fields stay; `null` clears `subject` (the others cannot be null)."""

    kind: TemplateKind = omittable(description=_DOCS["kind"])
    name: str = omittable(min_length=1, max_length=NAME_MAX, description=_DOCS["name"])
    subject: str | None = Field(default=None, max_length=SUBJECT_MAX, description=_DOCS["subject"])
    body: str = omittable(min_length=1, max_length=BODY_MAX, description=_DOCS["body"])

    _not_null = not_null("kind", "name", "body")


class TemplateCopy(InputModel):
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=NAME_MAX,
        description="The copy's name; the original's when not given.",
    )


class TemplateRenderRequest(InputModel):
    """Whom to render for. With only `interview_id`, the person is the interviewee."""

    person_id: str | None = Field(
        default=None,
        max_length=64,
        description="The person (`per_…`) the message is for: fills `person.*`, "
        "`organisation.*` and `referrer.*`.",
    )
    interview_id: str | None = Field(
        default=None,
        max_length=64,
        description="An interview (`int_…`) with that person: fills `interview.*` and takes "
        "its organisation for `organisation.*`.",
    )


class TemplateRendering(BaseModel):
    """A rendered template. Nothing is sent: check `complete` before using the text."""

    object: Literal["template_rendering"] = "template_rendering"
    template_id: str = Field(description="The template (`tpl_…`) rendered.")
    subject: str | None = Field(description="The subject with its placeholders filled.")
    body: str = Field(description="The body with its placeholders filled.")
    unknown_placeholders: list[str] = Field(
        description="Names between braces that are not documented placeholders; left as "
        "written (a built-in or older template may hold none of these).",
        examples=[[]],
    )
    unfilled_placeholders: list[str] = Field(
        description="Documented placeholders with no value here (no interview given, no "
        "organisation); left as written.",
        examples=[["interview.scheduled_at"]],
    )
    complete: bool = Field(description="True when no placeholder is unknown or unfilled.")


class TemplateFilters(Filters):
    """`GET …/templates` filters; None means "any"."""

    kind: TemplateKind | None = Field(default=None, description="Only this kind.")
    builtin: bool | None = Field(
        default=None, description="Only built-in templates (true) or only the workspace's (false)."
    )

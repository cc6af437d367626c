"""Text inputs with a shape (web addresses, LinkedIn profiles, phone numbers, email addresses),
each checked by exactly the regular expression the OpenAPI document shows as its `pattern`, so
a value the document allows is one the server takes, and the other way round.

The expressions are written in the subset ECMA-262 (the document's dialect), Python's `re` (the
server's check) and Rust's `regex` read alike: classes of explicit code points, no look-around,
anchored at both ends. Each is checked with `re.fullmatch`, so Python's `$` cannot match
before a final newline.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import AfterValidator, EmailStr, Field, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# A host name (no user information, so no `user@` in front of another host), an IPv6 literal,
# an optional port, then any path, query or fragment; no space or control character anywhere.
_VISIBLE = r"[^\x00-\x20\x7F]"
_HOST = r"([^\x00-\x20\x7F/?#@:\[\]]+|\[[0-9A-Fa-f:.]+\])"
_REST = rf"(:[0-9]{{1,5}})?([/?#]{_VISIBLE}*)?"
HTTP_URL_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]?://{_HOST}{_REST}$"
LINKEDIN_URL_PATTERN = (
    rf"^[Hh][Tt][Tt][Pp][Ss]://([^\x00-\x20\x7F/?#@:\[\]]+\.)?"
    rf"[Ll][Ii][Nn][Kk][Ee][Dd][Ii][Nn]\.[Cc][Oo][Mm]{_REST}$"
)
# Digits, spaces and + - ( ) . only, `+` only in front; 7 to 15 digits (E.164 has at most 15).
PHONE_PATTERN = r"^\+?[ ().\-]*([0-9][ ().\-]*){7,15}$"
URL_MAX = 2048


def _checked(pattern: str, code: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise PydanticCustomError(code, message)
        return value

    return AfterValidator(check)


# Length is checked first, then the shape.
HttpUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=URL_MAX),
    _checked(HTTP_URL_PATTERN, "invalid_url", "An absolute http or https URL is required."),
    Field(examples=["https://ada.example.com"], json_schema_extra={"pattern": HTTP_URL_PATTERN}),
]
LinkedInUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=URL_MAX),
    _checked(
        LINKEDIN_URL_PATTERN,
        "invalid_linkedin_url",
        "A LinkedIn URL is an https URL on linkedin.com.",
    ),
    Field(
        examples=["https://www.linkedin.com/in/ada-lovelace"],
        json_schema_extra={"pattern": LINKEDIN_URL_PATTERN},
    ),
]
PhoneNumber = Annotated[
    str,
    StringConstraints(min_length=7, max_length=20),
    _checked(
        PHONE_PATTERN,
        "invalid_phone",
        "A phone number is 7-20 characters of digits, spaces and + - ( ) . "
        "(`+` only first) with 7 to 15 digits.",
    ),
    Field(examples=["+44 20 7946 0958"], json_schema_extra={"pattern": PHONE_PATTERN}),
]


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


# email-validator (Pydantic's EmailStr) refuses addresses on special-use domains (RFC 6761:
# `.test`, `.invalid`, `.localhost`, …), which `format: email` allows: the document says so.
SPECIAL_USE_EMAIL_PATTERN = (
    "[.@](" + "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES) + r")\.?$"
)


class _NotSpecialUse:
    """Adds `not: {pattern: …}` to the string schema of an email address (inside a nullable
    field's `anyOf`, so that null stays allowed)."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found: dict[str, Any] = handler(schema)
        found["not"] = {"pattern": SPECIAL_USE_EMAIL_PATTERN}
        return found


EmailAddress = Annotated[EmailStr, _NotSpecialUse()]

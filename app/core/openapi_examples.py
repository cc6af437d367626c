"""Examples on every operation of the OpenAPI document, composed from its own schemas.

Each request body, JSON success response and problem response gets a media-type `example` that
satisfies its schema (tests/core/test_openapi_examples.py validates every one), so that the docs
and generated SDKs show realistic payloads without anyone keeping them up to date by hand.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from app.core.errors import PROBLEM_MEDIA_TYPE
from app.core.openapi_problems import instance_of, problem_example
from app.core.openapi_samples import (
    DESCRIBED_PREFIX,
    FORM,
    HEX,
    JSON,
    NAMED,
    NAMED_FORMATS,
    NAMED_NUMBERS,
    NOUN_PREFIXES,
    REF_PREFIX,
    SCHEMA_NOUNS,
    USUALLY_FALSE,
)

# Request rules the examples builder must follow where it composes from properties alone: a
# password grant needs its credentials (no JSON Schema states it), and a referral names an
# existing person *or* a new contact, never both (ReferralCreate's `not` states it, but the
# builder does not read `not`).
_REQUEST_ALSO = {"TokenRequest": ("username", "password")}
_REQUEST_NEVER = {"ReferralCreate": frozenset({"person_id"})}


class _Recursion(Exception):
    """A schema reached again inside itself (a tree): the caller shows it empty or null."""


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _fits(value: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether `value` satisfies the parts of JSON Schema the document uses: enough to decide
    whether a value borrowed from a sibling schema may stand here."""
    if "$ref" in schema:
        target = schemas.get(schema["$ref"].removeprefix(REF_PREFIX))
        if target is None or not _fits(value, target, schemas):
            return False
    for key in ("anyOf", "oneOf"):
        if key in schema and not any(_fits(value, branch, schemas) for branch in schema[key]):
            return False
    if "const" in schema and value != schema["const"]:
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    kind = schema.get("type")
    if kind is None:
        return True
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if kind == "integer" and not isinstance(value, int):
            return False
        return bool(schema.get("minimum", value) <= value <= schema.get("maximum", value))
    if kind == "string":
        return isinstance(value, str) and _fits_string(value, schema)
    if kind == "array":
        if not isinstance(value, list):
            return False
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        items = schema.get("items", {})
        return all(_fits(item, items, schemas) for item in value)
    return False  # objects are composed, never borrowed


def _fits_string(value: str, schema: dict[str, Any]) -> bool:
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        return False
    pattern = schema.get("pattern")
    if pattern is not None and re.search(pattern, value) is None:
        return False
    form = schema.get("format")
    if form in ("date-time", "date"):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return bool(form == "date") is ("T" not in value)
    if form == "email":
        return "@" in value
    if form == "uri":
        return value.startswith(("https://", "http://"))
    return True


def _fit_length(text: str, schema: dict[str, Any]) -> str:
    text = text[: schema.get("maxLength", len(text))]
    return text.ljust(schema.get("minLength", 0), "x")


def _humanised(name: str | None) -> str:
    return (name or "example").replace("_", " ").capitalize()


def _has_example(schema: dict[str, Any]) -> bool:
    """Whether a property's schema, or its non-null branch, carries its own example."""
    if schema.get("examples"):
        return True
    return any(
        isinstance(branch, dict) and branch.get("examples")
        for branch in [*schema.get("anyOf", ()), *schema.get("oneOf", ())]
    )


def _common_prefix(first: str, second: str) -> int:
    size = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        size += 1
    return size


class Composer:
    """Builds sample values for schemas of one document; borrows a property's example from the
    closest sibling schema (`PersonCreate.given_name` for `Person.given_name`)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.expanding: list[str] = []
        # Property name -> (schema name, example) of every property that has its own example.
        self.examples: dict[str, list[tuple[str, Any]]] = {}
        for owner, schema in sorted(self.schemas.items()):
            for name, prop in schema.get("properties", {}).items():
                own = self._own_example(prop)
                if own is not None:
                    self.examples.setdefault(name, []).append((owner, own))

    @staticmethod
    def _own_example(schema: dict[str, Any]) -> Any:
        if schema.get("examples"):
            return schema["examples"][0]
        for branch in schema.get("anyOf", ()):
            if isinstance(branch, dict) and branch.get("examples"):
                return branch["examples"][0]
        return None

    def _borrowed(self, name: str, owner: str, schema: dict[str, Any]) -> Any:
        """The example the schema of the same family (longest shared name start, at least one
        word such as `Person`) gives to a property of this name, if it fits here."""
        word = re.match(r"[A-Z][a-z]+", owner)
        if word is None:
            return None
        candidates = sorted(
            (
                (-_common_prefix(owner, other), other, value)
                for other, value in self.examples.get(name, ())
                if other != owner and other.startswith(word.group())
            ),
            key=lambda candidate: (candidate[0], candidate[1]),
        )
        for _, _, value in candidates:
            if _fits(value, schema, self.schemas):
                return value
        return None

    def _prefix(self, name: str, description: str, owner: str | None) -> str | None:
        described = DESCRIBED_PREFIX.search(description)
        if described:
            return described.group(1)
        if name == "id":
            target = self.schemas.get(owner or "", {}).get("properties", {})
            for key in ("object", "type"):
                noun = target.get(key, {}).get("const")
                if noun in NOUN_PREFIXES:
                    return NOUN_PREFIXES[noun]
            for noun, prefix in SCHEMA_NOUNS:
                if owner and owner.endswith(noun):
                    return prefix
            return None
        noun = re.sub(r"_ids?$", "", name)
        if noun == name and name not in ("created_by", "source", "target"):
            return None
        return NOUN_PREFIXES.get(noun)

    def value(
        self,
        schema: dict[str, Any],
        *,
        request: bool,
        name: str | None = None,
        owner: str | None = None,
        description: str = "",
        top: bool = False,
    ) -> Any:
        """A value that satisfies `schema`; `name`, `owner` (the schema holding the property)
        and `description` say what it stands for."""
        description = schema.get("description", description)
        if schema.get("examples"):
            return schema["examples"][0]
        if not top and schema.get("default") is not None:
            return schema["default"]
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if name and owner:
            borrowed = self._borrowed(name, owner, schema)
            if borrowed is not None:
                return borrowed
        if "$ref" in schema:
            return self._referenced(schema["$ref"], request=request, name=name, owner=owner)
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            return self._branches(branches, request, name, owner, description)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self._object(schema, request=request, owner=owner)
        if kind == "array":
            return self._array(schema, request, name, owner, description)
        if kind == "string":
            return self._string(schema, name, owner, description)
        if kind in ("integer", "number"):
            if name in NAMED_NUMBERS and _fits(NAMED_NUMBERS[name], schema, self.schemas):
                return NAMED_NUMBERS[name]
            low = schema.get("minimum", 1)
            number = min(max(low, 1), schema.get("maximum", max(low, 1)))
            return int(number) if kind == "integer" else float(number)
        if kind == "boolean":
            return name not in USUALLY_FALSE
        return None

    def _referenced(self, ref: str, *, request: bool, name: str | None, owner: str | None) -> Any:
        target = ref.removeprefix(REF_PREFIX)
        if target in self.expanding:
            raise _Recursion(target)
        self.expanding.append(target)
        try:
            return self.value(
                self.schemas.get(target, {}), request=request, name=name, owner=target
            )
        finally:
            self.expanding.pop()

    def _branches(
        self,
        branches: list[dict[str, Any]],
        request: bool,
        name: str | None,
        owner: str | None,
        description: str,
    ) -> Any:
        for branch in branches:
            if _is_null(branch):
                continue
            try:
                return self.value(
                    branch, request=request, name=name, owner=owner, description=description
                )
            except _Recursion:
                continue
        if any(_is_null(branch) for branch in branches):
            return None
        raise _Recursion(name or "")

    def _array(
        self,
        schema: dict[str, Any],
        request: bool,
        name: str | None,
        owner: str | None,
        description: str,
    ) -> list[Any]:
        count = max(1, schema.get("minItems", 0))
        if "maxItems" in schema:
            count = min(count, schema["maxItems"])
        items = schema.get("items", {})
        try:
            item = self.value(
                items, request=request, name=name, owner=owner, description=description
            )
        except _Recursion:
            if schema.get("minItems", 0):
                raise
            return []
        return [item] * count

    def _string(
        self, schema: dict[str, Any], name: str | None, owner: str | None, description: str
    ) -> str:
        form = schema.get("format")
        if form in NAMED_FORMATS:
            return NAMED_FORMATS[form]
        prefix = self._prefix(name, description, owner) if name else None
        if prefix:
            return _fit_length(f"{prefix}_{HEX}", schema)
        return _fit_length(NAMED.get(name or "") or _humanised(name), schema)

    def _object(
        self, schema: dict[str, Any], *, request: bool, owner: str | None
    ) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        if request:
            never = _REQUEST_NEVER.get(owner or "", frozenset())
            also = set(_REQUEST_ALSO.get(owner or "", ()))
            chosen = [
                key
                for key, prop in properties.items()
                if key not in never and (key in required or key in also or _has_example(prop))
            ]
            if not chosen:
                # A body of optional fields only: show one or two of them rather than `{}`.
                chosen = [key for key in properties if key not in never][:2]
        else:
            chosen = list(properties)
        return {
            key: self.value(properties[key], request=request, name=key, owner=owner)
            for key in chosen
        }

    def merge_patch(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A small JSON Merge Patch for `schema`: one or two fields, those with examples first."""
        owner = None
        if "$ref" in schema:
            owner = schema["$ref"].removeprefix(REF_PREFIX)
            schema = self.schemas.get(owner, {})
        properties: dict[str, Any] = schema.get("properties", {})
        ranked = sorted(
            properties,
            key=lambda key: (
                not _has_example(properties[key]),
                self._borrowed(key, owner or "", properties[key]) is None,
            ),
        )
        return {
            key: self.value(properties[key], request=True, name=key, owner=owner)
            for key in ranked[:2]
        }


def add_examples(document: dict[str, Any]) -> None:
    """Put an `example` on every operation's request body and on each of its JSON responses:
    success bodies with every field, problems as the error handlers send them."""
    composer = Composer(document)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            for media_type in (JSON, FORM):
                media = content.get(media_type)
                if media is None or "schema" not in media:
                    continue
                if method == "patch":
                    media["example"] = composer.merge_patch(media["schema"])
                else:
                    media["example"] = composer.value(media["schema"], request=True, top=True)
            instance = instance_of(path, operation, composer)
            for status, response in operation["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    if "schema" not in media:
                        continue
                    if media_type == PROBLEM_MEDIA_TYPE:
                        media["example"] = problem_example(
                            int(status),
                            response.get("description", ""),
                            instance,
                            operation,
                            composer,
                        )
                    elif media_type == JSON and status.startswith("2"):
                        media["example"] = composer.value(media["schema"], request=False, top=True)

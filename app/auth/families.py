"""Which resource family the data in a response belongs to, and the start-up check that every
route needs the read scope of each family its response can carry (issue 18, finding 1).

A scope guards data, not a path: an interview page that embeds the interviewee shows people, so
it needs `people:read` whatever route it comes through. Each response model says what it is
through its `object` (mapped to a family below) or, when it has none, through `shows(...)`.
Fields filled only on request carry a marker: `Embed(name)` (filled with `?expand=name`; the
route's access dependency demands the embed's scope when it is asked for) or `IfAllowed(scope)`
(the service leaves it empty for a caller without that scope). `check_routes` walks every
route's response model at start-up and refuses an app whose routes could show a family their
declared scopes do not cover, so a new endpoint cannot forget.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel

# A response's `object` names what it is; this table names whose data that is. A response
# model with an `object` missing here stops the app at start-up (`check_routes`).
OBJECT_FAMILIES: Mapping[str, frozenset[str]] = {
    "person": frozenset({"people"}),
    "referral": frozenset({"people"}),
    "referral_tree": frozenset({"people"}),
    "referral_path": frozenset({"people"}),
    "network": frozenset({"people"}),
    "organisation": frozenset({"organisations"}),
    "interview": frozenset({"interviews"}),
    "agenda_item": frozenset({"interviews"}),
    "interview_readiness": frozenset({"interviews"}),
    "question": frozenset({"questions"}),
    "question_bank": frozenset({"questions"}),
    "question_bank_lint": frozenset({"questions"}),
    "outreach": frozenset({"outreach"}),
    "template": frozenset({"templates"}),
    # A rendering fills placeholders with the fields of the person, organisation and interview
    # its request names: templates_render requires their read scopes when it names them.
    "template_rendering": frozenset({"templates"}),
    "follow_up": frozenset({"follow_ups"}),
    "agenda": frozenset({"follow_ups"}),
    "lead": frozenset({"leads"}),
    "stats": frozenset({"stats"}),
    # Each entry is an outreach, an interview, a follow-up or a lead of the person; a kind the
    # caller may not read is left out (app.activity.service.KIND_SCOPES).
    "timeline_entry": frozenset({"people"}),
    "member": frozenset({"members"}),
    "membership": frozenset({"members"}),
    "invitation": frozenset({"members"}),
    "workspace": frozenset({"workspaces"}),
    # Shown only to users (API keys can never reach these routes), or data of no workspace.
    "api_key": frozenset(),
    "user": frozenset(),
    "signup": frozenset(),
    "token_revocation": frozenset(),
    "list": frozenset(),
}

# Id prefixes of each family's records: a JSON object whose `id` has one of these is that
# family's data (the authorisation tests read responses with it).
ID_PREFIX_FAMILIES: Mapping[str, str] = {
    "per": "people",
    "ref": "people",
    "org": "organisations",
    "int": "interviews",
    "agi": "interviews",
    "qbk": "questions",
    "qst": "questions",
    "out": "outreach",
    "tpl": "templates",
    "fup": "follow_ups",
    "led": "leads",
    "mem": "members",
    "inv": "members",
    "wsp": "workspaces",
}

_FAMILIES_ATTRIBUTE = "__rapport_families__"
M = TypeVar("M", bound=type[BaseModel])


def shows(*families: str) -> typing.Callable[[M], M]:
    """Class decorator for a response model without an `object`: whose data it holds."""

    def declare(model: M) -> M:
        setattr(model, _FAMILIES_ATTRIBUTE, frozenset(families))
        return model

    return declare


@dataclass(frozen=True, slots=True)
class Embed:
    """`Annotated[Person | None, Embed("person")]`: filled only with `?expand=person`."""

    name: str


@dataclass(frozen=True, slots=True)
class IfAllowed:
    """`Annotated[list[Interview], IfAllowed("interviews:read")]`: left empty for a caller
    without the scope (the service is told whether the caller has it)."""

    scope: str


@dataclass(frozen=True)
class DataFamilies:
    """The families a response model can show: always, and through each optional field."""

    always: frozenset[str]
    embeds: Mapping[str, frozenset[str]] = field(default_factory=dict)
    if_allowed: Mapping[str, frozenset[str]] = field(default_factory=dict)


class UnknownObject(TypeError):
    """A response model's `object` is not in OBJECT_FAMILIES."""


def own_families(model: type[BaseModel]) -> frozenset[str] | None:
    """The families a model itself declares (by `shows` or its `object`), or None."""
    declared = model.__dict__.get(_FAMILIES_ATTRIBUTE)
    if isinstance(declared, frozenset):
        return declared
    object_field = model.model_fields.get("object")
    if object_field is None or get_origin(object_field.annotation) is not Literal:
        return None
    (name,) = get_args(object_field.annotation)
    if name not in OBJECT_FAMILIES:
        raise UnknownObject(
            f"{model.__name__} has object {name!r}: add it to app.auth.families.OBJECT_FAMILIES "
            "with the families whose data it shows."
        )
    return OBJECT_FAMILIES[name]


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation can hold (through lists, unions, optionals)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if get_origin(annotation) in (typing.Union, types.UnionType, list, tuple, set, frozenset):
        for argument in get_args(annotation):
            yield from _models(argument)


def families_of(model: Any) -> DataFamilies:
    """Walk a response model (or a list or union of them) to every model it can contain."""
    always: set[str] = set()
    embeds: dict[str, set[str]] = {}
    if_allowed: dict[str, set[str]] = {}

    def walk(current: type[BaseModel], into: set[str], seen: frozenset[type[BaseModel]]) -> None:
        if current in seen:
            return
        seen = seen | {current}
        into.update(own_families(current) or ())
        for info in current.model_fields.values():
            target = into
            for marker in info.metadata:
                if isinstance(marker, Embed):
                    target = embeds.setdefault(marker.name, set())
                elif isinstance(marker, IfAllowed):
                    target = if_allowed.setdefault(marker.scope, set())
            for inner in _models(info.annotation):
                walk(inner, target, seen)

    for top in _models(model):
        walk(top, always, frozenset())
    return DataFamilies(
        frozenset(always),
        {name: frozenset(found) for name, found in embeds.items()},
        {scope: frozenset(found) for scope, found in if_allowed.items()},
    )


def covered(scopes: Iterable[str]) -> frozenset[str]:
    """The families whose data holders of these scopes may read (`:write` includes `:read`)."""
    return frozenset(scope.partition(":")[0] for scope in scopes)


@dataclass(frozen=True, slots=True)
class RouteData:
    """What a route's access dependency declares: its scopes and the scope of each embed."""

    scopes: tuple[str, ...]
    embeds: Mapping[str, str]


def route_problems(
    operation: str,
    response_model: Any,
    declared: RouteData,
    query_names: Iterable[str],
) -> list[str]:
    """Why a route could show data its scopes do not cover (empty when it cannot)."""
    found = families_of(response_model)
    allowed = covered(declared.scopes)
    problems = []
    missing = found.always - allowed
    if missing:
        problems.append(
            f"{operation}: its response shows {sorted(missing)} but it requires only "
            f"{list(declared.scopes)}; require their read scopes"
        )
    for scope, families in found.if_allowed.items():
        missing = families - allowed - covered([scope])
        if missing:
            problems.append(f"{operation}: a field shown with {scope} also shows {sorted(missing)}")
    if "expand" in query_names:
        for name, families in found.embeds.items():
            embed_scope = declared.embeds.get(name)
            missing = families - allowed - covered([embed_scope] if embed_scope else [])
            if missing:
                problems.append(
                    f"{operation}: `expand={name}` shows {sorted(missing)}; declare "
                    f"embeds={{{name!r}: ...}} on its workspace_scope"
                )
    return problems

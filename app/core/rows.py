"""Response bodies built straight from database rows, without validating them a second time.

A row the database returns was validated when it was written; turning it into a Pydantic model
only to serialise it again costs more than the query (issue 11). `RowJson(Model)` learns the
model's fields once (their order, constant `Literal` fields such as `object`, nested models)
and then rebuilds each row as plain data in that shape for orjson. The bytes are those Pydantic
would produce for `Model.model_validate(row)`: tests/core/test_rows.py checks it field type by
field type, so ETags do not depend on which path built a representation.

`RowJson` refuses, when it is built, a model using a Pydantic feature it does not reproduce
(aliases, serializers, computed or excluded fields, value types or settings that serialise
otherwise): see `check_model`.

A table may also keep each row's representation as written (`StoredDocuments`, in
app/core/stored_documents.py: a `doc` column and the `doc_version` of the code that wrote it). A
row brings its document only when that version is the running code's; the document then goes
into the output as it is (`orjson.Fragment`) and the row's other columns may be NULL. Otherwise
(no document, or one written by another release) the row is built from its columns. Every
service write of such a table stores the document of the row as written and its version
(`StoredDocuments.written`); the database clears both when an update rewrites neither
(migrations 0007 and 0011), a net for writes around the services.

The version is computed from the code, once, at import (app/core/row_versions.py); nobody bumps
it. A representation's (`RowJson.version`) is a hash of the model's JSON schema (descriptions
and examples aside), the source of the generated shape function with the values it names
(constants, defaults, computed fields' functions with the module data they read) and the
versions of Pydantic and orjson. A table's (`StoredDocuments.version`) adds its columns as the
models declare them (`alembic check` keeps those equal to the schema), so a migration that
changes a column changes it too, even one that rewrites the table without firing any trigger
(`ADD COLUMN … DEFAULT`, `ALTER COLUMN … TYPE`). So a change to a representation needs no
migration: while a deploy rolls, each release sends only its own documents and builds the
others' rows from their columns, and rows get documents of the new version as they are written
(or at once with `python -m app.documents`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from app.core.row_versions import representation_version

_OPTIONS = orjson.OPT_UTC_Z


def dumps(data: Any) -> bytes:
    """JSON as Pydantic writes it for our types (UTC datetimes end in `Z`)."""
    return orjson.dumps(data, option=_OPTIONS)


def _models_in(annotation: Any) -> tuple[str, type[BaseModel]] | None:
    """("one" | "list", Model) when the annotation holds a nested model (optionally None)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _models_in(inner[0]) if len(inner) == 1 else None
    if origin is list:
        (item,) = typing.get_args(annotation)
        found = _models_in(item)
        return ("list", found[1]) if found is not None and found[0] == "one" else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("one", annotation)
    return None


# Core-schema nodes the generated shapes reproduce: structure (models, lists, None, defaults,
# validators, which run on writes only) and the values orjson writes as Pydantic does.
_STRUCTURE = frozenset(
    {
        "definitions",
        "definition-ref",
        "model",
        "model-fields",
        "model-field",
        "default",
        "nullable",
        "list",
        "function-after",
        "function-before",
    }
)
_VALUES = frozenset({"str", "int", "float", "bool", "datetime", "enum", "literal", "none"})
_SCALARS = [{"type": kind} for kind in ("str", "int", "float", "bool")]
# Model settings that change how Pydantic writes JSON, with the value orjson matches.
_CONFIG_DEFAULTS = {
    "ser_json_timedelta": "iso8601",
    "ser_json_temporal": "iso8601",
    "ser_json_bytes": "utf8",
    "ser_json_inf_nan": "null",
    "serialize_by_alias": False,
}


def check_model(model: type[BaseModel]) -> None:
    """Refuse (TypeError naming the model and field) a model whose JSON Pydantic writes in a
    way the generated shapes do not: they write each field under its name, in order, as orjson
    writes the row's value, so any other rule would make two bodies of one record differ."""
    _check(model.__pydantic_core_schema__, model.__name__, "", model.__name__)


def _check(node: Mapping[str, Any], model: str, field: str, top: str) -> None:
    kind = node["type"]

    def refuse(reason: str) -> typing.NoReturn:
        where = f"{model}.{field}" if field else model
        raise TypeError(f"RowJson({top}): {where} {reason}, which rows.py does not reproduce")

    serialization = node.get("serialization")
    # A bare scalar type (`use_enum_values` writes an enum's value as `str`) is what orjson
    # writes for the row's value; functions and other serializers are refused.
    if serialization is not None and serialization not in _SCALARS:
        refuse("has a custom serializer")
    if kind == "model":
        model, field = node["cls"].__name__, ""
        config = node.get("config", {})
        for key, default in _CONFIG_DEFAULTS.items():
            if config.get(key, default) != default:
                refuse(f"sets {key}={config[key]!r}")
        if config.get("extra_fields_behavior") == "allow":
            refuse("keeps extra fields (extra='allow')")
        if node.get("root_model"):
            refuse("is a root model")
    elif kind == "model-fields":
        computed = node.get("computed_fields") or []
        if computed:
            field = computed[0]["property_name"]
            refuse("is a computed field")
        for name, inner in node["fields"].items():
            _check(inner, model, name, top)
        return
    elif kind == "model-field":
        for key in ("validation_alias", "serialization_alias"):
            if node.get(key) is not None:
                refuse(f"has an alias ({key}={node[key]!r})")
        if any(key.startswith("serialization_exclude") for key in node):
            refuse("is excluded from output")
    elif kind not in _STRUCTURE and kind not in _VALUES:
        refuse(f"holds `{kind}` values")
    for key in ("schema", "items_schema"):
        if key in node:
            _check(node[key], model, field, top)
    for definition in node.get("definitions", ()):
        _check(definition, model, field, top)


RowShape = Callable[[Mapping[str, Any]], dict[str, Any]]


class _Source:
    """The source of one generated shape function: names for values it needs, and fresh
    variable names for nested values."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.count = 0

    def name(self) -> str:
        """A fresh variable name."""
        self.count += 1
        return f"_{self.count}"

    def value(self, value: Any) -> str:
        """A name bound to `value` in the generated function's globals."""
        name = self.name()
        self.namespace[name] = value
        return name


def _display(
    model: type[BaseModel],
    row: str,
    source: _Source,
    *,
    nested: bool = False,
    prefix: str = "",
    computed: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = None,
    embedded: Mapping[str, str] | None = None,
    stored: str = "",
) -> str:
    """A dict display (Python source) rebuilding `row` (a variable) as `model`'s fields, in
    order, nested and embedded models written out in place.

    A row must hold every field (as `prefix + name`); a nested object (stored JSON) may omit
    those with a default. `computed` fields are functions of the row; an `embedded` model is
    read from the same row's columns labelled with its prefix (a LEFT JOIN: None without id).
    An embedded model whose row brings a non-NULL `prefix + "doc"` is `stored` (a function's
    name in the source) of it instead.
    Only repr()s of the model's own field names and generated names go into the source.
    """
    computed, embedded = computed or {}, embedded or {}
    items: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        found = _models_in(annotation)
        if name in computed:
            expression = f"{source.value(computed[name])}({row})"
        elif name in embedded:
            if found is None or found[0] != "one":
                raise TypeError(f"{model.__name__}.{name}: an embedded field holds one model")
            expression = _embedded(found[1], row, source, embedded[name], stored)
        elif typing.get_origin(annotation) is Literal and len(typing.get_args(annotation)) == 1:
            expression = source.value(typing.get_args(annotation)[0])
        else:
            key = prefix + name
            if nested and not field.is_required():
                default = source.value(field.get_default(call_default_factory=True))
                expression = f"{row}.get({key!r}, {default})"
            else:
                expression = f"{row}[{key!r}]"
            if found is not None:
                value = source.name()
                if found[0] == "one":
                    inner = _display(found[1], value, source, nested=True)
                    shaped = inner
                else:
                    item = source.name()
                    inner = _display(found[1], item, source, nested=True)
                    shaped = f"[{inner} for {item} in {value}]"
                expression = f"(None if ({value} := {expression}) is None else {shaped})"
        items.append(f"{name!r}: {expression}")
    return "{" + ", ".join(items) + "}"


def _embedded(model: type[BaseModel], row: str, source: _Source, prefix: str, stored: str) -> str:
    """The value of an embedded model read from `row`'s columns labelled `prefix`: None when
    its id is (a LEFT JOIN that found nothing), `stored(doc)` when it brings its stored
    document, else a dict display of its columns."""
    inner = _display(model, row, source, prefix=prefix)
    doc, key = source.name(), prefix + "doc"
    inner = f"({stored}({doc}) if ({doc} := {row}.get({key!r})) is not None else {inner})"
    return f"(None if {row}.get({prefix + 'id'!r}) is None else {inner})"


def _as_text(value: Any) -> str:
    """JSON text of an embedded value: null, a stored document (text), or a dict."""
    if value is None:
        return "null"
    return value if isinstance(value, str) else dumps(value).decode()


def _same(doc: str) -> str:
    return doc


def _shape_source(
    model: type[BaseModel],
    parse: bool,
    *,
    computed: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = None,
    embedded: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The source of a function rebuilding a row as `model`'s fields (see `_display`), and the
    values it names: one generated dict display per model, as dataclasses generate __init__;
    calling a function per nested value cost a third of a list page more.

    A row that brings its stored document (`doc`) is that document: for orjson as it is
    (`orjson.Fragment`), or parsed when `parse`. A stored document was written without the
    embedded models (they are the model's last fields, stored as null): those are spliced in
    from the row's embedded columns or their own documents."""
    embedded = embedded or {}
    names = list(model.model_fields)
    if names[len(names) - len(embedded) :] != list(embedded):
        # A stored document is spliced at its end (see below).
        raise TypeError(f"{model.__name__}: embedded fields {list(embedded)} must come last")
    source = _Source()
    stored = source.value(orjson.loads if parse else orjson.Fragment)
    display = _display(model, "row", source, computed=computed, embedded=embedded, stored=stored)
    inner: dict[str, type[BaseModel]] = {}
    for name in embedded:
        found = _models_in(model.model_fields[name].annotation)
        if found is None:
            raise TypeError(f"{model.__name__}.{name}: an embedded field holds one model")
        inner[name] = found[1]
    if not embedded:
        whole = f"{stored}(doc)"
    elif parse:
        values = [
            f"{name!r}: {_embedded(inner[name], 'row', source, prefix, stored)}"
            for name, prefix in embedded.items()
        ]
        whole = f"{{**{stored}(doc), {', '.join(values)}}}"
    else:
        text, same = source.value(_as_text), source.value(_same)
        tail = "".join(f",{dumps(name).decode()}:null" for name in embedded) + "}"
        pieces = [f"doc[:{-len(tail)}]"]
        for name, prefix in embedded.items():
            pieces.append(repr(f",{dumps(name).decode()}:"))
            pieces.append(f"{text}({_embedded(inner[name], 'row', source, prefix, same)})")
        pieces.append("'}'")
        whole = f"{stored}({' + '.join(pieces)})"
    body = f"{whole} if (doc := row.get('doc')) is not None else {display}"
    return f"def shape(row):\n    return {body}\n", source.namespace


def _compiled(source: str, namespace: Mapping[str, Any]) -> RowShape:
    scope = dict(namespace)
    exec(source, scope)  # noqa: S102
    shape: RowShape = scope["shape"]
    return shape


class RowJson:
    """Rows (mappings holding at least the model's fields) as the JSON of `model`; see
    `_shape_source` for `computed` and `embedded` fields."""

    def __init__(
        self,
        model: type[BaseModel],
        *,
        computed: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = None,
        embedded: Mapping[str, str] | None = None,
    ) -> None:
        check_model(model)
        unknown = sorted({*(computed or {}), *(embedded or {})} - set(model.model_fields))
        if unknown:
            raise TypeError(f"RowJson({model.__name__}): no fields {unknown}")
        self.fields = tuple(model.model_fields)
        # For orjson: a stored document goes in as it is.
        source, namespace = _shape_source(model, False, computed=computed, embedded=embedded)
        self.shape = _compiled(source, namespace)
        # As plain data (for a model): a stored document is parsed.
        self._data = _compiled(*_shape_source(model, True, computed=computed, embedded=embedded))
        # What the documents this code stores are written as (see the module's docstring).
        self.version = representation_version(model, source, namespace, _OPTIONS)

    def data(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return self._data(row)

    def json(self, row: Mapping[str, Any]) -> bytes:
        return dumps(self.shape(row))

    def page(self, rows: Iterable[Mapping[str, Any]], next_cursor: str | None) -> bytes:
        """The list envelope (`ListPage`) around the rows."""
        shape = self.shape
        return dumps(
            {
                "object": "list",
                "data": [shape(r) for r in rows],
                "has_more": next_cursor is not None,
                "next_cursor": next_cursor,
            }
        )

"""The versions of stored documents (app/core/rows.py's docstring says what they are for): a
digest of what decides a representation's bytes, the same in every process that runs the same
code, and different in any that might write other bytes."""

from __future__ import annotations

import hashlib
import inspect
import types
from collections.abc import Mapping
from enum import Enum
from typing import Any

import orjson
import pydantic
from pydantic import BaseModel

# Keywords that only document a schema: editing a description does not change a document.
_PROSE = frozenset({"description", "examples"})


def _without_prose(schema: Any, names: bool = False) -> Any:
    """A JSON schema without its prose; under `properties` and `$defs` keys are names."""
    if isinstance(schema, dict):
        return {
            key: _without_prose(value, key in ("properties", "$defs"))
            for key, value in schema.items()
            if names or key not in _PROSE
        }
    if isinstance(schema, list):
        return [_without_prose(value) for value in schema]
    return schema


def _canonical(value: Any, seen: set[int]) -> Any:
    """`value` as plain data that is the same in every process running the same code: no
    addresses, no hash-seeded set order (tests/test_stored_shapes.py checks that processes
    agree). A function is its source and the module-level values it reads, recursively."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Enum):
        return [type(value).__qualname__, _canonical(value.value, seen)]
    if isinstance(value, Mapping):
        return [[_canonical(k, seen), _canonical(v, seen)] for k, v in value.items()]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v, seen) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_canonical(v, seen) for v in value]
    if isinstance(value, types.FunctionType):
        return _function(value, seen)
    if isinstance(value, types.ModuleType):
        return value.__name__
    if isinstance(value, type | types.BuiltinFunctionType):
        return f"{value.__module__}.{value.__qualname__}"
    text = repr(value)
    if " at 0x" in text:  # an address: another process would see another version
        raise TypeError(f"app.core.rows cannot version {text}: give it a repr of its value")
    return [f"{type(value).__module__}.{type(value).__qualname__}", text]


def _function(function: types.FunctionType, seen: set[int]) -> Any:
    if id(function) in seen:
        return function.__qualname__
    seen.add(id(function))
    try:
        source = inspect.getsource(function)
    except OSError:  # no source shipped: the bytecode, which a Python upgrade changes too
        source = function.__code__.co_code.hex()
    read = function.__globals__
    names = sorted({name for name in _names(function.__code__) if name in read})
    return [source, [[name, _canonical(read[name], seen)] for name in names]]


def _names(code: types.CodeType) -> set[str]:
    """The global names a function's code (and the code nested in it) reads."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def digest(data: Any) -> str:
    """16 hexadecimal digits (64 bits): short, and two releases never meet the same one."""
    text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(text, digest_size=8).hexdigest()


def representation_version(
    model: type[BaseModel], source: str, namespace: Mapping[str, Any], options: int
) -> str:
    """The version of the documents `RowJson` writes for `model` with the shape function
    `source` (the names it reads in `namespace`) and orjson `options`."""
    seen: set[int] = set()
    return digest(
        {
            "schema": _without_prose(model.model_json_schema(mode="serialization")),
            "shape": source,
            "values": [[name, _canonical(value, seen)] for name, value in namespace.items()],
            "writers": [pydantic.VERSION, orjson.__version__, options],
        }
    )

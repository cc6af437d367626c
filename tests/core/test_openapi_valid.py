"""The OpenAPI document, as the app builds it and as committed, is valid OpenAPI 3.1 for a
standard validator (openapi-spec-validator), so that linters and SDK generators take it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def _as_served(document: dict[str, Any]) -> dict[str, Any]:
    # What /openapi.json sends: the JSON text, not the Python objects it is rendered from.
    served: dict[str, Any] = orjson.loads(orjson.dumps(document))
    return served


def test_the_built_document_is_valid_openapi_3_1(app: Any) -> None:
    document = _as_served(app.openapi())
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_committed_document_is_valid_openapi_3_1() -> None:
    document = orjson.loads(COMMITTED.read_bytes())
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_validator_rejects_an_invalid_document(app: Any) -> None:
    """The checks above can fail: a response without its required description is refused."""
    document = copy.deepcopy(_as_served(app.openapi()))
    operation = document["paths"]["/v1/me"]["get"]
    del operation["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(document, cls=OpenAPIV31SpecValidator)

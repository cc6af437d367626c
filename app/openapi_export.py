"""`python -m app.openapi_export PATH`: write the app's OpenAPI document, stably formatted."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson


def render() -> bytes:
    from app.main import app

    return orjson.dumps(app.openapi(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "openapi/openapi.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(render())
    print(f"wrote {target}")

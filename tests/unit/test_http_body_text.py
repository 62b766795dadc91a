"""Every text field of a JSON request body states in the OpenAPI document that it holds no NUL character.

The API refuses NUL anywhere in a JSON body (`adapters.http.deps.json_body`: PostgreSQL cannot store it),
so each string's schema must say so (a pattern that excludes it, an enum, a const or a format), or the
contract check (`tests/suites/schemathesis_checks.py`) finds a schema-valid body refused with 422."""

from __future__ import annotations

import re
from typing import Any

import pytest

from razao.api import create_app
from razao.settings import Settings


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings(execution_mode="app")).openapi()


def _states_no_nul(schema: dict[str, Any]) -> bool:
    if "enum" in schema or "const" in schema or "format" in schema:
        return True
    pattern = schema.get("pattern")
    return pattern is not None and re.search(pattern, "a\x00b") is None


def _strings_allowing_nul(document: dict[str, Any], schema: Any, path: str, depth: int = 0) -> list[str]:
    if not isinstance(schema, dict) or depth > 20:
        return []
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, []):
            found += _strings_allowing_nul(document, member, path, depth + 1)
    if schema.get("type") == "string" and not _states_no_nul(schema):
        found.append(path or "(body)")
    for name, member in (schema.get("properties") or {}).items():
        found += _strings_allowing_nul(document, member, f"{path}.{name}" if path else name, depth + 1)
    found += _strings_allowing_nul(document, schema.get("items"), f"{path}[]", depth + 1)
    found += _strings_allowing_nul(document, schema.get("additionalProperties"), f"{path}.*", depth + 1)
    return found


def test_every_text_of_a_json_body_states_that_it_holds_no_nul(document: dict[str, Any]) -> None:
    allowing = {
        f"{method.upper()} {path}: {field}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for media, content in operation.get("requestBody", {}).get("content", {}).items()
        if media == "application/json"
        for field in _strings_allowing_nul(document, content.get("schema"), "")
    }
    assert not allowing, sorted(allowing)

"""`docs/api/openapi.json` (the document the app serves, no database needed) and the endpoint sections of
`docs/api/guide.md` (its `endpoints` region), with an example request per endpoint built from the request
schema and `EXAMPLE_VALUES`."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

from razao.docs_common import cell, with_region


def openapi_document() -> str:
    """What `razao openapi` exports, built like `razao.api.create_app` but without configuring logging
    (this runs inside the test suite too)."""
    from adapters.http.app import create_app
    from razao.container import build_container, dispose_engines
    from razao.settings import Settings

    container = build_container(Settings(execution_mode="app"))
    try:
        spec = create_app(container.services()).openapi()
    finally:
        dispose_engines(container)
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


#: Example values by field name, for the request bodies of the guide's examples.
EXAMPLE_VALUES: dict[str, Any] = {
    "id": "3f0b6a1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b",
    "account_id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
    "debit_account_id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
    "credit_account_id": "9c0efd7c-bcfe-4882-9a25-13e16cdec6a7",
    "code": "customers:42:wallet",
    "name": "Customer 42",
    "asset": "BRL",
    "amount": 1050,
    "scale": 2,
    "normal_side": "credit",
    "side": "debit",
    "description": "Top-up",
}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _example(spec: dict[str, Any], schema: dict[str, Any], name: str = "") -> Any:
    """A small example of `schema`: its required fields only, with the values of EXAMPLE_VALUES."""
    schema = _resolve(spec, schema)
    if "examples" in schema:
        return schema["examples"][0]
    if name in EXAMPLE_VALUES:
        return EXAMPLE_VALUES[name]
    if "anyOf" in schema:
        return _example(spec, next(s for s in schema["anyOf"] if s.get("type") != "null"), name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {k: _example(spec, v, k) for k, v in schema.get("properties", {}).items() if k in required}
    if kind == "array":
        return [_example(spec, schema.get("items", {}), name)] * max(1, schema.get("minItems", 1))
    return {"integer": 100, "number": 1, "boolean": True, "string": "…"}.get(str(kind))


def endpoint_sections() -> str:
    spec = json.loads(openapi_document())
    out = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            scopes = [
                scope for requirement in op.get("security", []) for scope in requirement.get("bearer", [])
            ]
            out.append(f"\n### {op.get('summary', path)}\n\n`{method.upper()} {path}`")
            out.append(f" · scope `{'`, `'.join(scopes)}`\n\n" if scopes else " · no key needed\n\n")
            if op.get("description"):
                out.append(f"{op['description'].strip()}\n\n")
            params = op.get("parameters", [])
            if params:
                out.append("| parameter | in | required | meaning |\n|---|---|---|---|\n")
                for param in params:
                    meaning = param.get("description") or param["schema"].get("description", "")
                    out.append(
                        f"| `{param['name']}` | {param['in']} | {'yes' if param.get('required') else 'no'} | "
                        f"{cell(meaning)} |\n"
                    )
                out.append("\n")
            url = re.sub(r"\{(\w+)\}", lambda m: "$" + m.group(1).upper(), path)
            command = f'curl -s {"-X " + method.upper() + " " if method != "get" else ""}"$RAZAO{url}"'
            if scopes:
                command += ' -H "Authorization: Bearer $KEY"'
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                example = json.dumps(_example(spec, body["schema"]), ensure_ascii=False).replace("'", "'\\''")
                command += f" -H \"Content-Type: application/json\" \\\n  -d '{example}'"
            out.append(f"```sh\n{command}\n```\n\n")
            statuses = [f"`{code}` {HTTPStatus(int(code)).phrase}" for code in op.get("responses", {})]
            out.append(f"Answers: {', '.join(statuses)} (errors: [catalogue](errors.md)).\n")
    return "".join(out)


def guide_page() -> str:
    return with_region("docs/api/guide.md", "endpoints", endpoint_sections())

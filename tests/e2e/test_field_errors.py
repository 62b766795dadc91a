"""Every refusal names its field: a walk over the app's own OpenAPI document.

For every operation: each required field of its request body (for a body with alternative forms, as
the schema's `anyOf` of `required` lists states them: each field of each form), at every depth (items
of lists: `transfers[1].amount`, `postings[1].side`), is dropped, then set to `null`, and every field
is given a value of the wrong JSON type; each required query parameter and header is left out, and
each path, query and header parameter of a checkable type (integer, number, boolean, enum, uuid, date,
date-time) is given a value of the wrong kind. Each such request must be refused with a 422 problem whose
`errors` name exactly that field by its JSON path, and nothing else. Models other routers add are
walked the same way, with no change here.

Valid bodies come from each model's `examples` (one per form; a nested model's examples are tried in
its place too), or are built from the schema where a model has none.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.e2e.conftest import Api

Json = Any
Path = tuple[str | int, ...]
PROBLEM = "application/problem+json"
#: Strings tried, in order, for a string schema with a `pattern` and no example.
_CANDIDATES = ("BRL", "x", "a", "A", "1", "x:1")


@dataclass(frozen=True)
class Case:
    """One request that must be refused, naming `field`."""

    what: str
    method: str
    url: str
    body: Json
    query: dict[str, str]
    headers: dict[str, str]
    field: str


def json_path(path: Path) -> str:
    """`("transfers", 1, "amount")` as `transfers[1].amount`, the API's spelling."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Document:
    """The OpenAPI document, with `$ref`s resolved on demand."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def value_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema of a present value: an optional field's `anyOf [X, null]` is X."""
        schema = self.resolve(schema)
        branches = [self.resolve(b) for b in schema.get("anyOf", []) if b.get("type") != "null"]
        if len(branches) == 1 and "properties" not in schema:
            return branches[0]
        return schema

    def forms(self, schema: dict[str, Any]) -> list[set[str]]:
        """The sets of required properties of an object schema: one, or one per `anyOf` form."""
        required = set(schema.get("required", []))
        branches = [set(b["required"]) for b in schema.get("anyOf", []) if set(b) == {"required"}]
        return [required | b for b in branches] or [required]

    def sample(self, schema: dict[str, Any]) -> Json:
        """A valid value of `schema`: its example, default or enum, or one built from its type."""
        schema = self.value_schema(schema)
        for key in ("examples", "enum"):
            if schema.get(key):
                return copy.deepcopy(schema[key][0])
        if "example" in schema:
            return copy.deepcopy(schema["example"])
        if schema.get("default") is not None:
            return copy.deepcopy(schema["default"])
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            first = self.forms(schema)[0]
            return {name: self.sample(s) for name, s in schema.get("properties", {}).items() if name in first}
        if kind == "array":
            return [self.sample(schema.get("items", {})) for _ in range(max(1, schema.get("minItems", 1)))]
        if kind == "integer" or kind == "number":
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
            return min(max(1, low), schema.get("maximum", 10**6))
        if kind == "boolean":
            return True
        return self._string(schema)

    def _string(self, schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date":
            return "2026-01-01"
        if fmt == "date-time":
            return "2026-01-01T00:00:00+00:00"
        pattern = schema.get("pattern")
        if pattern is None:
            return "x" * max(1, int(schema.get("minLength", 1)))
        for candidate in _CANDIDATES:
            if re.fullmatch(str(pattern), candidate):
                return candidate
        raise AssertionError(f"no sample string for pattern {pattern!r}: add one to _CANDIDATES")

    def instances(self, schema: dict[str, Any]) -> list[Json]:
        """Valid values of a (model) schema: each of its examples (one per form), or a built one."""
        schema = self.value_schema(schema)
        examples = [e for e in schema.get("examples", []) if isinstance(e, dict)]
        return copy.deepcopy(examples) or [self.sample(schema)]


def _set(document: Json, path: Path, value: Json) -> Json:
    document = copy.deepcopy(document)
    *parents, last = path
    node = document
    for part in parents:
        node = node[part]
    node[last] = value
    return document


def _drop(document: Json, path: Path) -> Json:
    document = copy.deepcopy(document)
    *parents, last = path
    node = document
    for part in parents:
        node = node[part]
    del node[last]
    return document


def _get(document: Json, path: Path) -> Json:
    for part in path:
        document = document[part]
    return document


#: A JSON value of another type than each JSON Schema type.
_WRONG_JSON: dict[str, Json] = {
    "string": 12345,
    "integer": "one",
    "number": "one",
    "boolean": "maybe",
    "array": "x",
    "object": "x",
}


def wrong_json(doc: Document, schema: dict[str, Any]) -> Json:
    """A JSON value `schema` refuses for its type, or None for a schema of any type."""
    schema = doc.value_schema(schema)
    if "properties" in schema:
        return "x"
    return _WRONG_JSON.get(schema.get("type", ""))


def mutations(
    doc: Document, body: Json, schema: dict[str, Any], at: Path = ()
) -> Iterator[tuple[str, Json, Path]]:
    """(what, mutated body, path of the field) for each required field of the object at `at` in
    `body`, dropped and nulled, and each field given a value of the wrong type; then the same inside
    each nested object or list of objects."""
    schema = doc.value_schema(schema)
    value = _get(body, at)
    if not isinstance(value, dict):
        return
    forms = [f for f in doc.forms(schema) if f <= set(value)]
    for name in sorted(forms[0] if forms else set()):
        yield "missing", _drop(body, (*at, name)), (*at, name)
        yield "null", _set(body, (*at, name), None), (*at, name)
    for name, field_schema in schema.get("properties", {}).items():  # every field, given or not
        wrong = wrong_json(doc, field_schema)
        if wrong is not None:
            yield f"= {wrong!r}", _set(body, (*at, name), wrong), (*at, name)
    for name, field_schema in schema.get("properties", {}).items():
        if name not in value or value[name] is None:
            continue
        inner = doc.value_schema(field_schema)
        if inner.get("type") == "array" and isinstance(value[name], list) and value[name]:
            items = doc.value_schema(inner.get("items", {}))
            if "properties" not in items:
                continue
            # The last of two items: the index in the field's path is checked as well.
            for item in _variants(doc, value[name][-1], items):
                kept = value[name][: max(1, len(value[name]) - 1)]
                listed = [copy.deepcopy(v) for v in (*kept, item)]  # no two items one object
                yield from mutations(
                    doc, _set(body, (*at, name), listed), items, (*at, name, len(listed) - 1)
                )
        elif "properties" in inner:
            for variant in _variants(doc, value[name], inner):
                yield from mutations(doc, _set(body, (*at, name), variant), inner, (*at, name))


def _variants(doc: Document, value: Json, schema: dict[str, Any]) -> list[Json]:
    """The value itself and the model's own examples (its other forms), once each by set of keys."""
    seen: dict[frozenset[str], Json] = {}
    for candidate in [value, *doc.instances(schema)]:
        if isinstance(candidate, dict):
            seen.setdefault(frozenset(candidate), candidate)
    return list(seen.values())


#: A value each kind of parameter refuses (a parameter of another kind is not tried).
_WRONG = {"integer": "one", "number": "one", "boolean": "maybe"}


def wrong_value(doc: Document, schema: dict[str, Any]) -> str | None:
    """A text no value of `schema` is spelled as, or None where every text could be valid."""
    schema = doc.value_schema(schema)
    if "enum" in schema:
        return "no-such-value"
    if schema.get("format") in ("uuid", "date", "date-time"):
        return f"not-a-{schema['format']}"
    return _WRONG.get(schema.get("type", ""))


_KEEP: Json = object()  # `Operation.case`'s default body: the operation's first valid body


@dataclass(frozen=True)
class Operation:
    """One operation, with valid values for its required parameters and a valid body."""

    method: str
    path: str
    required: dict[str, dict[str, str]]  # "path" | "query" | "header" -> name -> a valid value
    body: Json

    def case(
        self,
        what: str,
        field: str,
        body: Json = _KEEP,
        changed: dict[str, dict[str, str | None]] | None = None,
    ) -> Case:
        """A request that is valid but for `body` and the `changed` parameters (None: left out)."""
        given = {
            where: {k: v for k, v in {**values, **(changed or {}).get(where, {})}.items() if v is not None}
            for where, values in self.required.items()
        }
        return Case(
            f"{self.method.upper()} {self.path}: {what}",
            self.method,
            self.path.format(**given["path"]),
            self.body if body is _KEEP else body,
            given["query"],
            given["header"],
            field,
        )


def cases(document: dict[str, Any]) -> Iterator[Case]:
    doc = Document(document)
    for path, operations in document["paths"].items():
        for method, spec in operations.items():
            parameters = [doc.resolve(p) for p in spec.get("parameters", [])]
            required = {
                where: {
                    p["name"]: str(doc.sample(p.get("schema", {})))
                    for p in parameters
                    if p["in"] == where and p.get("required")
                }
                for where in ("path", "query", "header")
            }
            content = spec.get("requestBody", {}).get("content", {}).get("application/json")
            schema: dict[str, Any] | None = content["schema"] if content else None
            bodies = doc.instances(schema) if schema else []
            operation = Operation(method, path, required, bodies[0] if bodies else None)
            for where in ("query", "header"):  # a required parameter left out
                for name in required[where]:
                    yield operation.case(f"{where} {name} missing", name, changed={where: {name: None}})
            for parameter in parameters:  # any parameter with a value of the wrong kind
                where, name = parameter["in"], parameter["name"]
                wrong = wrong_value(doc, parameter.get("schema", {}))
                if wrong is not None and where in required:
                    yield operation.case(f"{where} {name}={wrong}", name, changed={where: {name: wrong}})
            for body in bodies:
                assert schema is not None
                for what, mutated, at in mutations(doc, body, schema):
                    yield operation.case(f"{json_path(at)} {what}", json_path(at), mutated)


def test_every_refusal_names_its_field(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    walked = list(cases(document))
    failures = []
    for case in walked:
        response = api.client.request(
            case.method,
            case.url,
            params=case.query,
            headers={**api.headers("admin"), **case.headers},
            json=case.body,
        )
        named = [e.get("field") for e in response.json().get("errors") or []] if response.content else []
        if (
            response.status_code != 422
            or response.headers.get("content-type") != PROBLEM
            or response.json().get("code") != "validation_error"
            or named != [case.field]
        ):
            failures.append(f"{case.what}: {response.status_code} names {named} ({response.text[:300]})")
    # The walk reached the forms and depths it is meant to (a broken walker would pass vacuously).
    fields = {(c.url.split("/")[2] if c.url.count("/") > 1 else c.url, c.field) for c in walked}
    for expected in (
        "amount",
        "postings",
        "postings[1].side",
        "transfers[1].amount",
        "transfers[1].postings[1].amount",
    ):
        assert any(field == expected for _, field in fields), f"the walk never reached {expected}"
    assert not failures, f"{len(failures)} of {len(walked)} refusals do not name their field:\n" + "\n".join(
        failures
    )


# --- the issue's cases, spelled out -------------------------------------------------------------------


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    return [e["field"] for e in response.json()["errors"]]


def _simple(**fields: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "debit_account_id": str(uuid.uuid4())}
    return {**body, "credit_account_id": str(uuid.uuid4()), "amount": 100, **fields}


def test_a_transfer_with_amount_null_or_missing_names_amount(api: Api) -> None:
    assert _fields(api.post("/v1/transfers", _simple(amount=None))) == ["amount"]
    body = _simple()
    del body["amount"], body["credit_account_id"]
    assert _fields(api.post("/v1/transfers", body)) == ["credit_account_id", "amount"]
    assert _fields(api.post("/v1/transfers", {"id": str(uuid.uuid4())})) == ["postings"]


def test_a_field_of_the_other_form_beside_postings_is_named(api: Api) -> None:
    postings = [
        {"account_id": str(uuid.uuid4()), "side": side, "amount": 100} for side in ("debit", "credit")
    ]
    body = {**_simple(asset="BRL"), "postings": postings}
    del body["debit_account_id"]
    response = api.post("/v1/transfers", body)
    assert _fields(response) == ["credit_account_id", "amount", "asset"]
    assert "not allowed with postings" in response.json()["errors"][0]["message"]


def test_a_batch_item_is_named_by_its_index(api: Api) -> None:
    items = [_simple() for _ in range(5)]
    items[3]["amount"] = None
    for path in ("/v1/transfers/batch", "/v1/transfers/bulk"):
        assert _fields(api.post(path, {"transfers": items})) == ["transfers[3].amount"]

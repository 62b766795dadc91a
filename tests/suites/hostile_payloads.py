"""The hostile values the hostile-input suite sends: injection strings, bad amounts, broken bodies.

Plain data and small builders, no I/O. `test_hostile.py` puts each value in every place it fits (body
fields, path and query parameters, headers) and asserts a 4xx problem that changed nothing. Each table
lists its most telling values first: the short run takes the first few of each (`SHORT`), the long run
all of them.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from domain.assets import MAX_AMOUNT
from domain.ledger import MAX_BATCH, MAX_EACH
from domain.values import MAX_METADATA_BYTES, MAX_METADATA_DEPTH

#: How many values of each table the short run takes.
SHORT = 6

#: Code that must never run, and text that must never reach SQL or a template unquoted.
INJECTIONS: dict[str, str] = {
    "sql_drop": "'; DROP TABLE entries; --",
    "python_import": "__import__('os').system('id')",
    "nul": "a\x00b",
    "lone_surrogate": "a\ud800b",
    "very_long": "A" * 100_000,
    "template": "{{7*7}}",
    "sql_tautology": "' OR '1'='1",
    "sql_comment": "x'/*",
    "sql_semicolon": "1; UPDATE accounts SET status = 'closed'",
    "python_eval": "eval(compile('1/0', '', 'exec'))",
    "format": "{0.__class__.__mro__}",
    "percent": "%s%s%s%n",
    "like_wildcards": "%_\\",
    "control": "\x1b[2J\r\n\t\x7f",
    "rtl_and_zero_width": "\u202e\u200b\ufeff",
}

#: Values that are not a positive integer of at most MAX_AMOUNT: every one must be refused.
BAD_AMOUNTS: dict[str, Any] = {
    "zero": 0,
    "negative": -1,
    "negative_huge": -(10**40),
    "above_max": MAX_AMOUNT + 1,
    "above_numeric_38": 10**38,
    "thousand_digits": 10**1000,
    "float": 10.5,
    # `10.0` and `1e3` are the integers 10 and 1000 (JSON Schema's `integer`): accepted. A number written
    # an integer is written as digits: a fraction or an exponent is refused, even `10.0` (a float cannot
    # tell it from 10.0000000000000001)
    "integral_float": 10.0,
    "exponent": 1e3,
    "integral_float_beyond_2_53": 1.2e18,
    "negative_zero": -0.0,
    "string": "100",
    "true": True,
    "false": False,
    "null": None,
    "list": [100],
    "object": {"value": 100},
}

#: Raw JSON number spellings that Python's json accepts but JSON does not, or that overflow parsers.
RAW_NUMBERS: dict[str, str] = {
    "nan": "NaN",
    "infinity": "Infinity",
    "minus_infinity": "-Infinity",
    "five_thousand_digits": "1" + "0" * 5000,
    "huge_exponent": "1e400",
    "minus_zero": "-0",
}

#: Bodies that are not JSON, or not a JSON object.
MALFORMED_JSON: dict[str, bytes] = {
    "unterminated": b'{"id": ',
    "invalid_utf8": b'{"code": "\xff\xfe"}',
    "null": b"null",
    "array": b"[]",
    "deep_arrays": b"[" * 100_000 + b"]" * 100_000,
    "empty": b"",
    "trailing_comma": b'{"code": "x",}',
    "single_quotes": b"{'code': 'x'}",
    "bom": b'\xef\xbb\xbf{"code": "x"}',
    "lone_surrogate_escape": b'{"code": "\\ud800"}',
    "nul_escape": b'{"code": "\\u0000"}',
    "string": b'"x"',
    "number": b"1",
    "whitespace": b"   ",
    "deep_objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "duplicate_keys": b'{"code": "x", "code": "y"}',
}

#: Content types that are not JSON (the body is valid JSON, to show that the type alone is refused).
NOT_JSON_TYPES: tuple[str | None, ...] = (
    None,
    "text/plain",
    "text/html",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "application/octet-stream",
    "application/jsonx",
    "json",
    "*/*",
)


def nested(depth: int) -> dict[str, Any]:
    """An object nested `depth` levels deep: {"a": {"a": ... {"a": 1}}}."""
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    result: dict[str, Any] = value
    return result


#: Metadata objects that break its rules (depth, size, floats, non-objects).
BAD_METADATA: dict[str, Any] = {
    "too_deep": nested(MAX_METADATA_DEPTH + 1),
    "very_deep": nested(900),
    "too_big": {"blob": "x" * (MAX_METADATA_BYTES + 1)},
    "huge": {f"k{i}": "v" * 100 for i in range(15_000)},
    "many_small_keys": {str(i): i for i in range(5_000)},
    "float": {"rate": 0.5},
    "float_deep": {"a": [{"b": 1.5}]},
    "list": [1, 2],
    "string": "metadata",
    "number": 7,
}


def batch_body(items: int, transfer: dict[str, Any]) -> dict[str, Any]:
    """A batch of `items` copies of `transfer` (each with its own id)."""
    return {"transfers": [{**transfer, "id": str(uuid4())} for _ in range(items)]}


OVER_BATCH = MAX_BATCH + 1
OVER_BULK = MAX_EACH + 1

#: Items of a bulk request that its schema refuses (the whole request, naming `transfers[i]...`), as
#: (label, the item, or a function of a valid item giving it, and the field named under `transfers[i]`).
BAD_BULK_ITEMS: dict[str, tuple[Any, str]] = {
    "amount a string": (lambda t: {**t, "amount": "100"}, ".amount"),
    "a number": (7, ""),
    "NUL in description": (lambda t: {**t, "description": "a\x00b"}, ".description"),
    "deeply nested item": (lambda t: nested(900), ""),
    "no id": (lambda t: {k: v for k, v in t.items() if k != "id"}, ".id"),
    "NUL in a metadata key": (lambda t: {**t, "metadata": {"a\x00b": 1}}, ".metadata"),
    "amount negative": (lambda t: {**t, "amount": -1}, ".amount"),
    "amount fractional": (lambda t: {**t, "amount": 1.5}, ".amount"),
    "amount beyond NUMERIC(38)": (lambda t: {**t, "amount": 10**40}, ".amount"),
    "null": (None, ""),
    "a string": ("transfer", ""),
    "a list": (lambda t: [t], ""),
    "id with NUL": (lambda t: {**t, "id": "a\x00b"}, ".id"),
    "account id with NUL": (lambda t: {**t, "debit_account_id": "\x00"}, ".debit_account_id"),
    "unknown field": (lambda t: {**t, "unexpected": 1}, ""),
    "pending a string": (lambda t: {**t, "pending": "yes"}, ".pending"),
    "description too long": (lambda t: {**t, "description": "x" * 1001}, ".description"),
    # what the document states of metadata and holds (schemas.common.Metadata, TransferIn)
    "metadata too deep": (lambda t: {**t, "metadata": nested(MAX_METADATA_DEPTH + 1)}, ".metadata"),
    "metadata very deep": (lambda t: {**t, "metadata": nested(900)}, ".metadata"),
    "metadata with a fraction": (lambda t: {**t, "metadata": {"rate": 0.5}}, ".metadata"),
    "timeout without pending": (lambda t: {**t, "timeout_seconds": 60}, ".timeout_seconds"),
}

#: Items of a bulk request its schema takes but the ledger's rules refuse: that item only (the size of
#: metadata, which JSON Schema cannot state). What the document states (NUL characters, the depth and
#: numbers of metadata, a timeout without `pending`) is refused with the request: see `BAD_BULK_ITEMS`.
REFUSED_BULK_ITEMS: dict[str, Any] = {
    "huge metadata": lambda t: {**t, "metadata": {"blob": "x" * (MAX_METADATA_BYTES + 1)}},
}


def raw_with_number(template: dict[str, Any], field: str, spelling: str) -> bytes:
    """`template` as JSON with `field` set to the raw number `spelling` (NaN, 1e400, ...)."""
    marker = "__RAW_NUMBER__"
    text = json.dumps({**template, field: marker})
    return text.replace(f'"{marker}"', spelling).encode()


#: Search queries (docs/search.md) that must be refused with a 4xx problem naming the field:
#: (label, path with query, the field named, the problem codes allowed).
HOSTILE_SEARCHES: list[tuple[str, str, str, frozenset[str]]] = [
    (
        "huge metadata value",
        "/v1/accounts?metadata=k:" + "v" * 5_000,
        "metadata",
        frozenset({"validation_error"}),
    ),
    (
        "huge metadata key",
        "/v1/accounts?metadata_has=" + "k" * 5_000,
        "metadata_has",
        frozenset({"validation_error"}),
    ),
    (
        "many metadata terms",
        "/v1/transfers?" + "&".join(f"metadata=k{i}:v" for i in range(500)),
        "metadata",
        frozenset({"validation_error"}),
    ),
    (
        "many metadata_has terms",
        "/v1/accounts?" + "&".join(f"metadata_has=k{i}" for i in range(500)),
        "metadata_has",
        frozenset({"validation_error"}),
    ),
    ("metadata NUL", "/v1/accounts?metadata=k:a%00b", "metadata", frozenset({"validation_error"})),
    (
        "conflicting metadata",
        "/v1/accounts?metadata=k:a&metadata=k:b",
        "metadata",
        frozenset({"validation_error"}),
    ),
    ("amount alone", "/v1/transfers?amount_min=1", "amount_min", frozenset({"filter_needs_index"})),
    (
        "amount beyond NUMERIC(38)",
        f"/v1/transfers?amount_max={10**40}",
        "amount_max",
        frozenset({"validation_error"}),
    ),
    ("category huge", "/v1/accounts?category=" + "c" * 5_000, "category", frozenset({"validation_error"})),
    ("category NUL", "/v1/accounts?category=a%00", "category", frozenset({"validation_error"})),
    ("status injection", "/v1/accounts?status=active'--", "status", frozenset({"validation_error"})),
    ("basis injection", "/v1/transfers?basis=booked;DROP", "basis", frozenset({"validation_error"})),
]

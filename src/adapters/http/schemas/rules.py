"""The rules a request must meet that JSON Schema cannot state, stated in the document all the same.

A schema states each field alone (patterns, bounds, lengths: `schemas.common`) and the shape of a body
(`anyOf`, `not`); it cannot state a rule between query parameters (`to` not before `from`), nor one that
depends on what the ledger holds (an asset that is registered, a cursor this listing issued). Each such
rule is listed here by operation, and `document_rules` writes it into the operation as
`x-razao-rules`: the fields a refusal names (`transfers[].id` for any item), the rule in words, and
the problem `code` of the refusal (`validation_error` naming those fields, or a ledger rule's own
code: `insufficient_funds`, `unbalanced_transfer`, ...). A request that breaks one is refused with
422; the contract check (`tests/suites/schemathesis_checks.py`) accepts a 422 to a schema-valid
request only when its code and every field it names are among its operation's rules.

Operations with a `cursor` or `after` parameter get the cursor rule without being listed, and operations
with a JSON body the rule that its integers are written as digits (`WHOLE_NUMBERS`, naming every integer
field of the body: JSON Schema's `integer` admits `10.0`, the API does not: `schemas.common.WHOLE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from application.interest import MAX_DAYS
from application.reconciliation import MAX_MANUAL
from application.search import MAX_METADATA_TERMS, MAX_RANGE_DAYS
from domain.time_basis import MAX_HISTORY_DAYS

EXTENSION = "x-razao-rules"


@dataclass(frozen=True, slots=True)
class Rule:
    fields: tuple[str, ...]
    rule: str
    code: str = "validation_error"

    def document(self) -> dict[str, Any]:
        return {"fields": list(self.fields), "rule": self.rule, "code": self.code}


#: The ledger's own rules over a transfer's lines, which no schema states.
_LEDGER = (
    Rule((), "debits and credits balance per asset", "unbalanced_transfer"),
    Rule((), "each line's asset is its account's", "asset_mismatch"),
    Rule((), "no account goes below its minimum balance", "insufficient_funds"),
)
_BOTH_SIDES = "an account on one side of a transfer only"
#: `application.search.MetadataFilter.parse`.
_METADATA_TERMS = Rule(
    ("metadata", "metadata_has"),
    f"at most {MAX_METADATA_TERMS} conditions in all, and a key given twice with one value",
)


_CURSOR = "a cursor this listing issued for the same filters (opaque: pass `next_cursor` back as it came)"
_REGISTERED = "an asset code the ledger knows: an ISO 4217 currency or a registered asset"
_PUBLIC = (
    "a target the ledger may call: its host resolves to public addresses only (private, loopback and "
    "link-local ones are refused unless RAZAO_WEBHOOK_ALLOWED_HOSTS allows them)"
)
_WINDOW = f"`to` not before `from`, and at most {MAX_HISTORY_DAYS} days after it"
_STATEMENT_FILE = (
    "a file of the format given that reads (dates, amounts, texts that fit, the mapping's columns); "
    "the refusal names the line and field (`lines[3].amount`), and nothing of the file is imported"
)
#: `domain.reconciliation.check_rule`, for a saved rule set and a rule given inline.
_RECON_RULE = (
    Rule(("description_regex",), "a regular expression that compiles (Python syntax)"),
    Rule(
        ("weights",),
        "the criteria the rule uses (amount, date, and reference, description, counterparty when set) "
        "weigh more than zero in all",
    ),
)

RULES: dict[str, tuple[Rule, ...]] = {
    "list_accounts": (
        _METADATA_TERMS,
        Rule(("category",), "a category that exists (its id or code)"),
        Rule(("category_descendants",), "`true` only with `category`"),
    ),
    "list_transfers": (
        _METADATA_TERMS,
        Rule(("to",), "`to` not before `from`"),
        Rule(("amount_max",), "`amount_max` not below `amount_min`"),
        Rule(
            ("amount_min", "amount_max", "asset", "status"),
            f"filters no index answers alone need `account_id`, a metadata filter, or `from` and `to` at "
            f"most {MAX_RANGE_DAYS} days apart",
            "filter_needs_index",
        ),
    ),
    "list_entries": (Rule(("to",), "`to` not before `from`"),),
    "get_history": (Rule(("to",), _WINDOW),),
    "get_journal": (Rule(("to",), f"`to` after `from`, and at most {MAX_HISTORY_DAYS} days after it"),),
    "get_trial_balance": (Rule(("through",), "given with the `effective` basis only, and required with it"),),
    "open_account": (Rule(("asset",), _REGISTERED),),
    "create_category": (Rule(("parent_id", "parent_code"), "a category that exists"),),
    "update_category": (Rule(("parent_id", "parent_code"), "a category that exists"),),
    "create_transfer": (*_LEDGER, Rule(("postings", "debit_account_id", "credit_account_id"), _BOTH_SIDES)),
    "create_batch": (
        *_LEDGER,
        Rule(("transfers[].id",), "each transfer's id once in the batch"),
        Rule(("transfers[].postings",), _BOTH_SIDES),
    ),
    "create_bulk": (*_LEDGER, Rule(("transfers[].postings",), _BOTH_SIDES)),
    "post_pending": (
        *_LEDGER,
        Rule(("amount",), "at most the pending amount; a partial amount only for a two-posting transfer"),
    ),
    "reverse_transfer": (*_LEDGER, Rule(("id",), "an id of its own, not the reversed transfer's")),
    "put_interest_policy": (
        Rule(("counterpart_account_id",), "another account than the one it pays, of the same asset"),
        Rule((), "the counterpart's asset is the account's", "asset_mismatch"),
    ),
    "close_period": (
        Rule(("asset",), _REGISTERED),
        Rule(("through",), "a day that has ended (UTC), later than the scope's current close"),
    ),
    "create_webhook": (Rule(("url",), _PUBLIC),),
    "update_webhook": (
        Rule(("url",), _PUBLIC),
        Rule(("max_in_flight",), "1 while the endpoint is ordered (as sent, or as it is)"),
    ),
    "import_statement": (
        Rule(("mapping",), "a saved CSV mapping's name", "invalid_statement"),
        Rule((), _STATEMENT_FILE, "invalid_statement"),
        Rule((), "the statement's currency is its account's asset", "asset_mismatch"),
    ),
    "create_csv_mapping": (Rule(("name",), "a name no other mapping is saved under", "invalid_statement"),),
    "save_reconciliation_rule": _RECON_RULE,
    "start_reconciliation_run": _RECON_RULE,
    "list_reconciliation_results": (Rule(("state",), "`ambiguous` with `side=bank` only"),),
    "create_reconciliation_match": (
        Rule(("line_nos",), "lines of the statement; several lines to one entry, or one line to several"),
        Rule(("entries",), f"posted entries of the statement's account, at most {MAX_MANUAL} in all"),
        Rule(("transfer_ids",), "transfers with a posted entry on the statement's account"),
    ),
    "book_statement_line": (
        *_LEDGER,
        Rule(("account_id",), "another account than the statement's"),
    ),
    "start_interest_accrual": (
        Rule(
            ("start", "end"),
            f"`end` not before `start`, at most {MAX_DAYS} days, and only days that have ended",
        ),
    ),
}


WHOLE_NUMBERS = (
    "an integer is written as digits, without a fraction or an exponent (`10`, not `10.0` or `1e1`)"
)


def integer_fields(
    document: dict[str, Any], schema: Any, at: str = "", seen: frozenset[str] = frozenset()
) -> set[str]:
    """The paths of the integer fields of a body `schema` (`amount`, `transfers[].amount`), as a refusal
    names them; a component met again on its own path is not walked twice (metadata nests itself)."""
    if not isinstance(schema, dict):
        return set()
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[1]
        if name in seen:
            return set()
        return integer_fields(document, document["components"]["schemas"][name], at, seen | {name})
    found = {at} if at and (schema.get("type") == "integer") else set()
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, ()):
            found |= integer_fields(document, member, at, seen)
    for name, member in (schema.get("properties") or {}).items():
        found |= integer_fields(document, member, f"{at}.{name}" if at else name, seen)
    if "items" in schema:
        found |= integer_fields(document, schema["items"], f"{at}[]", seen)
    return found


def rules_of(
    operation_id: str, operation: dict[str, Any], document: dict[str, Any] | None = None
) -> list[Rule]:
    """The rules of an operation of the document: the listed ones, with a cursor the cursor's, and with a
    JSON body holding integers the rule of how they are written."""
    rules = list(RULES.get(operation_id, ()))
    for parameter in operation.get("parameters", ()):
        if parameter.get("in") == "query" and parameter.get("name") in ("cursor", "after"):
            rules.append(Rule((parameter["name"],), _CURSOR))
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is not None and document is not None:
        integers = integer_fields(document, body)
        if integers:
            rules.append(Rule(tuple(sorted(integers)), WHOLE_NUMBERS))
    return rules


def document_rules(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with each operation's rules as `x-razao-rules` (idempotent)."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                rules = rules_of(operation["operationId"], operation, schema)
                if rules:
                    operation[EXTENSION] = [rule.document() for rule in rules]
    return schema

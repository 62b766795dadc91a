"""`docs/api/errors.md`: the problem table of `adapters.http.problems` with what each code means and what
to do (`GUIDANCE`: a code without guidance is listed as undocumented and fails the test)."""

from __future__ import annotations

import json

from razao.docs_common import HEADER, cell

#: What each problem code means and what a client should do; every code of the problem table needs one.
GUIDANCE: dict[str, tuple[str, str]] = {
    "category_cycle": (
        "A category cannot be nested in itself or in one of its descendants.",
        "Move it under a category outside its own subtree, or make it a root (`parent_id: null`).",
    ),
    "not_acceptable": (
        "The `Accept` header asks for a representation the operation cannot give (an export answers"
        " `text/csv` or `application/x-ndjson`, docs/export.md).",
        "Ask for one of the types the operation lists, or send no `Accept`.",
    ),
    "validation_error": (
        "The request is malformed or a field is out of range (a non-integer amount, an unknown asset, "
        "a missing id). `errors` lists each offending field.",
        "Fix the request; retrying it unchanged fails the same way.",
    ),
    "filter_needs_index": (
        "A search no index answers alone: a transfer search by amount, asset, or status by value date "
        "with nothing that bounds the transfers read. `errors` names each such filter (docs/search.md).",
        "Add `account_id`, a metadata filter, or `from` and `to` at most 31 days apart.",
    ),
    "unbalanced_transfer": (
        "The transfer's debits and credits differ for some asset.",
        "Make debits equal credits per asset; nothing was booked.",
    ),
    "asset_mismatch": (
        "A posting names an asset that is not its account's asset.",
        "Post in each account's own asset; use two transfers through a conversion account to exchange.",
    ),
    "insufficient_funds": (
        "An account's available balance (posted minus holds) would fall below its minimum balance. "
        "`context` has the account and the available balance.",
        "Fund the account first, or book a smaller amount. Retrying later may succeed.",
    ),
    "account_not_found": (
        "An account named in the request does not exist.",
        "Check the id; open the account first.",
    ),
    "account_inactive": (
        "An account is frozen or closed and does not accept postings.",
        "Unfreeze it (`POST /v1/accounts/{id}/unfreeze`) if it was frozen; a closed account stays closed.",
    ),
    "idempotency_conflict": (
        "The transfer id was already used for a different request.",
        "Use a new id for a new transfer; reuse an id only to retry the very same request.",
    ),
    "invalid_state": (
        "The operation is not allowed in the resource's current state: posting a transfer that is not "
        "pending, reversing one twice, closing an account with a balance.",
        "Read the resource (`GET`) to see its state; do not retry unchanged.",
    ),
    "not_found": ("The resource (or route) does not exist.", "Check the id or the path."),
    "period_closed": (
        "The request would book entries dated (`effective_at`; a capture: its hold's) on or before the "
        "day an accounting period of their asset is closed through. `context` has the transfer, the "
        "asset, the value date and `closed_through`.",
        "Date it after the closed day (a correction in the open period), or have an administrator reopen "
        "the period (`POST /v1/periods/{id}/reopen`, see the periods guide).",
    ),
    "cursor_expired": (
        "The events feed's cursor (`after`) is older than the events kept: retention "
        "(`RAZAO_EVENT_RETENTION_DAYS`) deleted events after it, which this reader never saw.",
        "Start again without `after` (from the oldest event kept) and reconcile what may have been "
        "missed from the ledger itself (`GET /v1/transfers`, `GET /v1/accounts`).",
    ),
    "invalid_statement": (
        "A bank statement file was refused: not of the format given, not well formed, a construct refused "
        "for safety (a DTD or an entity, a line over 10,000 bytes, NUL characters), an encoding it does not "
        "declare, or a value out of the rules (an amount with more decimals than the asset's scale, a date "
        "that is not one, a currency other than the account's). `errors` names the field, with the line "
        "(`lines[7].amount`). Nothing was imported.",
        "Fix or re-export the file; for CSV, check the saved mapping (docs/audit/reconciliation.md).",
    ),
    "not_sealed_yet": (
        "No journal line of the transfer is sealed yet: its proof does not exist yet. The sealer seals "
        "the committed journal every `RAZAO_SEAL_INTERVAL_SECONDS` (docs/audit/seals.md).",
        "Ask again after the `Retry-After` seconds.",
    ),
    "domain_error": (
        "A ledger rule without a more specific code was violated.",
        "Read `detail`; report it if it is unexpected.",
    ),
    "unauthenticated": (
        "No API key, an unknown key, or a revoked key.",
        "Send `Authorization: Bearer rz_...` with a valid key.",
    ),
    "forbidden": (
        "The key lacks the scope this operation needs (`ledger:read`, `ledger:write`, `admin`).",
        "Use a key with that scope; an administrator creates keys with `razao api-key create`.",
    ),
    "method_not_allowed": ("The path exists but not with this HTTP method.", "See the API reference."),
    "payload_too_large": (
        "The request body is larger than the server accepts (`RAZAO_MAX_BODY_BYTES`, 2 MiB by default).",
        "Split a large batch into several requests (1,000 transfers at most per batch).",
    ),
    "unsupported_media_type": (
        "The request body is not JSON.",
        "Send `Content-Type: application/json`.",
    ),
    "service_unavailable": (
        "The request could not be served now, and nothing was written: it conflicted with concurrent ones "
        "(a serialization failure or deadlock) past its retries, the database is unreachable or has no "
        "free connection, its deployed code does not match this application (a deployment in progress), "
        "or the job broker is down.",
        "Retry after the `Retry-After` seconds with the same id: writes are idempotent, so a retry never "
        "books twice.",
    ),
    "not_ready": (
        "The service cannot serve yet (database unreachable, schema or deployed code not at the "
        "expected version).",
        "Wait and retry; operators: see the readiness runbook.",
    ),
    "internal_error": (
        "An unexpected failure; nothing was committed for this request.",
        "Retry with the same id; report the `request_id` if it persists.",
    ),
}


def undocumented_problem_codes() -> list[str]:
    from adapters.http.problems import PROBLEM_TYPES

    return sorted(code for code in PROBLEM_TYPES if code not in GUIDANCE)


def errors_page() -> str:
    from adapters.http.problems import CODE_BY_STATUS, FIELD_NAMING, PROBLEM_TYPES, TYPE_PREFIX

    out = [
        HEADER,
        "# Error catalogue\n\n",
        "Every error response is an RFC 9457 problem document (`Content-Type: application/problem+json`)\n"
        f"whose `code` is stable and whose `type` is `{TYPE_PREFIX}<code>`. `detail` is for humans and may\n"
        "change; `request_id` matches the `X-Request-ID` header (quote it when you report a problem);\n"
        "`errors` lists offending fields (validation errors) and `context` holds machine-readable facts.\n"
        "A rejected request changes nothing.\n\n",
        "```json\n"
        + json.dumps(
            {
                "type": f"{TYPE_PREFIX}insufficient_funds",
                "title": PROBLEM_TYPES["insufficient_funds"].title,
                "status": 422,
                "detail": "account wallet:alice would have an available balance of -500, below its minimum of 0",
                "code": "insufficient_funds",
                "request_id": "5f0c6b1e2d3a4b5c8d9e0f1a2b3c4d5e",
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n```\n\n",
        "A code can come with more than one status: `validation_error` is 400 when the body is not valid\n"
        "JSON and 422 when its content is refused.\n\n",
        "| code | HTTP status | title | what it means | what to do |\n|---|---|---|---|---|\n",
    ]
    for code, kind in sorted(PROBLEM_TYPES.items(), key=lambda item: (item[1].status, item[0])):
        meaning, action = GUIDANCE.get(code, ("**Not documented yet.**", "—"))
        statuses = sorted({kind.status, *(status for status, c in CODE_BY_STATUS.items() if c == code)})
        status = ", ".join(map(str, statuses))
        out.append(f"| `{code}` | {status} | {cell(kind.title)} | {cell(meaning)} | {cell(action)} |\n")
    out.append("\n## Which field\n\n" + FIELD_NAMING)
    return "".join(out)

"""The ledger triggers cost what a statement books, not what the ledger holds (revision 0007).

`entries_book` joins the accounts of a statement's new entries to `public.accounts`. With revision
0002's text the planner walked the whole primary-key index of `accounts` instead of looking up those few
accounts (the jobs benchmark found it at 1,000,000 accounts: about 0.5 s per INSERT into `entries`).
Here one statement books 100 transfers between 200 of 20,000 accounts while auto_explain reports the plan of
every statement the trigger runs (JSON, nested statements, actual rows): no index scan may read more
accounts than the statement books. (Revision 0002's text fails this: its plan walks about 19,800.)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import Engine, text

ACCOUNTS = 20_000
#: Transfers booked by one statement (a batch, or a chunk of interest postings), each between two accounts.
BATCH = 100
#: The plan nodes that walk an index: reading more rows than the statement books is the pathology. (A
#: sequential scan is the planner's honest choice for a table this small, and is left to the benchmark.)
INDEX_SCANS = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_booking_a_transfer_reads_only_the_accounts_it_books(admin_engine: Engine) -> None:
    with admin_engine.begin() as conn:
        conn.execute(text("INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, now())"))
        conn.execute(
            text(
                "INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status,"
                " created_at) SELECT gen_random_uuid(), 'plan:' || i, 'Plan ' || i, 'BRL', 'credit',"
                " NULL, 'active', now() FROM generate_series(1, :n) AS i"
            ),
            {"n": ACCOUNTS},
        )
        conn.execute(text("ANALYZE accounts"))
        booked = list(
            conn.execute(text("SELECT id FROM accounts ORDER BY code LIMIT :n"), {"n": 2 * BATCH}).scalars()
        )

    notices: list[str] = []
    raw = admin_engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, psycopg.Connection)
        connection.add_notice_handler(lambda notice: notices.append(notice.message_primary or ""))
        with connection.cursor() as cursor:
            for setting in (
                "LOAD 'auto_explain'",
                "SET auto_explain.log_min_duration = 0",
                "SET auto_explain.log_nested_statements = on",
                "SET auto_explain.log_analyze = on",
                "SET auto_explain.log_format = json",
                "SET auto_explain.log_level = notice",
            ):
                cursor.execute(setting)
            transfers = [uuid.uuid4() for _ in range(BATCH)]
            cursor.execute(
                "INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at,"
                " created_at, fingerprint)"
                " SELECT id, 'posted', false, 'plan', '{}', now(), now(), id::text FROM unnest(%s::uuid[]) AS id",
                (transfers,),
            )
            # One statement: each transfer debits an account (credit-normal, so its balance goes to -100)
            # and credits the next one.
            cursor.execute(
                "INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,"
                " balance_after, created_at, effective_at)"
                " SELECT t, a, 1, line, 'posted', side, 100, 'BRL', CASE side WHEN 'debit' THEN -100 ELSE 100 END,"
                " now(), now() FROM unnest(%s::uuid[], %s::uuid[], %s::int[], %s::text[]) AS x(t, a, line, side)",
                (
                    [t for t in transfers for _ in range(2)],
                    booked,
                    [0, 1] * BATCH,
                    ["debit", "credit"] * BATCH,
                ),
            )
        connection.commit()
    finally:
        raw.close()

    plans = [json.loads(n[n.index("{") :]) for n in notices if "plan:" in n]
    booking = [p for p in plans if "bad AS" in p["Query Text"]]
    assert booking, f"no plan of entries_book's statement among {len(plans)} plans"
    read: dict[tuple[str, str | None], int] = {}
    for plan in booking:
        for node in _nodes(plan["Plan"]):
            if node.get("Relation Name") == "accounts":
                key = (node["Node Type"], node.get("Index Name"))
                read[key] = max(read.get(key, 0), node["Actual Rows"] * node["Actual Loops"])
    walked = {key: rows for key, rows in read.items() if key[0] in INDEX_SCANS and rows > len(booked)}
    assert read and not walked, f"accounts read per plan node: {read}"

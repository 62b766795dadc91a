"""SQL that both database adapters run, stated once: the in-database store (`razao_store`, over SPI) and
the app's SQLAlchemy adapter (`adapters.db.groups`, which loads this file as it is) build the same text.

Pure functions over strings: no plpy, no database, nothing at import. Part of the deployed code bundle
like every module of plpython/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: The posted entries of one account of `g` on the instant's own day, up to the instant: an index probe
#: of `ix_entries_value_date` per account, so the cost follows the group's size, never the day's volume.
_DAY_ENTRIES = (
    "JOIN LATERAL (SELECT e.side, e.amount FROM public.entries e WHERE e.account_id = g.id"
    " AND e.layer = 'posted' AND e.effective_at >= {day}::timestamp AT TIME ZONE 'UTC'"
    " AND e.effective_at <= {at}) e ON true"
)


def group_sql(kind: str, values: str, bounded: bool, descendants: bool, p: Callable[[str], str]) -> str:
    """The statement for a `kind` of group ("prefix" or "category"), `values` ("now", "booked" or
    "effective"), for a prefix whether the code range has an upper bound, for a category whether its
    descendants count; `p(name)` spells a parameter (`$n` inside PostgreSQL, `:name` in the app)."""
    if kind == "category":
        return _category_sql(values, descendants, p)
    account = (
        "a.id, a.asset_code, CASE WHEN a.normal_side = 'credit' THEN 1 ELSE -1 END AS sign,\n"
        "           CASE WHEN a.normal_side = 'credit' THEN a.posted_credits - a.posted_debits\n"
        "                ELSE a.posted_debits - a.posted_credits END AS posted_now,\n"
        "           a.pending_debits, a.pending_credits,\n"
        "           CASE WHEN a.normal_side = 'credit' THEN a.posted_credits - a.posted_debits - a.pending_debits\n"
        "                ELSE a.posted_debits - a.posted_credits - a.pending_credits END AS available_now"
    )
    if kind == "prefix":
        upper = f" AND a.code < {p('upper')}" if bounded else ""
        scope = (
            "g AS MATERIALIZED (\n"
            f"    SELECT {account},\n"
            f"           split_part(substr(a.code, {p('skip')}), ':', 1) AS child\n"
            f"    FROM public.accounts a WHERE a.code >= {p('prefix')}{upper}\n"
            ")"
        )
    else:
        # The direct subcategories, each with its own subtree when `descendants` (UNION: even a cycle
        # written past the trigger would end the walk), and the accounts counted under each.
        nested = (
            "\n  UNION\n    SELECT c.id, t.child FROM public.categories c JOIN tree t ON c.parent_id = t.id"
            if descendants
            else ""
        )
        scope = (
            "tree(id, child) AS (\n"
            f"    SELECT c.id, c.id FROM public.categories c WHERE c.parent_id = {p('root')}{nested}\n"
            "), member AS MATERIALIZED (\n"
            "    SELECT DISTINCT t.child, m.account_id FROM tree t\n"
            "    JOIN public.account_categories m ON m.category_id = t.id\n"
            "), g AS MATERIALIZED (\n"
            f"    SELECT {account}, NULL::text AS child\n"
            "    FROM public.accounts a WHERE a.id IN (\n"
            "        SELECT m.account_id FROM public.account_categories m\n"
            f"        WHERE m.category_id = {p('root')} OR m.category_id IN (SELECT t.id FROM tree t)\n"
            "    )\n"
            ")"
        )
    if values == "now":
        v = (
            "v AS NOT MATERIALIZED (\n"
            "    SELECT g.id, g.asset_code, g.child, g.posted_now AS posted, g.pending_debits, g.pending_credits,\n"
            "           g.available_now AS available\n"
            "    FROM g\n"
            ")"
        )
    elif values == "booked":
        v = (
            "v AS (\n"
            "    SELECT g.id, g.asset_code, g.child, coalesce(b.balance_after, 0) AS posted,\n"
            "           NULL::numeric AS pending_debits, NULL::numeric AS pending_credits,\n"
            "           NULL::numeric AS available\n"
            "    FROM g LEFT JOIN LATERAL (\n"
            "        SELECT e.balance_after FROM public.entries e\n"
            f"        WHERE e.account_id = g.id AND e.layer = 'posted' AND e.created_at <= {p('at')}\n"
            "        ORDER BY e.created_at DESC, e.seq DESC LIMIT 1\n"
            "    ) b ON true\n"
            ")"
        )
    else:
        day = f"({p('at')} AT TIME ZONE 'UTC')::date"
        v = (
            "moved AS (\n"
            "    SELECT x.account_id, sum(x.net) AS net FROM (\n"
            "        SELECT d.account_id, d.credits - d.debits AS net\n"
            "        FROM public.account_value_days d JOIN g ON g.id = d.account_id\n"
            f"        WHERE d.value_date < {day}\n"
            "      UNION ALL\n"
            "        SELECT g.id, CASE WHEN e.side = 'credit' THEN e.amount ELSE -e.amount END\n"
            f"        FROM g {_DAY_ENTRIES.format(day=day, at=p('at'))}\n"
            "    ) x GROUP BY x.account_id\n"
            "), v AS (\n"
            "    SELECT g.id, g.asset_code, g.child, g.sign * coalesce(moved.net, 0) AS posted,\n"
            "           NULL::numeric AS pending_debits, NULL::numeric AS pending_credits,\n"
            "           NULL::numeric AS available\n"
            "    FROM g LEFT JOIN moved ON moved.account_id = g.id\n"
            ")"
        )
    # Grouped by columns of CTEs (no statistics: a default estimate of 200 groups each) and, with a child,
    # by the asset's code from `assets` (whose statistics know how few there are): a hash aggregate, where
    # the accounts' unique codes would have made the planner expect a group per account and sort them all.
    sums = (
        "count(*) AS accounts, sum(v.posted) AS posted, sum(v.pending_debits) AS pending_debits,"
        " sum(v.pending_credits) AS pending_credits, sum(v.available) AS available"
    )
    if kind == "prefix":
        totals = (
            ", per AS MATERIALIZED (\n"
            f"    SELECT v.child, s.code AS asset_code, {sums}\n"
            "    FROM v JOIN public.assets s ON s.code = v.asset_code GROUP BY v.child, s.code\n"
            ")\n"
            "SELECT NULL::text AS child, per.asset_code, sum(per.accounts) AS accounts, sum(per.posted) AS posted,\n"
            "       sum(per.pending_debits) AS pending_debits, sum(per.pending_credits) AS pending_credits,\n"
            "       sum(per.available) AS available\n"
            "FROM per GROUP BY per.asset_code\n"
            "UNION ALL\n"
            "SELECT per.child, per.asset_code, per.accounts, per.posted, per.pending_debits, per.pending_credits,\n"
            "       per.available\n"
            "FROM per WHERE per.child IN (\n"
            "    SELECT DISTINCT k.child FROM per k\n"
            f"    WHERE {p('after')} IS NULL OR k.child > {p('after')}\n"
            f"    ORDER BY k.child LIMIT {p('max_children')}\n"
            ")"
        )
    else:
        # The category's own accounts and, with descendants, every account of the scope (IN: once each).
        own = (
            ""
            if descendants
            else "WHERE v.id IN (SELECT m.account_id FROM public.account_categories m"
            f" WHERE m.category_id = {p('root')})\n"
        )
        totals = (
            f"\nSELECT NULL::text AS child, v.asset_code, {sums}\n"
            f"FROM v\n{own}GROUP BY v.asset_code\n"
            "UNION ALL\n"
            f"SELECT member.child::text, s.code AS asset_code, {sums}\n"
            "FROM member JOIN v ON v.id = member.account_id JOIN public.assets s ON s.code = v.asset_code\n"
            "GROUP BY member.child, s.code"
        )
    recursive = "RECURSIVE " if kind == "category" else ""
    return f"WITH {recursive}{scope}, {v}{totals}"


def _category_sql(values: str, descendants: bool, p: Callable[[str], str]) -> str:
    """The category statement: each account of the scope read once and its values summed straight into a
    few keys (the one direct subcategory it lies under, or the account itself when it lies under several;
    the asset; the normal side), the totals then added up from those few sums.

    - `kid`: the direct subcategories, numbered; `tree`: the category itself (number NULL) and each
      subcategory with, when `descendants`, its subtree (UNION: even a cycle written past the trigger ends
      the walk), each with the number of the subcategory it lies under;
    - `member`: per account of the scope, one hash aggregate over its memberships: the least and greatest
      of those numbers (equal: under one subcategory, the common case) and, without descendants, whether
      the category holds it itself;
    - `per`: the sums per key. An account under several subcategories keeps its own key (`several`, its
      id; `k` NULL) and is found again, alone, for the subcategories' totals (`per.k IS NULL`, which the
      planner takes for few rows, as it does of any NULL test on a CTE: a few index probes).
    """
    root = p("root")
    nested = (
        "\n  UNION\n    SELECT c.id, t.k FROM public.categories c JOIN tree t ON c.parent_id = t.id"
        " WHERE t.k IS NOT NULL"
        if descendants
        else ""
    )
    own = "" if descendants else ", bool_or(t.k IS NULL) AS own"
    scope = (
        "kid AS MATERIALIZED (\n"
        "    SELECT c.id, row_number() OVER (ORDER BY c.id)::integer AS k\n"
        f"    FROM public.categories c WHERE c.parent_id = {root}\n"
        "), tree(id, k) AS (\n"
        f"    SELECT {root}, NULL::integer\n"
        f"  UNION ALL\n    SELECT kid.id, kid.k FROM kid{nested}\n"
        "), member AS (\n"
        f"    SELECT m.account_id, min(t.k) AS k, max(t.k) AS k2{own}\n"
        "    FROM tree t JOIN public.account_categories m ON m.category_id = t.id GROUP BY m.account_id\n"
        ")"
    )
    keys = (
        "CASE WHEN member.k = member.k2 THEN member.k END AS k,"
        " CASE WHEN member.k <> member.k2 THEN a.id END AS several" + ("" if descendants else ", member.own")
    )
    key = "{0}.k, {0}.several" + ("" if descendants else ", {0}.own")
    accounts = "FROM member JOIN public.accounts a ON a.id = member.account_id"
    unknown = "NULL::numeric AS pending_debits, NULL::numeric AS pending_credits, NULL::numeric AS available"
    if values == "now":
        # Summed per normal side as stored: the sign and the differences apply to the sums.
        per = (
            f"    SELECT {key.format('v')}, s.code AS asset_code, count(*) AS accounts,\n"
            "           CASE WHEN v.normal_side = 'credit' THEN sum(v.posted_credits) - sum(v.posted_debits)\n"
            "                ELSE sum(v.posted_debits) - sum(v.posted_credits) END AS posted,\n"
            "           sum(v.pending_debits) AS pending_debits, sum(v.pending_credits) AS pending_credits,\n"
            "           CASE WHEN v.normal_side = 'credit'\n"
            "                THEN sum(v.posted_credits) - sum(v.posted_debits) - sum(v.pending_debits)\n"
            "                ELSE sum(v.posted_debits) - sum(v.posted_credits) - sum(v.pending_credits)\n"
            "           END AS available\n"
            "    FROM (\n"
            f"        SELECT {keys}, a.asset_code, a.normal_side, a.posted_debits, a.posted_credits,\n"
            f"               a.pending_debits, a.pending_credits\n        {accounts}\n"
            "    ) v JOIN public.assets s ON s.code = v.asset_code\n"
            f"    GROUP BY {key.format('v')}, s.code, v.normal_side"
        )
        before = ""
    elif values == "booked":
        # One backward index-only probe of `ix_entries_balance_as_of` per account.
        per = (
            f"    SELECT {key.format('v')}, s.code AS asset_code, count(*) AS accounts,"
            f" sum(coalesce(b.balance_after, 0)) AS posted,\n           {unknown}\n"
            f"    FROM (\n        SELECT {keys}, a.id, a.asset_code\n        {accounts}\n"
            "    ) v JOIN public.assets s ON s.code = v.asset_code LEFT JOIN LATERAL (\n"
            "        SELECT e.balance_after FROM public.entries e\n"
            f"        WHERE e.account_id = v.id AND e.layer = 'posted' AND e.created_at <= {p('at')}\n"
            "        ORDER BY e.created_at DESC, e.seq DESC LIMIT 1\n"
            "    ) b ON true\n"
            f"    GROUP BY {key.format('v')}, s.code"
        )
        before = ""
    else:
        # What `razao.value_net` answers, summed straight into the keys (each account is in `g` once, so
        # no sum per account): the value days before the instant's UTC day (one hash join with the days)
        # and the posted entries of that day up to the instant (through the transfers whose value date is
        # in it, `ix_transfers_effective_at_id`); each account also counts itself once, with nothing.
        day = f"({p('at')} AT TIME ZONE 'UTC')::date"
        g = key.format("g")
        before = (
            f", g AS MATERIALIZED (\n    SELECT {keys}, a.id, a.asset_code, a.normal_side\n    {accounts}\n)"
        )
        per = (
            f"    SELECT {key.format('v')}, s.code AS asset_code, sum(v.n) AS accounts,\n"
            "           CASE WHEN v.normal_side = 'credit' THEN 1 ELSE -1 END * sum(v.net) AS posted,\n"
            f"           {unknown}\n"
            "    FROM (\n"
            f"        SELECT {g}, g.asset_code, g.normal_side, 1 AS n, 0::numeric AS net FROM g\n"
            "      UNION ALL\n"
            f"        SELECT {g}, g.asset_code, g.normal_side, 0, d.credits - d.debits\n"
            f"        FROM public.account_value_days d JOIN g ON g.id = d.account_id WHERE d.value_date < {day}\n"
            "      UNION ALL\n"
            f"        SELECT {g}, g.asset_code, g.normal_side, 0,\n"
            "               CASE WHEN e.side = 'credit' THEN e.amount ELSE -e.amount END\n"
            f"        FROM g {_DAY_ENTRIES.format(day=day, at=p('at'))}\n"
            "    ) v JOIN public.assets s ON s.code = v.asset_code\n"
            f"    GROUP BY {key.format('v')}, s.code, v.normal_side"
        )
    sums = (
        "sum(x.accounts) AS accounts, sum(x.posted) AS posted, sum(x.pending_debits) AS pending_debits,"
        " sum(x.pending_credits) AS pending_credits, sum(x.available) AS available"
    )
    cols = "per.asset_code, per.accounts, per.posted, per.pending_debits, per.pending_credits, per.available"
    whole = "" if descendants else "WHERE x.own\n"
    totals = (
        f"SELECT NULL::text AS child, x.asset_code, {sums}\n"
        f"FROM per x\n{whole}GROUP BY x.asset_code\n"
        "UNION ALL\n"
        f"SELECT kid.id::text AS child, x.asset_code, {sums}\n"
        "FROM (\n"
        f"    SELECT per.k, {cols} FROM per\n"
        "  UNION ALL\n"
        f"    SELECT d.k, {cols}\n"
        "    FROM per CROSS JOIN LATERAL (\n"
        "        SELECT DISTINCT t.k FROM public.account_categories m JOIN tree t ON t.id = m.category_id\n"
        "        WHERE m.account_id = per.several AND t.k IS NOT NULL\n"
        "    ) d\n"
        "    WHERE per.k IS NULL\n"
        ") x JOIN kid ON kid.k = x.k\n"
        "GROUP BY kid.id, x.asset_code"
    )
    return f"WITH RECURSIVE {scope}{before}, per AS MATERIALIZED (\n{per}\n)\n{totals}"


#: The columns of an accrual chunk's rows (`json_to_recordset`), and of its carries.
ACCRUAL_COLUMNS = {
    "account_id": "uuid",
    "day": "date",
    "balance": "numeric",
    "rate_bps": "integer",
    "day_count": "text",
    "numerator": "numeric",
    "denominator": "numeric",
    "transfer_id": "uuid",
}
CARRY_COLUMNS = {
    "account_id": "uuid",
    "numerator": "numeric",
    "denominator": "numeric",
    "through_day": "date",
    "open_from": "date",
}
#: The columns of the links from a posting to the days it pays that were accrued while its period was open.
LINK_COLUMNS = {"account_id": "uuid", "first_day": "date", "last_day": "date", "transfer_id": "uuid"}


def accrual_row(accrual: Any, transfer_id: object) -> dict[str, Any]:
    """An `ACCRUAL_COLUMNS` row of a `domain.interest.Accrual` and the transfer that paid it (or None)."""
    amount = accrual.amount
    return {
        "account_id": str(accrual.account_id),
        "day": accrual.day.isoformat(),
        "balance": accrual.balance,
        "rate_bps": accrual.rate_bps,
        "day_count": accrual.day_count.value,
        "numerator": amount.numerator,
        "denominator": amount.denominator,
        "transfer_id": None if transfer_id is None else str(transfer_id),
    }


def carry_row(account_id: object, carried: Any) -> dict[str, Any]:
    """A `CARRY_COLUMNS` row of what the account carries (a `domain.interest.Carried`)."""
    return {
        "account_id": str(account_id),
        "numerator": carried.amount.numerator,
        "denominator": carried.amount.denominator,
        "through_day": carried.through.isoformat(),
        "open_from": None if carried.open_from is None else carried.open_from.isoformat(),
    }


def link_row(account_id: object, first_day: Any, last_day: Any, transfer_id: object) -> dict[str, Any]:
    """A `LINK_COLUMNS` row."""
    return {
        "account_id": str(account_id),
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "transfer_id": str(transfer_id),
    }


def _recordset(rows: str, columns: dict[str, str]) -> str:
    names = ", ".join(f"{name} {type_}" for name, type_ in columns.items())
    return f"json_to_recordset(CAST({rows} AS json)) AS r({names})"


def add_accruals_sql(p: Callable[[str], str]) -> str:
    """An accrual chunk's accruals, ONE statement whatever the number of rows (`rows`: one JSON
    document), stamped `at`."""
    return (
        "INSERT INTO razao.interest_accruals (account_id, day, balance, rate_bps, day_count, numerator,"
        " denominator, transfer_id, created_at)"
        " SELECT account_id, day, balance, rate_bps, day_count, numerator, denominator, transfer_id,"
        f" CAST({p('at')} AS timestamptz) FROM {_recordset(p('rows'), ACCRUAL_COLUMNS)}"
    )


def set_carries_sql(p: Callable[[str], str]) -> str:
    """What an accrual chunk's accounts carry (the exact interest not posted, the last day accrued, the
    open period's first day), upserted in ONE statement."""
    return (
        "INSERT INTO razao.interest_carry (account_id, numerator, denominator, through_day, open_from,"
        " updated_at)"
        f" SELECT account_id, numerator, denominator, through_day, open_from, CAST({p('at')} AS timestamptz)"
        f" FROM {_recordset(p('rows'), CARRY_COLUMNS)}"
        " ON CONFLICT (account_id) DO UPDATE SET numerator = excluded.numerator,"
        " denominator = excluded.denominator, through_day = excluded.through_day,"
        " open_from = excluded.open_from, updated_at = excluded.updated_at"
    )


def carries_sql(p: Callable[[str], str]) -> str:
    """What each of the accounts `ids` carries (accounts that never accrued have no row)."""
    return (
        "SELECT account_id, numerator, denominator, through_day, open_from FROM razao.interest_carry"
        f" WHERE account_id = ANY(CAST({p('ids')} AS uuid[]))"
    )


def link_accruals_sql(p: Callable[[str], str]) -> str:
    """Name each posting on the account's day rows from its first to its last day that name none: the
    days its period accrued while open. ONE statement whatever the number of links."""
    return (
        "UPDATE razao.interest_accruals i SET transfer_id = r.transfer_id"
        f" FROM {_recordset(p('rows'), LINK_COLUMNS)}"
        " WHERE i.account_id = r.account_id AND i.day BETWEEN r.first_day AND r.last_day"
        " AND i.transfer_id IS NULL"
    )

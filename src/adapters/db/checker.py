"""The ledger checker: proves, with plain SQL over one snapshot, that a Razão database holds its books.

It shares no code with the ledger it checks (the domain's own `LedgerVerifier` is what the
`ledger-verification` job runs); an independent recomputation is what catches a bug in either. It reads
only, as any role that may read the ledger tables (`razao_app` will do), in one REPEATABLE READ READ ONLY
transaction, and creates nothing (the application role may not create temporary tables).

The checks, by name (each `Violation.check` is one of these):
- `zero_sum`: per asset, the stored posted balances sum to zero, and so do the pending (held) ones:
  every account is inside the ledger, so money only moves between them;
- `stored_balances`: each account's posted debits and credits equal the sums of its posted journal lines,
  and `last_seq` equals both its number of entries and its highest `seq`;
- `reservations`: each account's pending debits and credits equal the sums of the hold lines of
  transfers still `pending`: every reservation belongs to an open hold, and no open hold is missing;
- `holds`: a pending transfer is two-phase and has hold lines; a one-phase transfer has none; a voided or
  expired transfer posted nothing; a posted two-phase transfer posted no more than it held;
- `entries`: per account, entries number 1, 2, ... with no gap, are in the account's asset, and each
  `balance_after` is the running posted balance (so an amount changed after the fact shows here too);
- `min_balance`: no account's available balance (posted, less pending outflows) is below
  `LEAST(min_balance, 0)` — a positive minimum binds debits only, so a new account may sit below it;
- `balanced_transfers`: every transfer's debits equal its credits per layer and asset, and every
  transfer has journal lines;
- `reversals`: a reversal posts exactly the opposite of what its original posted, and the original
  is `posted`;
- `acknowledged`: every transfer a client was told exists (`Acknowledged`) exists once, with exactly
  the lines it was told, on that layer;
- `journal_unchanged`: against a `journal_baseline` taken earlier, every transfer and entry then present
  is still there unchanged (entries are compared field by field through a digest), and every status
  moved only forward (pending to posted, voided or expired);
- `events`: the outbox agrees with the books: every change has its events, once, and no event names
  what does not exist (`adapters.db.checker_events`);
- `value_dates`: every entry carries its transfer's value date, the value days sum the journal exactly,
  nothing was booked into a period after it was closed, and each close's snapshot sums its period
  (`adapters.db.checker_value_dates`).

`razao check` runs it from the command line against any Razão database, and shows its progress through
the `progress` callback: rows read of an estimate counted first (`ROWS_READ`).
Docs: docs/operations.md (the checker), docs/reference/rules.md
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Connection, Engine, text

from adapters.db.checker_events import CHECK as CHECK_EVENTS
from adapters.db.checker_events import check_events
from adapters.db.checker_value_dates import CHECK as CHECK_VALUE_DATES
from adapters.db.checker_value_dates import check_value_dates

#: Most violations a report lists (all are counted).
MAX_LISTED = 1000
#: Transfers fetched per query when comparing acknowledgements.
ACK_CHUNK = 1000
#: Status changes a transfer may make after it was written.
FORWARD = {"pending": {"pending", "posted", "voided", "expired"}}

CHECKS = (
    "zero_sum",
    "stored_balances",
    "reservations",
    "holds",
    "entries",
    "min_balance",
    "balanced_transfers",
    "reversals",
    "acknowledged",
    "journal_unchanged",
    CHECK_EVENTS,
    CHECK_VALUE_DATES,
)

Line = tuple[UUID, str, int, str]


class CheckProgress(Protocol):
    """Told `done` of `total` rows read so far, and the check under way (`step`)."""

    def __call__(self, step: str, done: int, total: int, /) -> None: ...


#: Rows between two progress reports inside a check that iterates.
PROGRESS_EVERY = 5000

_SIZES = text(
    "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM transfers), (SELECT count(*) FROM entries)"
)
#: What the report needs without progress: the number of entries checked.
_COUNT_ENTRIES = text("SELECT count(*) FROM entries")


class _Meter:
    """Counts the rows the checks read against the total counted at the start: each of accounts (A),
    entries (E) and transfers (T) is read by several checks, so the total is 2A + 4E + T. Without
    `progress` only the entries are counted (the report's `counts["entries"]`): nothing is shown."""

    def __init__(self, conn: Connection, progress: CheckProgress | None) -> None:
        if progress is None:
            accounts, transfers, entries = 0, 0, conn.execute(_COUNT_ENTRIES).scalar_one()
        else:
            accounts, transfers, entries = conn.execute(_SIZES).one()
        self.accounts, self.transfers, self.entries = int(accounts), int(transfers), int(entries)
        self.total = 2 * self.accounts + 4 * self.entries + self.transfers
        self.done = 0
        self.progress = progress
        self.step = ""

    def begin(self, step: str) -> None:
        self.step = step
        self.tell()

    def add(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None and (rows != 1 or self.done % PROGRESS_EVERY == 0):
            self.tell()

    def tell(self) -> None:
        if self.progress is not None:
            self.progress(self.step, min(self.done, self.total), self.total)


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """A client was told that transfer `transfer_id` exists with exactly `lines` on `layer`
    (`posted` or `pending`); each line is (account id, side, amount, asset)."""

    transfer_id: UUID
    layer: str
    lines: tuple[Line, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "transfer_id": str(self.transfer_id),
            "layer": self.layer,
            "lines": [[str(a), s, n, c] for a, s, n, c in self.lines],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Acknowledged:
        return cls(
            UUID(data["transfer_id"]),
            data["layer"],
            tuple((UUID(a), s, int(n), c) for a, s, n, c in data["lines"]),
        )


@dataclass(frozen=True, slots=True)
class Violation:
    check: str
    subject: str
    detail: str


@dataclass(slots=True)
class CheckReport:
    counts: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    violation_count: int = 0

    @property
    def ok(self) -> bool:
        return self.violation_count == 0

    def add(self, check: str, subject: object, detail: str) -> None:
        self.violation_count += 1
        if len(self.violations) < MAX_LISTED:
            self.violations.append(Violation(check, str(subject), detail))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": self.counts,
            "violation_count": self.violation_count,
            "violations": [
                {"check": v.check, "subject": v.subject, "detail": v.detail} for v in self.violations
            ],
        }


# --- the queries -----------------------------------------------------------------------------------

_ZERO_SUM = text("""
SELECT asset_code, count(*) AS accounts,
       sum(posted_debits - posted_credits) AS posted, sum(pending_debits - pending_credits) AS pending
FROM accounts GROUP BY asset_code ORDER BY asset_code
""")

_RECOMPUTED = text("""
WITH sums AS (
    SELECT e.account_id,
           coalesce(sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'debit'), 0) AS pd,
           coalesce(sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'credit'), 0) AS pc,
           coalesce(sum(e.amount) FILTER (
               WHERE e.layer = 'pending' AND e.side = 'debit' AND t.status = 'pending'), 0) AS hd,
           coalesce(sum(e.amount) FILTER (
               WHERE e.layer = 'pending' AND e.side = 'credit' AND t.status = 'pending'), 0) AS hc,
           count(*) AS n, max(e.seq) AS top
    FROM entries e JOIN transfers t ON t.id = e.transfer_id
    GROUP BY e.account_id
)
SELECT a.id, a.normal_side, a.min_balance,
       a.posted_debits, a.posted_credits, a.pending_debits, a.pending_credits, a.last_seq,
       coalesce(s.pd, 0) AS pd, coalesce(s.pc, 0) AS pc, coalesce(s.hd, 0) AS hd, coalesce(s.hc, 0) AS hc,
       coalesce(s.n, 0) AS n, coalesce(s.top, 0) AS top
FROM accounts a LEFT JOIN sums s ON s.account_id = a.id
""")

_ENTRIES = text("""
SELECT account_id, seq, rn, balance_after, running, asset_code, account_asset FROM (
    SELECT e.account_id, e.seq, e.balance_after, e.asset_code, a.asset_code AS account_asset,
           row_number() OVER w AS rn,
           sum(CASE WHEN e.layer <> 'posted' THEN 0 WHEN e.side = a.normal_side THEN e.amount
                    ELSE -e.amount END) OVER w AS running
    FROM entries e JOIN accounts a ON a.id = e.account_id
    WINDOW w AS (PARTITION BY e.account_id ORDER BY e.seq)
) x
WHERE seq <> rn OR balance_after <> running OR asset_code <> account_asset
""")

_UNBALANCED = text("""
SELECT transfer_id, layer, asset_code,
       sum(amount) FILTER (WHERE side = 'debit') AS debits, sum(amount) FILTER (WHERE side = 'credit') AS credits
FROM entries GROUP BY transfer_id, layer, asset_code
HAVING coalesce(sum(amount) FILTER (WHERE side = 'debit'), 0)
    <> coalesce(sum(amount) FILTER (WHERE side = 'credit'), 0)
""")

_TRANSFERS = text("""
SELECT t.id, t.status, t.two_phase,
       coalesce(sum(e.amount) FILTER (WHERE e.layer = 'pending' AND e.side = 'debit'), 0) AS held,
       coalesce(sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'debit'), 0) AS posted,
       count(e.transfer_id) AS lines
FROM transfers t LEFT JOIN entries e ON e.transfer_id = t.id
GROUP BY t.id
""")

_REVERSALS = text("""
WITH mine AS (
    SELECT transfer_id, string_agg(line, ',' ORDER BY line) AS lines FROM (
        SELECT e.transfer_id, e.account_id::text || ':' || e.side || ':' || e.amount::text || ':'
                              || e.asset_code AS line
        FROM entries e JOIN transfers r ON r.id = e.transfer_id
        WHERE r.reverses_id IS NOT NULL AND e.layer = 'posted'
    ) x
    GROUP BY transfer_id
), theirs AS (
    SELECT transfer_id, string_agg(line, ',' ORDER BY line) AS lines FROM (
        SELECT r.id AS transfer_id,
               e.account_id::text || ':' || CASE e.side WHEN 'debit' THEN 'credit' ELSE 'debit' END
               || ':' || e.amount::text || ':' || e.asset_code AS line
        FROM transfers r JOIN entries e ON e.transfer_id = r.reverses_id AND e.layer = 'posted'
        WHERE r.reverses_id IS NOT NULL
    ) x
    GROUP BY transfer_id
)
SELECT r.id, o.status AS original_status, m.lines AS mine, t.lines AS theirs
FROM transfers r JOIN transfers o ON o.id = r.reverses_id
LEFT JOIN mine m ON m.transfer_id = r.id LEFT JOIN theirs t ON t.transfer_id = r.id
""")

_ACKED = text("""
SELECT t.id, e.layer, e.account_id, e.side, e.amount, e.asset_code
FROM transfers t LEFT JOIN entries e ON e.transfer_id = t.id
WHERE t.id = ANY(:ids)
""")

# Every immutable field of a transfer, and every field of an entry, as one digest each.
_TRANSFER_DIGESTS = text("""
SELECT id::text, status,
       encode(sha256(convert_to(concat_ws('|', id, two_phase, description, metadata::text, effective_at,
                                          created_at, timeout_at, reverses_id, fingerprint), 'UTF8')), 'hex')
FROM transfers
""")
_ENTRY_DIGESTS = text("""
SELECT account_id::text || '#' || seq::text,
       encode(sha256(convert_to(concat_ws('|', transfer_id, account_id, seq, line, layer, side, amount,
                                          asset_code, balance_after, created_at), 'UTF8')), 'hex')
FROM entries
""")


# --- the checker ---------------------------------------------------------------------------------


def _snapshot(conn: Connection) -> None:
    conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("SET LOCAL timezone = 'UTC'"))


def check_ledger(
    engine: Engine,
    acknowledged: Iterable[Acknowledged] = (),
    baseline: Mapping[str, str] | None = None,
    progress: CheckProgress | None = None,
) -> CheckReport:
    """Run every check over one snapshot of the database behind `engine`, telling `progress` how far."""
    report = CheckReport()
    with engine.connect() as conn, conn.begin():
        _snapshot(conn)
        meter = _Meter(conn, progress)
        meter.begin("zero_sum")
        _zero_sum(conn, report)
        meter.add(meter.accounts)
        meter.begin("stored_balances")
        _balances(conn, report, meter)
        meter.begin("entries")
        _entries(conn, report, meter.entries)
        meter.add(meter.entries)
        meter.begin("balanced_transfers")
        _transfers(conn, report, meter)
        meter.begin("reversals")
        _reversals(conn, report)
        meter.begin("acknowledged")
        _acknowledged(conn, report, acknowledged)
        meter.begin(CHECK_EVENTS)
        check_events(conn, report)
        meter.begin(CHECK_VALUE_DATES)
        check_value_dates(conn, report)
        if baseline is not None:
            meter.begin("journal_unchanged")
            _unchanged(conn, report, baseline)
        meter.done = meter.total
        meter.begin("done")
    return report


def _zero_sum(conn: Connection, report: CheckReport) -> None:
    rows = conn.execute(_ZERO_SUM).all()
    report.counts["zero_sum"] = len(rows)
    for asset, _accounts, posted, pending in rows:
        if posted != 0:
            report.add("zero_sum", asset, f"posted balances sum to {posted}, not 0")
        if pending != 0:
            report.add("zero_sum", asset, f"held balances sum to {pending}, not 0")


def _balances(conn: Connection, report: CheckReport, meter: _Meter) -> None:
    count = 0
    for row in conn.execute(_RECOMPUTED):
        if not count:
            meter.add(meter.entries)  # summed before the first row comes back
        meter.add(1)
        count += 1
        stored = (row.posted_debits, row.posted_credits)
        if stored != (row.pd, row.pc):
            report.add(
                "stored_balances", row.id, f"posted debits/credits {stored}, journal says {(row.pd, row.pc)}"
            )
        if not row.last_seq == row.n == row.top:
            report.add(
                "stored_balances", row.id, f"last_seq {row.last_seq}, {row.n} entries, highest seq {row.top}"
            )
        held = (row.pending_debits, row.pending_credits)
        if held != (row.hd, row.hc):
            report.add(
                "reservations", row.id, f"pending debits/credits {held}, open holds say {(row.hd, row.hc)}"
            )
        credit = row.normal_side == "credit"
        available = row.pc - row.pd - row.hd if credit else row.pd - row.pc - row.hc
        if row.min_balance is not None and available < min(row.min_balance, 0):
            report.add("min_balance", row.id, f"available {available} below {min(row.min_balance, 0)}")
    for check in ("stored_balances", "reservations", "min_balance"):
        report.counts[check] = count


def _entries(conn: Connection, report: CheckReport, entries: int) -> None:
    report.counts["entries"] = entries
    for row in conn.execute(_ENTRIES):
        subject = f"{row.account_id}#{row.seq}"
        if row.seq != row.rn:
            report.add("entries", subject, f"seq {row.seq} where {row.rn} was next")
        if row.asset_code != row.account_asset:
            report.add("entries", subject, f"asset {row.asset_code} in an account of {row.account_asset}")
        if row.balance_after != row.running:
            report.add(
                "entries", subject, f"balance_after {row.balance_after}, running balance {row.running}"
            )


def _transfers(conn: Connection, report: CheckReport, meter: _Meter) -> None:
    for row in conn.execute(_UNBALANCED):
        report.add(
            "balanced_transfers",
            f"{row.transfer_id}.{row.layer}.{row.asset_code}",
            f"debits {row.debits or 0} <> credits {row.credits or 0}",
        )
    meter.add(meter.entries)
    count = 0
    for row in conn.execute(_TRANSFERS):
        if not count:
            meter.add(meter.entries)
        meter.add(1)
        count += 1
        if row.lines == 0:
            report.add("balanced_transfers", row.id, "no journal lines")
        if row.status == "pending" and not (row.two_phase and row.held > 0):
            report.add("holds", row.id, f"pending, two_phase={row.two_phase}, held {row.held}")
        if not row.two_phase and row.held:
            report.add("holds", row.id, f"one-phase transfer with hold lines of {row.held}")
        if row.status in ("voided", "expired") and row.posted:
            report.add("holds", row.id, f"{row.status} but posted {row.posted}")
        if row.two_phase and row.posted > row.held:
            report.add("holds", row.id, f"posted {row.posted}, more than the {row.held} held")
    report.counts["balanced_transfers"] = report.counts["holds"] = count


def _reversals(conn: Connection, report: CheckReport) -> None:
    count = 0
    for row in conn.execute(_REVERSALS):
        count += 1
        if row.original_status != "posted":
            report.add("reversals", row.id, f"reverses a {row.original_status} transfer")
        if row.mine is None or row.mine != row.theirs:
            report.add(
                "reversals", row.id, f"posted {row.mine}, the opposite of the original is {row.theirs}"
            )
    report.counts["reversals"] = count


def _chunks(items: Sequence[Acknowledged], size: int) -> Iterator[Sequence[Acknowledged]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _acknowledged(conn: Connection, report: CheckReport, acknowledged: Iterable[Acknowledged]) -> None:
    acks = list(acknowledged)
    report.counts["acknowledged"] = len(acks)
    for chunk in _chunks(acks, ACK_CHUNK):
        found: dict[UUID, dict[str, list[Line]]] = {}
        for row in conn.execute(_ACKED, {"ids": list({a.transfer_id for a in chunk})}):
            lines = found.setdefault(row.id, {})
            if row.layer is not None:
                lines.setdefault(row.layer, []).append(
                    (row.account_id, row.side, int(row.amount), row.asset_code)
                )
        for ack in chunk:
            layers = found.get(ack.transfer_id)
            if layers is None:
                report.add("acknowledged", ack.transfer_id, "acknowledged but not in the ledger")
                continue
            have, told = sorted(layers.get(ack.layer, []), key=str), sorted(ack.lines, key=str)
            if have != told:
                report.add(
                    "acknowledged", ack.transfer_id, f"{ack.layer} lines {have}, the client was told {told}"
                )


# --- the baseline: what must not change --------------------------------------------------------------


def journal_baseline(engine: Engine) -> dict[str, str]:
    """The digest of every transfer (`t:<id>`, with `s:<id>` its status) and every entry
    (`e:<account>#<seq>`), to hand to `check_ledger(baseline=...)` later."""
    with engine.connect() as conn, conn.begin():
        _snapshot(conn)
        return dict(_digests(conn))


def _digests(conn: Connection) -> Iterator[tuple[str, str]]:
    for transfer_id, status, digest in conn.execute(_TRANSFER_DIGESTS):
        yield f"t:{transfer_id}", digest
        yield f"s:{transfer_id}", status
    for key, digest in conn.execute(_ENTRY_DIGESTS):
        yield f"e:{key}", digest


def _unchanged(conn: Connection, report: CheckReport, baseline: Mapping[str, str]) -> None:
    now = dict(_digests(conn))
    report.counts["journal_unchanged"] = len(baseline)
    for key, then in baseline.items():
        current = now.get(key)
        if key.startswith("s:"):
            if current is None or (current != then and current not in FORWARD.get(then, ())):
                report.add("journal_unchanged", key[2:], f"status {then} became {current}")
        elif current is None:
            report.add("journal_unchanged", key[2:], "deleted")
        elif current != then:
            report.add("journal_unchanged", key[2:], "changed after it was written")

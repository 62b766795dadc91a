"""A deliberately simple reference model of the ledger, for the model-based suite.

Written from the documentation (docs/concepts.md, docs/api/guide.md, docs/api/errors.md) and the
rules of `src/domain`, but importing none of Razão's code: balances are four integers per account,
transfers are records in a dict, and every operation either returns what the API should answer or
raises `Refused` with the problem code it should answer. Operations mutate the model, so the caller
runs each one on a copy (`copy.deepcopy`) and keeps the copy only when the service agreed.

Where a request breaks several rules at once, the model names the one the service checks first:
the request's own shape, then the replay check (a used id answers the original, or a conflict),
then the accounts posting by posting (exists, asset, accepts postings), then the balance of the
postings per asset, then the minimum balances.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

#: HTTP status of each problem code the model predicts (docs/api/errors.md).
STATUS = {
    "validation_error": 422,
    "unbalanced_transfer": 422,
    "asset_mismatch": 422,
    "insufficient_funds": 422,
    "account_not_found": 404,
    "not_found": 404,
    "account_inactive": 409,
    "idempotency_conflict": 409,
    "invalid_state": 409,
    "period_closed": 409,
}


class Refused(Exception):
    """The service must refuse the request with this problem code (and change nothing)."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(f"{code}: {why}")
        self.code = code
        self.status = STATUS[code]


def iso(at: datetime | None) -> str | None:
    """An instant as the API writes it: ISO 8601 in UTC."""
    return None if at is None else at.astimezone(UTC).isoformat()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def opposite(side: str) -> str:
    return "credit" if side == "debit" else "debit"


# --- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSpec:
    code: str
    name: str
    asset: str
    normal_side: str
    min_balance: int | None
    metadata: dict[str, Any] = field(default_factory=dict)

    def attributes(self) -> tuple[Any, ...]:
        return (self.name, self.asset, self.normal_side, self.min_balance, canonical(self.metadata))


@dataclass(frozen=True)
class Line:
    """A posting as requested (asset: an optional assertion) or as booked (asset: the account's)."""

    account_id: str
    side: str
    amount: int
    asset: str | None = None

    def view(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "side": self.side, "amount": self.amount, "asset": self.asset}


@dataclass(frozen=True)
class TransferSpec:
    id: str
    lines: tuple[Line, ...]
    pending: bool = False
    timeout_seconds: int | None = None
    effective_at: datetime | None = None
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> tuple[Any, ...]:
        """What makes two requests "the same request": everything but the JSON spelling."""
        return (
            "transfer",
            tuple((x.account_id, x.side, x.amount, x.asset) for x in self.lines),
            self.pending,
            self.timeout_seconds,
            iso(self.effective_at),
            self.description,
            canonical(self.metadata),
        )


@dataclass(frozen=True)
class ReversalSpec:
    id: str
    original_id: str
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> tuple[Any, ...]:
        return ("reversal", self.original_id, self.description, canonical(self.metadata))


# --- state -------------------------------------------------------------------------------------


@dataclass
class JournalLine:
    seq: int
    transfer_id: str
    layer: str
    side: str
    amount: int
    balance_after: int
    created_at: datetime


@dataclass
class Account:
    id: str
    spec: AccountSpec
    created_at: datetime
    status: str = "active"
    posted: dict[str, int] = field(default_factory=lambda: {"debit": 0, "credit": 0})
    pending: dict[str, int] = field(default_factory=lambda: {"debit": 0, "credit": 0})
    journal: list[JournalLine] = field(default_factory=list)

    @property
    def asset(self) -> str:
        return self.spec.asset

    def balance(self) -> int:
        normal = self.spec.normal_side
        return self.posted[normal] - self.posted[opposite(normal)]

    def available(self) -> int:
        """Posted balance less pending outflows (pending movements against the normal side)."""
        return self.balance() - self.pending[opposite(self.spec.normal_side)]

    def balance_as_of(self, at: datetime) -> int:
        if at < self.created_at:
            return 0
        posted = [x for x in self.journal if x.layer == "posted" and x.created_at <= at]
        return max(posted, key=lambda x: (x.created_at, x.seq)).balance_after if posted else 0

    def value_net(self, effective: dict[str, datetime], through: Any) -> tuple[int, int]:
        """Posted debits and credits by value date: of the lines whose transfer's `effective_at`
        passes `through` (a predicate on it). `effective`: each transfer's value date, by id."""
        sums = {"debit": 0, "credit": 0}
        for x in self.journal:
            if x.layer == "posted" and through(effective[x.transfer_id]):
                sums[x.side] += x.amount
        return sums["debit"], sums["credit"]

    def value_balance(self, effective: dict[str, datetime], at: datetime) -> int:
        """The posted balance by value date at `at`: every posted line whose transfer's value date is
        at or before it, whenever it was booked (docs/value-dates.md)."""
        debits, credits = self.value_net(effective, lambda when: when <= at)
        return credits - debits if self.spec.normal_side == "credit" else debits - credits

    def view(self, *, as_opened: bool = False) -> dict[str, Any]:
        posted, pending = self.posted, self.pending
        if as_opened:
            posted = pending = {"debit": 0, "credit": 0}
        normal = self.spec.normal_side
        balance = posted[normal] - posted[opposite(normal)]
        return {
            "id": self.id,
            "code": self.spec.code,
            "name": self.spec.name,
            "asset": self.spec.asset,
            "normal_side": normal,
            "min_balance": self.spec.min_balance,
            "status": "active" if as_opened else self.status,
            "metadata": self.spec.metadata,
            "created_at": iso(self.created_at),
            "balances": {
                "posted_debits": posted["debit"],
                "posted_credits": posted["credit"],
                "pending_debits": pending["debit"],
                "pending_credits": pending["credit"],
                "posted": balance,
                "available": balance - pending[opposite(normal)],
            },
        }


@dataclass
class Transfer:
    id: str
    fingerprint: tuple[Any, ...]
    lines: tuple[Line, ...]
    two_phase: bool
    status: str
    description: str
    metadata: dict[str, Any]
    effective_at: datetime
    created_at: datetime
    timeout_at: datetime | None = None
    resolved_at: datetime | None = None
    posted: tuple[Line, ...] = ()
    reverses_id: str | None = None
    reversed_by_id: str | None = None

    def view(self, as_: str = "current") -> dict[str, Any]:
        """The transfer's JSON: "current" (a GET), "created" (the answer to the request that created
        it, and to its replays) or "resolved" (the answer to a post or void, and to their replays)."""
        created = as_ == "created" and self.two_phase
        return {
            "id": self.id,
            "status": "pending" if created else self.status,
            "two_phase": self.two_phase,
            "postings": [x.view() for x in self.lines],
            "posted": [] if created else [x.view() for x in self.posted],
            "description": self.description,
            "metadata": self.metadata,
            "effective_at": iso(self.effective_at),
            "created_at": iso(self.created_at),
            "timeout_at": iso(self.timeout_at),
            "resolved_at": None if created else iso(self.resolved_at),
            "reverses_id": self.reverses_id,
            "reversed_by_id": self.reversed_by_id if as_ == "current" else None,
        }


@dataclass(frozen=True)
class Move:
    account: Account
    layer: str
    side: str
    delta: int  # negative: a hold released


#: The trial balance's totals per asset.
TOTALS = (
    "accounts",
    "posted_debits",
    "posted_credits",
    "pending_debits",
    "pending_credits",
    "debit_balances",
    "credit_balances",
)


def _listed(totals: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """The trial balance's rows: by asset code, each with whether it balances."""
    return [
        {
            "asset": code,
            **t,
            "balanced": t["posted_debits"] == t["posted_credits"]
            and t["pending_debits"] == t["pending_credits"]
            and t["debit_balances"] == t["credit_balances"],
        }
        for code, t in sorted(totals.items())
    ]


def _debits(lines: Iterable[Line]) -> int:
    return sum(x.amount for x in lines if x.side == "debit")


class Ledger:
    """The model: accounts by id (and by code), transfers by id, and the assets it knows."""

    def __init__(self, assets: Iterable[str]) -> None:
        self.assets = set(assets)
        self.accounts: dict[str, Account] = {}
        self.by_code: dict[str, Account] = {}
        self.transfers: dict[str, Transfer] = {}
        #: Active closes: scope (an asset, or None for the whole ledger) -> the days closed through.
        self.closes: dict[str | None, list[date]] = {}

    # --- periods ---------------------------------------------------------------------------------
    def closed_through(self, asset: str) -> date | None:
        """The day `asset` is closed through: the later of its own closes and the ledger's."""
        days = [*self.closes.get(asset, []), *self.closes.get(None, [])]
        return max(days) if days else None

    def ensure_open(self, effective_at: datetime, assets: Iterable[str]) -> None:
        """Refuse what takes effect on or before a day its asset is closed through (docs/periods.md)."""
        for asset in sorted(set(assets)):
            through = self.closed_through(asset)
            if through is not None and effective_at < datetime.combine(
                through + timedelta(days=1), datetime.min.time(), UTC
            ):
                raise Refused("period_closed", f"{asset} is closed through {through}")

    def close_period(self, asset: str | None, through: date, today: date) -> bool:
        """Close a scope through a day before `today`, later than the scope is closed through (an
        asset: by its own closes or the ledger's); True: the same close again (answered as a replay)."""
        own = self.closes.setdefault(asset, [])
        if through in own:
            return True
        if through >= today:
            raise Refused("validation_error", "a period closes once its last day has ended")
        covering = [*own, *(self.closes.get(None, []) if asset is not None else [])]
        if covering and through <= max(covering):
            raise Refused("invalid_state", f"{asset or 'the ledger'} is closed through {max(covering)}")
        own.append(through)
        return False

    def reopen_period(self, asset: str | None, through: date) -> None:
        """Reopen the latest close of a scope."""
        own = self.closes.get(asset, [])
        if through not in own:
            raise Refused("invalid_state", "that close is not active")
        if through < max(own):
            raise Refused("invalid_state", "only the latest close of a scope can be reopened")
        own.remove(through)

    # --- accounts --------------------------------------------------------------------------------
    def open_account(self, spec: AccountSpec, new_id: str, at: datetime) -> tuple[Account, bool]:
        """The account (new, or the one this code opened) and whether the request is a replay."""
        if spec.asset not in self.assets:
            raise Refused("validation_error", f"unknown asset {spec.asset}")
        existing = self.by_code.get(spec.code)
        if existing is not None:
            if existing.spec.attributes() != spec.attributes():
                raise Refused("idempotency_conflict", f"code {spec.code} was opened with other attributes")
            return existing, True
        account = Account(new_id, spec, at)
        self.accounts[new_id] = account
        self.by_code[spec.code] = account
        return account, False

    def _account(self, account_id: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise Refused("account_not_found", f"no account {account_id}")
        return account

    def freeze(self, account_id: str) -> Account:
        account = self._account(account_id)
        if account.status == "closed":
            raise Refused("invalid_state", "a closed account stays closed")
        account.status = "frozen"
        return account

    def unfreeze(self, account_id: str) -> Account:
        account = self._account(account_id)
        if account.status == "closed":
            raise Refused("invalid_state", "a closed account stays closed")
        account.status = "active"
        return account

    def close(self, account_id: str) -> Account:
        account = self._account(account_id)
        if account.status == "closed":
            return account
        if account.balance() != 0:
            raise Refused("invalid_state", "closing needs a zero posted balance")
        if account.pending["debit"] or account.pending["credit"]:
            raise Refused("invalid_state", "closing needs nothing pending")
        account.status = "closed"
        return account

    # --- movements -------------------------------------------------------------------------------
    def _move(self, moves: list[Move], transfer_id: str, at: datetime) -> None:
        """Apply the moves in order, journalling each positive one (numbered per account, with the
        posted balance after it); then refuse if an account's available balance went down and ended
        below its minimum. A refusal leaves the model half-changed: callers work on a copy."""
        accounts = list({m.account.id: m.account for m in moves}.values())
        before = {a.id: a.available() for a in accounts}
        for m in moves:
            (m.account.posted if m.layer == "posted" else m.account.pending)[m.side] += m.delta
            if m.delta > 0:
                journal = m.account.journal
                seq = journal[-1].seq + 1 if journal else 1
                journal.append(
                    JournalLine(seq, transfer_id, m.layer, m.side, m.delta, m.account.balance(), at)
                )
        for a in accounts:
            after, floor = a.available(), a.spec.min_balance
            if floor is not None and after < before[a.id] and after < floor:
                raise Refused("insufficient_funds", f"{a.spec.code} would have {after} available")

    def _resolve(self, lines: tuple[Line, ...]) -> list[Account]:
        accounts = []
        for x in lines:
            account = self._account(x.account_id)
            if x.asset is not None and x.asset != account.asset:
                raise Refused("asset_mismatch", f"{x.asset} posted on a {account.asset} account")
            if account.status != "active":
                raise Refused("account_inactive", f"{account.spec.code} is {account.status}")
            accounts.append(account)
        return accounts

    @staticmethod
    def _check_balanced(lines: tuple[Line, ...], accounts: list[Account]) -> None:
        sums: dict[str, dict[str, int]] = {}
        sides: dict[str, set[str]] = {}
        for x, account in zip(lines, accounts, strict=True):
            sums.setdefault(account.asset, {"debit": 0, "credit": 0})[x.side] += x.amount
            sides.setdefault(account.id, set()).add(x.side)
        unbalanced = {asset: s for asset, s in sums.items() if s["debit"] != s["credit"]}
        if unbalanced:
            one_sided = any(0 in s.values() for s in unbalanced.values())
            if len(sums) > 1 and one_sided:
                raise Refused("asset_mismatch", "postings of several assets, one of them one-sided")
            raise Refused("unbalanced_transfer", f"debits differ from credits in {sorted(unbalanced)}")
        if any(len(used) > 1 for used in sides.values()):
            raise Refused("validation_error", "an account on both sides of one transfer")

    def _book(
        self,
        spec: TransferSpec,
        at: datetime,
        *,
        fingerprint: tuple[Any, ...],
        reverses_id: str | None = None,
    ) -> Transfer:
        accounts = self._resolve(spec.lines)
        if spec.effective_at is not None:
            self.ensure_open(spec.effective_at, (a.asset for a in accounts))
        self._check_balanced(spec.lines, accounts)
        layer = "pending" if spec.pending else "posted"
        self._move(
            [Move(a, layer, x.side, x.amount) for x, a in zip(spec.lines, accounts, strict=True)], spec.id, at
        )
        booked = tuple(
            Line(x.account_id, x.side, x.amount, a.asset) for x, a in zip(spec.lines, accounts, strict=True)
        )
        transfer = Transfer(
            id=spec.id,
            fingerprint=fingerprint,
            lines=booked,
            two_phase=spec.pending,
            status="pending" if spec.pending else "posted",
            description=spec.description,
            metadata=spec.metadata,
            effective_at=spec.effective_at or at,
            created_at=at,
            timeout_at=at + timedelta(seconds=spec.timeout_seconds) if spec.timeout_seconds else None,
            posted=() if spec.pending else booked,
            reverses_id=reverses_id,
        )
        self.transfers[spec.id] = transfer
        return transfer

    # --- transfers -------------------------------------------------------------------------------
    def book(self, specs: list[TransferSpec], at: datetime) -> list[tuple[Transfer, bool]]:
        """A batch (or a single transfer): every transfer with whether it was a replay; all or nothing."""
        for spec in specs:
            if len(spec.lines) < 2:
                raise Refused("validation_error", "a transfer needs two postings")
            if spec.timeout_seconds is not None and not spec.pending:
                raise Refused("validation_error", "a timeout needs a pending transfer")
        if len({s.id for s in specs}) != len(specs):
            raise Refused("validation_error", "an id twice in one batch")
        results = []
        for spec in specs:
            done = self.transfers.get(spec.id)
            if done is not None:
                if done.fingerprint != spec.fingerprint():
                    raise Refused("idempotency_conflict", f"id {spec.id} was used for another request")
                results.append((done, True))
            else:
                results.append((self._book(spec, at, fingerprint=spec.fingerprint()), False))
        return results

    def book_each(self, specs: list[TransferSpec], at: datetime) -> list[tuple[Transfer, bool] | Refused]:
        """A bulk request: each transfer decided on its own, in order, as if it were sent alone (a
        refused one changes nothing; an id booked earlier, in this bulk too, is a replay or a
        conflict). Only a transfer the request's schema refuses (fewer than two postings, a timeout
        without `pending`) refuses the whole request."""
        for spec in specs:
            if len(spec.lines) < 2:
                raise Refused("validation_error", "a transfer needs two postings")
            if spec.timeout_seconds is not None and not spec.pending:
                raise Refused("validation_error", "a timeout needs a pending transfer")
        results: list[tuple[Transfer, bool] | Refused] = []
        for spec in specs:
            trial = copy.deepcopy(self)
            try:
                result = trial.book([spec], at)[0]
            except Refused as refused:
                results.append(refused)
                continue
            self.accounts, self.by_code, self.transfers = trial.accounts, trial.by_code, trial.transfers
            results.append(result)
        return results

    def _transfer(self, transfer_id: str) -> Transfer:
        transfer = self.transfers.get(transfer_id)
        if transfer is None:
            raise Refused("not_found", f"no transfer {transfer_id}")
        return transfer

    def post_pending(
        self, transfer_id: str, amount: int | None, at: datetime, *, timed_out: bool
    ) -> tuple[Transfer, bool]:
        """Post a hold in full or in part; `timed_out`: whether `at` is past the hold's timeout."""
        if amount is not None and amount <= 0:
            raise Refused("validation_error", "an amount must be positive")
        transfer = self._transfer(transfer_id)
        # No amount means the full amount held (docs/reference/functions.md, razao.post_pending), and
        # a post is a replay "if it was already posted for that amount".
        asked = _debits(transfer.lines) if amount is None else amount
        if transfer.two_phase and transfer.status == "posted" and asked == _debits(transfer.posted):
            return transfer, True
        if transfer.status != "pending":
            raise Refused("invalid_state", f"the transfer is {transfer.status}")
        if timed_out:
            raise Refused("invalid_state", "the hold timed out")
        lines = transfer.lines
        if amount is not None:
            if len(lines) != 2:
                raise Refused("validation_error", "a partial amount needs two postings")
            if amount > _debits(lines):
                raise Refused("validation_error", "more than was held")
            lines = tuple(Line(x.account_id, x.side, amount, x.asset) for x in lines)
        for x in lines:
            account = self.accounts[x.account_id]
            if account.status != "active":
                raise Refused("account_inactive", f"{account.spec.code} is {account.status}")
        self.ensure_open(transfer.effective_at, (self.accounts[x.account_id].asset for x in lines))
        moves = [Move(self.accounts[x.account_id], "pending", x.side, -x.amount) for x in transfer.lines]
        moves += [Move(self.accounts[x.account_id], "posted", x.side, x.amount) for x in lines]
        self._move(moves, transfer.id, at)
        transfer.status, transfer.resolved_at, transfer.posted = "posted", at, lines
        return transfer, False

    def _release(self, transfer: Transfer, status: str, at: datetime) -> None:
        moves = [Move(self.accounts[x.account_id], "pending", x.side, -x.amount) for x in transfer.lines]
        self._move(moves, transfer.id, at)
        transfer.status, transfer.resolved_at = status, at

    def void(self, transfer_id: str, at: datetime) -> tuple[Transfer, bool]:
        transfer = self._transfer(transfer_id)
        if transfer.status == "voided":
            return transfer, True
        if transfer.status != "pending":
            raise Refused("invalid_state", f"the transfer is {transfer.status}")
        self._release(transfer, "voided", at)
        return transfer, False

    def due(self, at: datetime) -> list[Transfer]:
        """Holds whose timeout has passed by `at`."""
        return [
            t
            for t in self.transfers.values()
            if t.status == "pending" and t.timeout_at and t.timeout_at <= at
        ]

    def expire(self, transfer_ids: Iterable[str], at: datetime) -> None:
        for transfer_id in transfer_ids:
            self._release(self.transfers[transfer_id], "expired", at)

    def reverse(self, spec: ReversalSpec, at: datetime) -> tuple[Transfer, bool]:
        if spec.id == spec.original_id:
            raise Refused("validation_error", "a reversal needs an id of its own")
        done = self.transfers.get(spec.id)
        if done is not None:
            if done.fingerprint != spec.fingerprint():
                raise Refused("idempotency_conflict", f"id {spec.id} was used for another request")
            return done, True
        original = self._transfer(spec.original_id)
        if original.status != "posted":
            raise Refused("invalid_state", f"the transfer is {original.status}")
        if original.reversed_by_id is not None:
            raise Refused("invalid_state", "already reversed")
        opposite_lines = TransferSpec(
            spec.id,
            tuple(Line(x.account_id, opposite(x.side), x.amount, x.asset) for x in original.posted),
            description=spec.description or f"Reversal of {original.id}",
            metadata=spec.metadata,
        )
        transfer = self._book(opposite_lines, at, fingerprint=spec.fingerprint(), reverses_id=original.id)
        original.reversed_by_id = spec.id
        return transfer, False

    # --- reports ---------------------------------------------------------------------------------
    def trial_balance(self, asset: str | None = None) -> list[dict[str, Any]]:
        totals: dict[str, dict[str, int]] = {}
        for account in self.accounts.values():
            if asset is not None and account.asset != asset:
                continue
            t = totals.setdefault(account.asset, dict.fromkeys(TOTALS, 0))
            net = account.posted["debit"] - account.posted["credit"]
            t["accounts"] += 1
            t["posted_debits"] += account.posted["debit"]
            t["posted_credits"] += account.posted["credit"]
            t["pending_debits"] += account.pending["debit"]
            t["pending_credits"] += account.pending["credit"]
            t["debit_balances"] += max(net, 0)
            t["credit_balances"] += max(-net, 0)
        return _listed(totals)

    def value_dates(self) -> dict[str, datetime]:
        return {t.id: t.effective_at for t in self.transfers.values()}

    def value_totals(self, asset: str | None, through: date) -> list[dict[str, Any]]:
        """The trial balance by value date through the end of the UTC day `through`: the accounts
        opened by then or with a line dated by then; holds as they stand now."""
        effective = self.value_dates()
        end = datetime.combine(through + timedelta(days=1), datetime.min.time(), UTC)
        totals: dict[str, dict[str, int]] = {}
        pending: dict[str, list[int]] = {}
        for account in self.accounts.values():
            if asset is not None and account.asset != asset:
                continue
            held = pending.setdefault(account.asset, [0, 0])
            held[0] += account.pending["debit"]
            held[1] += account.pending["credit"]
            debits, credits = account.value_net(effective, lambda when: when < end)
            dated = any(x.layer == "posted" and effective[x.transfer_id] < end for x in account.journal)
            if account.created_at >= end and not dated:
                continue
            t = totals.setdefault(account.asset, dict.fromkeys(TOTALS, 0))
            t["accounts"] += 1
            t["posted_debits"] += debits
            t["posted_credits"] += credits
            t["debit_balances"] += max(debits - credits, 0)
            t["credit_balances"] += max(credits - debits, 0)
        for code, t in totals.items():
            t["pending_debits"], t["pending_credits"] = pending[code]
        return _listed(totals)

    def statement(self, account_id: str) -> list[dict[str, Any]]:
        account = self.accounts[account_id]
        return [
            {
                "seq": x.seq,
                "transfer_id": x.transfer_id,
                "side": x.side,
                "amount": x.amount,
                "balance_after": x.balance_after,
                "created_at": iso(x.created_at),
                "effective_at": iso(self.transfers[x.transfer_id].effective_at),
                "description": self.transfers[x.transfer_id].description,
            }
            for x in account.journal
            if x.layer == "posted"
        ]

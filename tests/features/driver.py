"""The ledger as the feature specs speak of it: accounts by name, amounts like `R$ 10.50`, payments
and holds by business reference.

`LedgerDriver` turns those words into the application's use cases (`application.accounts`,
`application.transfers`), its write path (`application.write_path.WritePath`) and its read path
(`application.read_path.ReadPath`). It does not care how they run: `modes.py` builds one driver per
execution mode, with that mode's clock and its way of letting time pass (a `Timeline`).

Operations the specs expect may be refused are run through `attempt`, which keeps the refusal for a
later "Then it is refused: ..." step; a refusal nobody checked fails the scenario.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar
from uuid import UUID

from adapters.http.groups import GroupCommit, GroupSettings
from application import accounts, feed, transfers
from application.accounts import OpenAccount
from application.feed import EventFilter, Position, StoredEvent
from application.ports import Clock, IdSource, StatementLine, UnitOfWorkFactory
from application.read_path import ReadPath
from application.write_path import WritePath
from domain.accounts import Account, Side
from domain.assets import Asset, builtin_asset
from domain.errors import DomainError, NotFound, ValidationError
from domain.ledger import Outcome
from domain.reports import AssetTotals
from domain.transfers import Posting, ReversalRequest, Transfer, TransferRequest

T = TypeVar("T")

#: How the specs name the events of the feed (`application.events`), and what each says of its object.
EVENT_WORDS = {
    "account opened": ("account.opened", "active"),
    "account frozen": ("account.frozen", "frozen"),
    "account unfrozen": ("account.unfrozen", "active"),
    "account closed": ("account.closed", "closed"),
    "payment made": ("transfer.posted", "posted"),
    "hold placed": ("transfer.pending", "pending"),
    "hold captured": ("transfer.captured", "posted"),
    "hold voided": ("transfer.voided", "voided"),
    "hold expired": ("transfer.expired", "expired"),
    "payment reversed": ("transfer.reversed", "posted"),
}

#: How the specs write currencies; any other asset is written by its code (`KWD 1.250`, `POINTS 10`).
SYMBOLS = {"R$": "BRL", "US$": "USD", "€": "EUR", "¥": "JPY"}

_AMOUNT = re.compile(r"^(?P<minus>-?)\s*(?P<unit>R\$|US\$|€|¥|[A-Z][A-Z0-9_]+)\s*(?P<number>-?[0-9.]+)$")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount as a spec wrote it: the asset it names and its minor units in that asset."""

    asset: Asset
    units: int


def format_money(asset: Asset, units: int) -> str:
    symbol = next((s for s, code in SYMBOLS.items() if code == asset.code), asset.code)
    return f"{symbol} {asset.format(units)}"


def parse_money(text: str, scale_of: Callable[[str], int | None]) -> Money:
    """`R$ 10.50` -> BRL 1050. The number is read exactly (`Asset.parse`): extra decimals are refused."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        raise ValidationError.of("amount", f"{text!r} is not an amount like 'R$ 10.50'")
    code = SYMBOLS.get(match["unit"], match["unit"])
    scale = scale_of(code)
    if scale is None:
        raise ValidationError.of("amount", f"{text!r} is in an unknown asset {code}")
    asset = Asset(code, scale)
    units = asset.parse(match["number"])
    return Money(asset, -units if match["minus"] else units)


def code_for(name: str) -> str:
    """The account code the specs use for a name: `Coffee Shop` -> `coffee-shop`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a multi-posting transfer, as a spec's table gives it: money paid out of an
    account (lowering its balance) or paid into it (raising it)."""

    account: str
    paid_out: bool
    amount: str


class Timeline(Protocol):
    """How time passes in one execution mode, as the specs see it."""

    def moment(self) -> datetime:
        """The current moment; anything booked afterwards is booked strictly later."""
        ...

    def wait(self, delta: timedelta) -> None:
        """Let `delta` pass on the clock the mode's write path stamps with."""
        ...


class LedgerDriver:
    """One scenario's ledger: names, references and the last answer or refusal, over the use cases."""

    def __init__(
        self,
        mode: str,
        uow: UnitOfWorkFactory,
        write_path: WritePath,
        read_path: ReadPath,
        clock: Clock,
        timeline: Timeline,
        ids: IdSource,
        settle: Callable[[], None] = lambda: None,
    ) -> None:
        self.mode = mode
        self._uow = uow
        self.write = write_path
        self.read = read_path
        #: The clock of the use cases that run in this process (opening accounts).
        self.clock = clock
        self.timeline = timeline
        self._ids = ids
        #: Returns once everything committed is readable in the feed (on PostgreSQL, the watermark).
        self._settle = settle
        #: Where each named reader of the feed got to.
        self._feed_read: dict[str, Position] = {}
        self._accounts: dict[str, UUID] = {}
        self._references: dict[str, UUID] = {}
        self._requests: dict[str, TransferRequest] = {}
        self._moments: dict[str, datetime] = {}
        #: The refusal of the last attempted operation, until a step checks it.
        self.refusal: DomainError | None = None
        #: What the last successful write answered.
        self.answers: list[Outcome] = []
        #: What each payment of the last bulk (or of the last payments sent at once) got, in order:
        #: (transfer id, outcome or refusal).
        self.each: list[tuple[UUID, Outcome | DomainError]] = []
        #: How many payments each booking call of the last payments sent at once took.
        self.group_sizes: list[int] = []

    def unit_of_work(self) -> Any:
        """A new unit of work of this scenario's store, for use cases the driver does not wrap (jobs)."""
        return self._uow()

    # --- attempts and refusals ----------------------------------------------------------------
    def attempt(self, operation: Callable[[], T]) -> T | None:
        """Run an operation the spec expects may be refused; keep the refusal for a Then step."""
        self.settled()
        try:
            return operation()
        except DomainError as error:
            self.refusal = error
            return None

    def take_refusal(self) -> DomainError:
        refusal, self.refusal = self.refusal, None
        if refusal is None:
            raise AssertionError("the operation was expected to be refused, but it went through")
        return refusal

    def settled(self) -> None:
        """Fail if an operation was refused and no step checked it."""
        if self.refusal is not None:
            refusal, self.refusal = self.refusal, None
            raise AssertionError(f"unexpected refusal [{refusal.code}]: {refusal.detail}")

    # --- money ---------------------------------------------------------------------------------
    def money(self, text: str, account: str | None = None) -> Money:
        """Parse an amount; the account's own asset (registered or built in) gives the scale."""
        own = self.account(account).asset if account is not None else None

        def scale_of(code: str) -> int | None:
            if own is not None and own.code == code:
                return own.scale
            builtin = builtin_asset(code)
            return builtin.scale if builtin else None

        return parse_money(text, scale_of)

    def asset(self, code: str) -> Asset:
        """A currency the specs name by its code."""
        asset = builtin_asset(code)
        if asset is None:
            raise AssertionError(f"{code} is not a currency the specs know")
        return asset

    def amount_for(self, account: str, text: str) -> tuple[int, str]:
        """Minor units and the asset a posting on `account` asserts for an amount like `R$ 10.50`."""
        money = self.money(text, account)
        return money.units, money.asset.code

    # --- accounts ------------------------------------------------------------------------------
    def open(self, name: str, asset: str, *, normal_side: Side, min_balance: int | None) -> Account:
        """Open an account; `min_balance` in minor units, None for unbounded."""
        command = OpenAccount(code_for(name), name, asset, normal_side, min_balance)
        opened = accounts.open_account(command, self._uow(), self.clock, self._ids).account
        self._accounts[name] = opened.id
        return opened

    def named(self, name: str) -> list[Account]:
        """The accounts whose code is the one `name` gives (at most one: codes are unique)."""
        return [
            a for a in accounts.list_accounts(self._uow(), code_prefix=code_for(name)).items if a.name == name
        ]

    def account(self, name: str) -> Account:
        if name not in self._accounts:
            raise AssertionError(f"the scenario never opened an account called {name!r}")
        return accounts.get_account(self._accounts[name], self._uow())

    def freeze(self, name: str) -> None:
        accounts.freeze_account(self._accounts[name], self._uow(), self.clock)

    def unfreeze(self, name: str) -> None:
        accounts.unfreeze_account(self._accounts[name], self._uow(), self.clock)

    def close(self, name: str) -> None:
        accounts.close_account(self._accounts[name], self._uow(), self.clock)

    def statement(self, name: str) -> list[StatementLine]:
        return self.read.statement(self._accounts[name], limit=1000).items

    def balance_at(self, name: str, moment: str) -> int:
        """The posted balance of `name` as it stood at a moment the scenario noted."""
        if moment not in self._moments:
            raise AssertionError(f"the scenario never noted a moment called {moment!r}")
        return self.read.balance_as_of(self._accounts[name], self._moments[moment]).posted_balance

    def trial_balance(self) -> list[AssetTotals]:
        return self.read.trial_balance()

    def describe(self, text: str) -> str:
        """A description as the specs write it: transfer ids replaced by the references they stand for."""
        for reference, transfer_id in self._references.items():
            text = text.replace(str(transfer_id), reference)
        return text

    # --- time ----------------------------------------------------------------------------------
    def note_moment(self, moment: str) -> None:
        self._moments[moment] = self.timeline.moment()

    # --- transfers -----------------------------------------------------------------------------
    def _reference(self, reference: str | None) -> UUID:
        if reference is None:
            return self._ids.new_id()
        return self._references.setdefault(reference, self._ids.new_id())

    def payment(
        self,
        source: str,
        target: str,
        amount: str,
        *,
        reference: str | None = None,
        description: str = "",
        hold_for: timedelta | None = None,
        pending: bool = False,
    ) -> TransferRequest:
        """The request for `source` paying `target` (debit the source, credit the target)."""
        units, asset = self.amount_for(source, amount)
        request = TransferRequest(
            self._reference(reference),
            (
                Posting(self._accounts[source], Side.DEBIT, units, asset),
                Posting(self._accounts[target], Side.CREDIT, units, asset),
            ),
            pending=pending or hold_for is not None,
            timeout_seconds=int(hold_for.total_seconds()) if hold_for is not None else None,
            description=description,
        )
        if reference is not None:
            self._requests.setdefault(reference, request)
        return request

    def lines(self, lines: Sequence[Line], reference: str | None = None) -> TransferRequest:
        postings = []
        for line in lines:
            units, asset = self.amount_for(line.account, line.amount)
            normal = self.account(line.account).normal_side
            side = normal.opposite if line.paid_out else normal
            postings.append(Posting(self._accounts[line.account], side, units, asset))
        return TransferRequest(self._reference(reference), tuple(postings))

    def book(self, *requests: TransferRequest) -> list[Outcome]:
        self.answers = self.write.post_transfers(requests)
        return self.answers

    def post(self, reference: str, amount: str | None = None) -> Outcome:
        request = self._requests[reference]
        units = None
        if amount is not None:
            units = self.money(amount, self._name_of(request.postings[0].account_id)).units
        self.answers = [self.write.post_pending(self._references[reference], units)]
        return self.answers[0]

    def void(self, reference: str) -> Outcome:
        self.answers = [self.write.void_pending(self._references[reference])]
        return self.answers[0]

    def reverse(self, reference: str, reversal: str | None = None) -> Outcome:
        request = ReversalRequest(self._reference(reversal), self._references[reference])
        self.answers = [self.write.reverse(request)]
        return self.answers[0]

    def pass_time(self, delta: timedelta) -> list[Transfer]:
        """Let time pass, then run the expiry job (as the scheduler would)."""
        self.timeline.wait(delta)
        return self.write.expire_due()

    def transfer(self, reference: str) -> Transfer:
        return transfers.get_transfer(self._references[reference], self._uow())

    def exists(self, reference: str) -> bool:
        if reference not in self._references:
            return False
        try:
            transfers.get_transfer(self._references[reference], self._uow())
        except NotFound:
            return False
        return True

    def _name_of(self, account_id: UUID) -> str:
        return next(name for name, i in self._accounts.items() if i == account_id)

    # --- many payments at once -----------------------------------------------------------------
    def bulk(self, *requests: TransferRequest) -> list[Outcome | DomainError]:
        """Book many payments in one call, each on its own (`WritePath.post_each`, what the bulk
        endpoint runs): a refused payment gets its refusal and the others stand."""
        results = self.write.post_each(requests)
        self.each = [(r.id, a) for r, a in zip(requests, results, strict=True)]
        return results

    def at_once(self, *requests: TransferRequest) -> list[Outcome | DomainError]:
        """Send single payments at the same moment, as concurrent API requests of one process: the
        API's group commit (`adapters.http.groups.GroupCommit`) books them in groups of up to
        `GROUP_SIZE`, one `WritePath.post_each` call each. (The fakes of the memory mode are not
        thread-safe: there one group is booked at a time.)"""
        sizes: list[int] = []

        def post_each(group: Sequence[TransferRequest]) -> list[Outcome | DomainError]:
            sizes.append(len(group))
            return self.write.post_each(group)

        concurrency = 1 if self.mode == "memory" else 2
        groups = GroupCommit(
            post_each, GroupSettings(max_wait=0.05, max_size=GROUP_SIZE, concurrency=concurrency)
        )

        async def send() -> list[Outcome | BaseException]:
            return await asyncio.gather(*(groups.post(r) for r in requests), return_exceptions=True)

        try:
            answers = asyncio.run(send())
        finally:
            groups.close()
        results: list[Outcome | DomainError] = []
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, DomainError):
                raise answer
            results.append(answer)
        self.each = [(r.id, a) for r, a in zip(requests, results, strict=True)]
        self.group_sizes = sizes
        return results

    def answers_to(self, reference: str) -> list[Outcome | DomainError]:
        """What the payments under `reference` got in the last bulk (or payments sent at once), in order."""
        if reference not in self._references:
            raise AssertionError(f"the scenario never sent a payment {reference!r}")
        transfer_id = self._references[reference]
        found = [answer for i, answer in self.each if i == transfer_id]
        if not found:
            raise AssertionError(f"payment {reference!r} was not among the payments sent together")
        return found

    # --- the events feed -------------------------------------------------------------------------
    def feed(
        self, name: str | None = None, kinds: Sequence[str] = (), since: str | None = None
    ) -> list[StoredEvent]:
        """Everything the feed has (about account `name`, of these kinds), after where `since` left off."""
        self._settle()
        types = None if not kinds else feed.parse_types(EVENT_WORDS[k][0] for k in kinds)
        where = EventFilter(types, None if name is None else self._accounts[name])
        after = None if since is None else self._feed_read[since]
        items: list[StoredEvent] = []
        while True:
            page = feed.read_events(self._uow(), where, after=after, limit=2)  # type: ignore[arg-type]
            items += page.items
            after = page.next_cursor
            if not page.items:
                if since is not None:
                    self._feed_read[since] = after
                return items

    def read_feed_up_to_here(self, name: str) -> None:
        """A reader of account `name`'s feed reads all there is, and notes where it got to."""
        self._feed_read[name] = START_OF_FEED
        self.feed(name, since=name)

    def about(self, event: StoredEvent) -> str:
        """What a spec calls the object of an event: an account's name, a payment's or hold's reference,
        or "the reversal of <reference>" for an unnamed reversal."""
        if event.transfer_id is None:
            return next(n for n, i in self._accounts.items() if i in event.account_ids)
        for reference, transfer_id in self._references.items():
            if transfer_id == event.transfer_id:
                return reference
        reverses = event.data.get("reverses_id")
        named = [r for r, i in self._references.items() if str(i) == reverses]
        return f"the reversal of {named[0]}" if named else str(event.transfer_id)

    @staticmethod
    def described(event: StoredEvent) -> str:
        """The words of the specs for an event, once checked that its payload says the same."""
        words = next(w for w, (t, _) in EVENT_WORDS.items() if t == event.type)
        status = EVENT_WORDS[words][1]
        if event.data.get("status") != status:
            raise AssertionError(
                f"the {event.type} event shows the object {event.data.get('status')}, not {status}"
            )
        return words


START_OF_FEED = Position(0, 0)

#: The most payments sent at once that one booking call takes (see `LedgerDriver.at_once`).
GROUP_SIZE = 4

"""Time bases: which of a transfer's two instants a read of the books goes by.

Every transfer is booked at one instant (`created_at`, when the ledger wrote it) and counts from
another (`effective_at`, its value date: the booking time unless the request gave one, earlier for a
backdated payment, later for a dated one). Each journal entry carries its transfer's value date, so
a capture of a hold counts from the hold's value date.

- `booked`: the books as they stood at an instant: only what had been written by then, in the
  order it was written. What an auditor replays. The default of every read.
- `effective`: the books by value date: every posted entry whose value date is at or before the
  instant, whenever it was written. A payment booked today with yesterday's value date changes
  yesterday's effective balance, never yesterday's booked one.

The effective basis applies to POSTED balances; holds (pending) are always read as booked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.accounts import Side
from domain.errors import ValidationError

#: The longest daily history one read answers, in days (both ends included): a leap year.
MAX_HISTORY_DAYS = 366


class Basis(StrEnum):
    BOOKED = "booked"
    EFFECTIVE = "effective"

    @classmethod
    def parse(cls, value: object, field: str = "basis") -> Basis:
        """A basis from its name; None is the default (`booked`). Anything else is refused, naming
        `field`."""
        if value is None:
            return cls.BOOKED
        for member in cls:
            if value == member.value:
                return member
        raise ValidationError.of(field, "must be 'booked' or 'effective'")


@dataclass(frozen=True, slots=True, order=True)
class ValuePosition:
    """A place in an account's entries in value-date order: by value date, then entry number (an
    entry's `seq` breaks ties between entries of one value date, in booking order)."""

    effective_at: datetime
    seq: int


@dataclass(frozen=True, slots=True)
class DayBalance:
    """An account's posted balance at the end of one UTC day (read from its normal side)."""

    day: date
    balance: int


def posted_from_net(net: int, normal: Side) -> int:
    """The posted balance, read from the normal side, of credits − debits `net`."""
    return net if normal is Side.CREDIT else -net


def net_change(side: Side, amount: int) -> int:
    """What one posted entry adds to credits − debits."""
    return amount if side is Side.CREDIT else -amount


def running_balances(opening_net: int, normal: Side, movements: Iterable[tuple[Side, int]]) -> list[int]:
    """The posted balance just after each movement (side, amount), from credits − debits
    `opening_net` before the first: a statement's `balance_after` in an order other than booking's."""
    net = opening_net
    balances = []
    for side, amount in movements:
        net += net_change(side, amount)
        balances.append(posted_from_net(net, normal))
    return balances


def check_history_range(first: date, last: date) -> None:
    """A daily history from `first` to `last`, both included: in order and at most
    `MAX_HISTORY_DAYS` days."""
    if last < first:
        raise ValidationError.of("to", "must not be before 'from'")
    if (last - first).days + 1 > MAX_HISTORY_DAYS:
        raise ValidationError.of(
            "to", f"must be less than {MAX_HISTORY_DAYS} days after 'from' (at most {MAX_HISTORY_DAYS} days)"
        )

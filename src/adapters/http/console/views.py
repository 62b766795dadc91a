"""What the console's pages show that is not a use case's: amounts in an asset's scale, a transfer's
status history, and the chart of daily balances as an inline SVG (drawn here, no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.time_basis import DayBalance
from domain.transfers import Transfer, TransferStatus


def money(amount: int, scale: int) -> str:
    """`-123456` at scale 2 as `−1,234.56` (a minus sign, thousands separated)."""
    sign = "−" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**scale)
    return f"{sign}{whole:,}" + (f".{fraction:0{scale}d}" if scale else "")


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    status: str
    note: str = ""


def history_of(transfer: Transfer, reversal: Transfer | None = None) -> list[Step]:
    """What happened to a transfer, oldest first: booked (pending or posted), then resolved, then
    reversed (by `reversal`)."""
    first = TransferStatus.PENDING if transfer.two_phase else TransferStatus.POSTED
    steps = [Step(transfer.created_at, first.value, "booked")]
    if transfer.two_phase and transfer.resolved_at is not None:
        steps.append(Step(transfer.resolved_at, transfer.status.value, "resolved"))
    if reversal is not None:
        steps.append(Step(reversal.created_at, "reversed", "reversed"))
    return steps


@dataclass(frozen=True, slots=True)
class Chart:
    """An SVG polyline of daily balances, with its axis labels (`width` x `height` user units)."""

    points: str
    width: int
    height: int
    top: str
    bottom: str
    first_day: str
    last_day: str
    summary: str


def chart(days: list[DayBalance], scale: int, width: int = 640, height: int = 160) -> Chart | None:
    if not days:
        return None
    values = [d.balance for d in days]
    low, high = min(values), max(values)
    span = (high - low) or 1
    pad = 8
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = " ".join(
        f"{pad + i * step:.1f},{pad + (high - v) * (height - 2 * pad) / span:.1f}"
        for i, v in enumerate(values)
    )
    first, last = days[0], days[-1]
    summary = (
        f"Daily closing balance from {first.day} ({money(first.balance, scale)}) to {last.day} "
        f"({money(last.balance, scale)}); lowest {money(low, scale)}, highest {money(high, scale)}."
    )
    return Chart(
        points, width, height, money(high, scale), money(low, scale), str(first.day), str(last.day), summary
    )

"""Read models the domain defines: the trial balance per asset."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AssetTotals:
    """Sums over every account of one asset.

    `debit_balances` adds the posted balances of accounts whose debits exceed their credits;
    `credit_balances` those whose credits exceed their debits. Double entry means both pairs agree:
    posted debits equal posted credits, and debit balances equal credit balances.
    """

    asset: str
    accounts: int
    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int
    debit_balances: int
    credit_balances: int

    @property
    def balanced(self) -> bool:
        return (
            self.posted_debits == self.posted_credits
            and self.pending_debits == self.pending_credits
            and self.debit_balances == self.credit_balances
        )

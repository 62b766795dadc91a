"""Search filters of the account and transfer lists: what a client may ask for, checked before any read.

A filter is a value: the list use cases (`application.accounts.list_accounts`,
`application.transfers.list_transfers`) pass it to their repository, which answers it with one
statement, and every implementation of the repositories (SQL, PL/Python, the fakes) must agree with
`matches` here, the filter's meaning stated in Python.

Every filter the API offers is answered from an index, or refused (docs/search.md):
- accounts: each filter has its own index (code prefix and order: the code's btree; asset:
  `ix_accounts_asset_code_code`; status: `ix_accounts_status_code`; metadata: the GIN index
  `ix_accounts_metadata`; category: the members' primary key), so every combination is one;
- transfers: the newest-first order and a time range are a range of `ix_transfers_created_at_id` or
  `ix_transfers_effective_at_id` (by basis), a status on the booked basis is
  `ix_transfers_status_created_at_id`, metadata the GIN index `ix_transfers_metadata`, an account its
  entries. The amount range, the asset, and a status on the effective basis are checked transfer by
  transfer: alone they could read the whole table, so they need an ANCHOR, something that bounds the
  transfers read (`account_id`, a metadata filter, or `from` and `to` at most `MAX_RANGE_DAYS` apart);
  without one they are refused with `FilterNeedsIndex` (`filter_needs_index`, 422).

A cursor carries the fingerprint of the filter it was made for (`fingerprint`), so a page is never
continued under another filter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.accounts import Account, AccountStatus
from domain.errors import FieldIssue, ValidationError
from domain.time_basis import Basis
from domain.transfers import Transfer, TransferStatus, posted_amount
from domain.values import canonical_json, check_timestamp

#: How many metadata conditions (`metadata` and `metadata_has` together) one search may carry.
MAX_METADATA_TERMS = 16
#: The longest metadata key and value a filter may name, in characters.
MAX_METADATA_KEY = 256
MAX_METADATA_VALUE = 1000
#: The longest text of a code prefix, asset or category reference, in characters.
MAX_TEXT = 1000
#: The widest time range that anchors a transfer search by itself (`from` and `to` both given).
MAX_RANGE_DAYS = 31
#: An amount bound fits the journal's NUMERIC(38, 0).
MAX_AMOUNT_BOUND = 10**38 - 1

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class FilterNeedsIndex(ValidationError):
    """A search that no index could answer: it would read a large table row by row. `errors` names
    each offending field; narrowing the search with an anchor makes it acceptable."""

    code = "filter_needs_index"
    title = "The filter needs an index: narrow it"


def _text(value: object, name: str, max_length: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise ValidationError.of(name, "must be a string")
    if len(value) > max_length:
        raise ValidationError.of(name, f"must be at most {max_length} characters")
    if "\x00" in value:
        raise ValidationError.of(name, "must not contain NUL characters")
    return value


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _text(value, name)


# --- metadata --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetadataFilter:
    """Conditions on a metadata object's top-level keys, all ANDed: `equals` holds (key, value) pairs,
    each true when the key's value is that JSON string (`{"tier": "gold"}` matches `tier:gold`, not
    `{"tier": 3}` for `tier:3`); `has` holds keys that must be present, whatever their value. Sorted
    and without repeats, so equal filters are equal values."""

    equals: tuple[tuple[str, str], ...] = ()
    has: tuple[str, ...] = ()

    @classmethod
    def parse(cls, equals: Sequence[str] = (), has: Sequence[str] = ()) -> MetadataFilter:
        """From the query parameters: `metadata=key:value` (the key is everything before the first
        colon) and `metadata_has=key`, each repeatable."""
        if len(equals) + len(has) > MAX_METADATA_TERMS:
            name = "metadata" if len(equals) >= len(has) else "metadata_has"
            raise ValidationError.of(
                name, f"at most {MAX_METADATA_TERMS} metadata conditions (metadata and metadata_has together)"
            )
        pairs: dict[str, str] = {}
        for term in equals:
            text = _text(term, "metadata", MAX_METADATA_KEY + 1 + MAX_METADATA_VALUE)
            key, colon, value = text.partition(":")
            if not colon or not key:
                raise ValidationError.of("metadata", "must be key:value, with a non-empty key")
            _key(key, "metadata")
            if len(value) > MAX_METADATA_VALUE:
                raise ValidationError.of(
                    "metadata", f"a value must be at most {MAX_METADATA_VALUE} characters"
                )
            if pairs.setdefault(key, value) != value:
                raise ValidationError.of("metadata", f"key {key!r} is given twice with different values")
        keys = {_key(_text(key, "metadata_has", MAX_METADATA_KEY), "metadata_has") for key in has}
        return cls(tuple(sorted(pairs.items())), tuple(sorted(keys)))

    def __bool__(self) -> bool:
        return bool(self.equals or self.has)

    def document(self) -> dict[str, str]:
        """The JSON object a matching metadata contains (`metadata @> document`)."""
        return dict(self.equals)

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        return all(metadata.get(k) == v and isinstance(metadata.get(k), str) for k, v in self.equals) and all(
            k in metadata for k in self.has
        )

    def spec(self) -> list[Any]:
        return [[list(pair) for pair in self.equals], list(self.has)]


def _key(key: str, name: str) -> str:
    if not key:
        raise ValidationError.of(name, "a key must not be empty")
    if len(key) > MAX_METADATA_KEY:
        raise ValidationError.of(name, f"a key must be at most {MAX_METADATA_KEY} characters")
    return key


# --- accounts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryRef:
    """A category named by its id or by its code: a reference in the canonical UUID form
    (8-4-4-4-12 hexadecimal digits) is an id, anything else a code."""

    id: UUID | None = None
    code: str | None = None

    @classmethod
    def parse(cls, text: str) -> CategoryRef:
        text = _text(text, "category")
        if not text:
            raise ValidationError.of("category", "must not be empty")
        return cls(id=UUID(text)) if _UUID.match(text) else cls(code=text)

    def __str__(self) -> str:
        return str(self.id) if self.id is not None else str(self.code)


@dataclass(frozen=True, slots=True)
class AccountFilter:
    """Which accounts a list holds (in code order). Every condition given must hold."""

    code_prefix: str | None = None
    asset: str | None = None
    status: AccountStatus | None = None
    metadata: MetadataFilter = field(default_factory=MetadataFilter)
    category: CategoryRef | None = None
    #: With `category`: its descendants' members too (every level below it).
    category_descendants: bool = False

    def fingerprint(self) -> str:
        return _fingerprint(
            "accounts",
            self.code_prefix,
            self.asset,
            self.status,
            self.metadata.spec(),
            None if self.category is None else [str(self.category.id), self.category.code],
            self.category_descendants,
        )

    def matches(self, account: Account, categories: Collection[UUID] | None = None) -> bool:
        """`categories`: the accounts' memberships this filter's category covers (its members and, with
        descendants, theirs), resolved by the caller; ignored without a category."""
        return (
            (not self.code_prefix or account.code.startswith(self.code_prefix))
            and (self.asset is None or account.asset.code == self.asset)
            and (self.status is None or account.status is self.status)
            and self.metadata.matches(account.metadata)
            and (self.category is None or (categories is not None and account.id in categories))
        )


def account_filter(
    *,
    code_prefix: str | None = None,
    asset: str | None = None,
    status: str | None = None,
    metadata: Sequence[str] = (),
    metadata_has: Sequence[str] = (),
    category: str | None = None,
    category_descendants: bool = False,
) -> AccountFilter:
    """The account filter of a list request, from its query parameters; refuses bad input naming the
    field (`validation_error`)."""
    if category_descendants and category is None:
        raise ValidationError.of("category_descendants", "needs 'category'")
    return AccountFilter(
        code_prefix=_optional_text(code_prefix, "code_prefix") or None,
        asset=_optional_text(asset, "asset"),
        status=None if status is None else _enum(AccountStatus, status, "status"),
        metadata=MetadataFilter.parse(metadata, metadata_has),
        category=None if category is None else CategoryRef.parse(category),
        category_descendants=category_descendants,
    )


def _enum(kind: Any, value: object, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in kind)
        raise ValidationError.of(name, f"must be one of {allowed}") from None


# --- transfers -------------------------------------------------------------------------------------


def transfer_amount(transfer: Transfer) -> int:
    """A transfer's amount as a search sees it: the sum of its debit lines that reached posted balances
    when it is posted (a captured hold: what was captured), else of its held lines (pending, voided,
    expired: what was held). The repositories compute it from the journal's entries."""
    lines = transfer.posted if transfer.status is TransferStatus.POSTED else transfer.postings
    return posted_amount(lines)


@dataclass(frozen=True, slots=True)
class TransferFilter:
    """Which transfers a list holds, newest first on its `basis` (booking time or value date). Every
    condition given must hold; `start` is inclusive, `end` exclusive, both on the basis."""

    account_id: UUID | None = None
    status: TransferStatus | None = None
    asset: str | None = None
    metadata: MetadataFilter = field(default_factory=MetadataFilter)
    basis: Basis = Basis.BOOKED
    start: datetime | None = None
    end: datetime | None = None
    amount_min: int | None = None
    amount_max: int | None = None

    def fingerprint(self) -> str:
        return _fingerprint(
            "transfers",
            None if self.account_id is None else str(self.account_id),
            self.status,
            self.asset,
            self.metadata.spec(),
            self.basis,
            None if self.start is None else self.start.timestamp(),
            None if self.end is None else self.end.timestamp(),
            self.amount_min,
            self.amount_max,
        )

    def instant(self, transfer: Transfer) -> datetime:
        """The transfer's instant on this filter's basis: what the list is ordered and windowed by."""
        return transfer.effective_at if self.basis is Basis.EFFECTIVE else transfer.created_at

    def matches(self, transfer: Transfer) -> bool:
        at = self.instant(transfer)
        assets = {p.asset for p in (*transfer.postings, *transfer.posted)}
        amount = (
            transfer_amount(transfer) if self.amount_min is not None or self.amount_max is not None else 0
        )
        return (
            (self.account_id is None or self.account_id in transfer.account_ids())
            and (self.status is None or transfer.status is self.status)
            and (self.asset is None or self.asset in assets)
            and self.metadata.matches(transfer.metadata)
            and (self.start is None or self.start <= at)
            and (self.end is None or at < self.end)
            and (self.amount_min is None or self.amount_min <= amount)
            and (self.amount_max is None or amount <= self.amount_max)
        )

    def anchored(self) -> bool:
        """Whether something bounds the transfers read, so that conditions without an index of their
        own may be checked row by row: an account, a metadata filter, or a closed range of at most
        `MAX_RANGE_DAYS`."""
        bounded = (
            self.start is not None
            and self.end is not None
            and self.end - self.start <= timedelta(days=MAX_RANGE_DAYS)
        )
        return self.account_id is not None or bool(self.metadata) or bounded

    def unindexed(self) -> list[str]:
        """The fields given that no index answers (checked transfer by transfer)."""
        return [
            name
            for name, given in (
                ("amount_min", self.amount_min is not None),
                ("amount_max", self.amount_max is not None),
                ("asset", self.asset is not None),
                ("status", self.status is not None and self.basis is Basis.EFFECTIVE),
            )
            if given
        ]

    def check(self) -> TransferFilter:
        """Refuse what no index answers (`FilterNeedsIndex`); returns the filter."""
        unindexed = self.unindexed()
        if unindexed and not self.anchored():
            hint = (
                f"is checked transfer by transfer: give it with account_id, a metadata filter, or from and "
                f"to at most {MAX_RANGE_DAYS} days apart"
            )
            status_hint = f"{hint} (or list by status on basis=booked, which has its own index)"
            issues = [FieldIssue(n, status_hint if n == "status" else hint) for n in unindexed]
            raise FilterNeedsIndex(
                f"{', '.join(unindexed)}: no index answers this search alone; narrow it with account_id, "
                f"a metadata filter, or from and to at most {MAX_RANGE_DAYS} days apart",
                *issues,
                fields=unindexed,
            )
        return self


def transfer_filter(
    *,
    account_id: UUID | None = None,
    status: str | None = None,
    asset: str | None = None,
    metadata: Sequence[str] = (),
    metadata_has: Sequence[str] = (),
    basis: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    amount_min: int | None = None,
    amount_max: int | None = None,
) -> TransferFilter:
    """The transfer filter of a list request, from its query parameters: bad input is a
    `validation_error` naming the field, a search no index answers `filter_needs_index`."""
    for value, name in ((start, "from"), (end, "to")):
        if value is not None:
            check_timestamp(value, name)
    if start is not None and end is not None and end < start:
        raise ValidationError.of("to", "must not be before 'from'")
    for bound, name in ((amount_min, "amount_min"), (amount_max, "amount_max")):
        if bound is not None and (
            isinstance(bound, bool) or not isinstance(bound, int) or not 0 <= bound <= MAX_AMOUNT_BOUND
        ):
            raise ValidationError.of(name, f"must be an integer from 0 to {MAX_AMOUNT_BOUND}")
    if amount_min is not None and amount_max is not None and amount_max < amount_min:
        raise ValidationError.of("amount_max", "must not be below 'amount_min'")
    return TransferFilter(
        account_id=account_id,
        status=None if status is None else _enum(TransferStatus, status, "status"),
        asset=_optional_text(asset, "asset"),
        metadata=MetadataFilter.parse(metadata, metadata_has),
        basis=Basis.parse(basis),
        start=start,
        end=end,
        amount_min=amount_min,
        amount_max=amount_max,
    ).check()


def _fingerprint(*parts: Any) -> str:
    """A short digest of a filter: what a cursor remembers of the search it belongs to."""
    return hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()[:16]

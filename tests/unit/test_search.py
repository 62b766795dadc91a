"""Search filters (`application.search`): parsing and validation, the index rule, and the list use cases
over the in-memory fakes (what every repository implementation must agree with)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from adapters.http import cursors
from application import accounts as account_cases
from application import transfers as transfer_cases
from application.ports import TransferCursor
from application.search import (
    MAX_METADATA_TERMS,
    AccountFilter,
    CategoryRef,
    FilterNeedsIndex,
    MetadataFilter,
    TransferFilter,
    account_filter,
    transfer_amount,
    transfer_filter,
)
from application.write_path import InAppWritePath
from domain.accounts import Account, AccountStatus
from domain.categories import Category
from domain.errors import ValidationError
from domain.time_basis import Basis
from domain.transfers import TransferStatus
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore
from tests.unit.builders import MoveFn, OpenFn

Uow = Callable[[], FakeUnitOfWork]
T0 = datetime(2024, 1, 2, tzinfo=UTC)


def refused(call: Callable[[], Any], error: type[ValidationError] = ValidationError) -> list[str]:
    """The fields a refused call names."""
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    return [issue.field for issue in caught.value.issues]


# --- metadata ----------------------------------------------------------------------------------------


def test_metadata_terms_parse_sorted_without_repeats() -> None:
    parsed = MetadataFilter.parse(
        ["tier:gold", "region:sp:north", "tier:gold", "empty:"], ["kyc", "kyc", "a"]
    )

    assert parsed.equals == (("empty", ""), ("region", "sp:north"), ("tier", "gold"))
    assert parsed.has == ("a", "kyc")
    assert parsed.document() == {"empty": "", "region": "sp:north", "tier": "gold"}
    assert parsed == MetadataFilter.parse(["empty:", "tier:gold", "region:sp:north"], ["a", "kyc"])
    assert not MetadataFilter.parse()


def test_metadata_matches_json_strings_at_the_top_level_only() -> None:
    where = MetadataFilter.parse(["tier:3"], ["kyc"])

    assert where.matches({"tier": "3", "kyc": None})
    assert not where.matches({"tier": 3, "kyc": True})  # a number is not the string "3"
    assert not where.matches({"tier": "3"})
    assert not where.matches({"nested": {"tier": "3"}, "kyc": 1})


@pytest.mark.parametrize(
    ("equals", "has", "field"),
    [
        (["no-colon"], [], "metadata"),
        ([":value"], [], "metadata"),
        (["k:a", "k:b"], [], "metadata"),
        (["k:" + "v" * 1001], [], "metadata"),
        (["k" * 257 + ":v"], [], "metadata"),
        (["k:nul\x00"], [], "metadata"),
        ([], [""], "metadata_has"),
        ([], ["k" * 257], "metadata_has"),
        ([f"k{i}:v" for i in range(MAX_METADATA_TERMS + 1)], [], "metadata"),
        (["a:b"], [f"k{i}" for i in range(MAX_METADATA_TERMS)], "metadata_has"),
    ],
)
def test_bad_metadata_terms_name_their_field(equals: list[str], has: list[str], field: str) -> None:
    assert refused(lambda: MetadataFilter.parse(equals, has)) == [field]


# --- accounts ----------------------------------------------------------------------------------------


def test_account_filter_parses_every_field() -> None:
    where = account_filter(
        code_prefix="customer:",
        asset="BRL",
        status="frozen",
        metadata=["tier:gold"],
        metadata_has=["kyc"],
        category="assets:current",
        category_descendants=True,
    )

    assert where == AccountFilter(
        code_prefix="customer:",
        asset="BRL",
        status=AccountStatus.FROZEN,
        metadata=MetadataFilter((("tier", "gold"),), ("kyc",)),
        category=CategoryRef(code="assets:current"),
        category_descendants=True,
    )


def test_a_category_in_uuid_form_is_an_id() -> None:
    ref = CategoryRef.parse("0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90")

    assert ref.id is not None and ref.code is None
    assert CategoryRef.parse("0b6f4a523f0e4d8e9a553d1c2b7e8f90").code == "0b6f4a523f0e4d8e9a553d1c2b7e8f90"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"category_descendants": True}, "category_descendants"),
        ({"category": ""}, "category"),
        ({"metadata": ["bad"]}, "metadata"),
        ({"code_prefix": "a\x00"}, "code_prefix"),
    ],
)
def test_bad_account_filters_name_their_field(options: dict[str, Any], field: str) -> None:
    assert refused(lambda: account_filter(**options)) == [field]


def test_account_fingerprints_tell_filters_apart() -> None:
    assert account_filter(metadata=["a:b"]).fingerprint() == account_filter(metadata=["a:b"]).fingerprint()
    assert account_filter(metadata=["a:b"]).fingerprint() != account_filter(metadata=["a:c"]).fingerprint()
    assert account_filter(status="active").fingerprint() != AccountFilter().fingerprint()


@pytest.fixture
def ledger(open_: OpenFn) -> dict[str, Account]:
    return {
        "bank": open_("bank", normal_side="debit", min_balance=None),
        "alice": open_("customer:alice", metadata={"tier": "gold", "kyc": True}),
        "bob": open_("customer:bob", metadata={"tier": "silver"}),
        "carol": open_("customer:carol", metadata={"tier": "gold"}),
        "yen": open_("customer:yen", asset="JPY", metadata={"tier": "gold"}),
    }


def codes(page: Any) -> list[str]:
    return [a.code for a in page.items]


def test_accounts_by_metadata_status_asset_and_prefix(
    uow: Uow, clock: FakeClock, ledger: dict[str, Account]
) -> None:
    account_cases.freeze_account(ledger["carol"].id, uow(), clock)

    def listed(**options: Any) -> list[str]:
        return codes(account_cases.list_accounts(uow(), account_filter(**options)))

    assert listed(metadata=["tier:gold"]) == ["customer:alice", "customer:carol", "customer:yen"]
    assert listed(metadata=["tier:gold"], metadata_has=["kyc"]) == ["customer:alice"]
    assert listed(metadata_has=["tier"], asset="BRL") == ["customer:alice", "customer:bob", "customer:carol"]
    assert listed(status="frozen") == ["customer:carol"]
    assert listed(status="active", code_prefix="customer:b") == ["customer:bob"]
    assert listed(metadata=["tier:platinum"]) == []
    assert listed() == ["bank", "customer:alice", "customer:bob", "customer:carol", "customer:yen"]


def test_account_search_pages_in_code_order(uow: Uow, ledger: dict[str, Account]) -> None:
    where = account_filter(metadata=["tier:gold"])
    seen: list[str] = []
    after = None
    while True:
        page = account_cases.list_accounts(uow(), where, after_code=after, limit=2)
        seen += codes(page)
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert seen == ["customer:alice", "customer:carol", "customer:yen"]


def test_the_shorthands_still_filter(uow: Uow, ledger: dict[str, Account]) -> None:
    page = account_cases.list_accounts(uow(), code_prefix="customer:", asset="JPY")

    assert codes(page) == ["customer:yen"]


def test_an_unknown_category_is_refused(uow: Uow, ledger: dict[str, Account]) -> None:
    where = account_filter(category="nowhere")

    assert refused(lambda: account_cases.list_accounts(uow(), where)) == ["category"]


def _category(store: InMemoryStore, code: str, parent: Category | None, *members: Account) -> Category:
    category = Category(UUID(int=len(store.categories) + 1), code, code, "", parent and parent.id, {}, T0)
    store.categories[category.id] = category
    store.account_categories.update((category.id, m.id) for m in members)
    return category


def test_accounts_by_category_with_or_without_descendants(
    store: InMemoryStore, uow: Uow, ledger: dict[str, Account]
) -> None:
    customers = _category(store, "customers", None, ledger["alice"])
    gold = _category(store, "customers:gold", customers, ledger["carol"], ledger["alice"])
    _category(store, "customers:gold:jp", gold, ledger["yen"])
    _category(store, "banks", None, ledger["bank"])

    def listed(category: str, descendants: bool = False, **options: Any) -> list[str]:
        where = account_filter(category=category, category_descendants=descendants, **options)
        return codes(account_cases.list_accounts(uow(), where))

    assert listed("customers") == ["customer:alice"]
    assert listed("customers", descendants=True) == ["customer:alice", "customer:carol", "customer:yen"]
    assert listed(str(gold.id), descendants=True) == ["customer:alice", "customer:carol", "customer:yen"]
    assert listed(str(gold.id)) == ["customer:alice", "customer:carol"]
    assert listed("customers", descendants=True, asset="JPY") == ["customer:yen"]
    assert listed("banks", metadata_has=["tier"]) == []
    assert refused(lambda: listed(str(UUID(int=99)))) == ["category"]


# --- transfers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"start": T0, "end": T0 - timedelta(seconds=1)}, "to"),
        ({"basis": "value"}, "basis"),
        ({"status": "done"}, "status"),
        ({"amount_min": -1}, "amount_min"),
        ({"amount_min": 10, "amount_max": 9}, "amount_max"),
        ({"amount_max": 10**38}, "amount_max"),
        ({"metadata": ["x"]}, "metadata"),
        ({"start": datetime(2024, 1, 2)}, "from"),
    ],
)
def test_bad_transfer_filters_name_their_field(options: dict[str, Any], field: str) -> None:
    assert refused(lambda: transfer_filter(**options)) == [field]


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        ({"amount_min": 100}, ["amount_min"]),
        ({"amount_min": 1, "amount_max": 100}, ["amount_min", "amount_max"]),
        ({"asset": "BRL"}, ["asset"]),
        ({"status": "pending", "basis": "effective"}, ["status"]),
        ({"asset": "BRL", "start": T0, "end": T0 + timedelta(days=31, seconds=1)}, ["asset"]),
        ({"asset": "BRL", "start": T0}, ["asset"]),
        ({"amount_max": 5, "status": "posted"}, ["amount_max"]),
    ],
)
def test_unindexed_filters_without_an_anchor_need_an_index(
    options: dict[str, Any], fields: list[str]
) -> None:
    assert refused(lambda: transfer_filter(**options), FilterNeedsIndex) == fields


@pytest.mark.parametrize(
    "options",
    [
        {"status": "pending"},  # its own index on the booked basis
        {"amount_min": 1, "metadata": ["order:1"]},
        {"amount_min": 1, "metadata_has": ["order"]},
        {"asset": "BRL", "start": T0, "end": T0 + timedelta(days=31)},
        {"status": "voided", "basis": "effective", "start": T0, "end": T0 + timedelta(days=1)},
        {"start": T0},
        {"basis": "effective", "start": T0, "end": T0 + timedelta(days=400)},
    ],
)
def test_anchored_or_indexed_transfer_searches_are_accepted(options: dict[str, Any]) -> None:
    assert transfer_filter(**options) == transfer_filter(**options).check()


def test_the_use_case_checks_filters_it_did_not_parse(uow: Uow) -> None:
    where = TransferFilter(amount_min=5)

    assert refused(lambda: transfer_cases.list_transfers(uow(), where), FilterNeedsIndex) == ["amount_min"]


def test_transfer_fingerprints_cover_the_basis_and_the_window() -> None:
    booked = transfer_filter(start=T0)

    assert booked.fingerprint() == transfer_filter(start=T0).fingerprint()
    assert booked.fingerprint() != transfer_filter(start=T0, basis="effective").fingerprint()
    assert booked.fingerprint() != transfer_filter(start=T0 + timedelta(seconds=1)).fingerprint()
    assert (
        booked.fingerprint()
        == transfer_filter(start=T0.astimezone(timezone(timedelta(hours=-3)))).fingerprint()
    )


@pytest.fixture
def booked(
    store: InMemoryStore, clock: FakeClock, write: InAppWritePath, ledger: dict[str, Account], move: MoveFn
) -> dict[str, Any]:
    """Transfers an hour apart: funding, a backdated one, metadata, a captured and a voided hold."""
    bank, alice, bob = ledger["bank"], ledger["alice"], ledger["bob"]
    made: dict[str, Any] = {}
    made["fund"] = move(bank, alice, 10_000).transfer
    clock.advance(3600)
    made["backdated"] = move(bank, bob, 5_000, effective_at=clock.now() - timedelta(days=3)).transfer
    clock.advance(3600)
    made["order"] = move(alice, bob, 1_500, metadata={"order": "o-1", "channel": "pix"}).transfer
    clock.advance(3600)
    hold = move(alice, bob, 3_000, pending=True, metadata={"order": "o-2"}).transfer
    clock.advance(3600)
    made["captured"] = write.post_pending(hold.id, 2_000).transfer
    clock.advance(3600)
    voided = move(bob, alice, 700, pending=True).transfer
    clock.advance(3600)
    made["voided"] = write.void_pending(voided.id).transfer
    made["pending"] = move(bob, alice, 300, pending=True).transfer
    return made


def listed(uow: Uow, where: TransferFilter, limit: int = 100) -> list[Any]:
    return transfer_cases.list_transfers(uow(), where, limit=limit).items


def test_transfer_amounts_are_posted_debits_or_held_ones(booked: dict[str, Any]) -> None:
    assert transfer_amount(booked["captured"]) == 2_000
    assert transfer_amount(booked["voided"]) == 700
    assert transfer_amount(booked["pending"]) == 300
    assert transfer_amount(booked["fund"]) == 10_000


def test_transfers_by_metadata_amount_asset_and_account(
    uow: Uow, ledger: dict[str, Account], booked: dict[str, Any]
) -> None:
    alice, bob = ledger["alice"].id, ledger["bob"].id
    ids = {t.id: name for name, t in booked.items()}

    def names(**options: Any) -> list[str]:
        return [ids.get(t.id, "?") for t in listed(uow, transfer_filter(**options))]

    assert names(metadata=["order:o-1"]) == ["order"]
    assert names(metadata_has=["order"]) == ["captured", "order"]
    assert names(metadata_has=["order"], amount_max=1_999) == ["order"]
    assert names(account_id=alice, amount_min=2_000) == ["captured", "fund"]
    assert names(account_id=bob, amount_min=300, amount_max=700) == ["pending", "voided"]
    assert names(account_id=bob, status="voided") == ["voided"]
    assert names(account_id=bob, asset="JPY") == []
    assert names(account_id=bob, asset="BRL")[-1] == "backdated"


def test_transfers_newest_first_on_either_basis_with_a_window(
    uow: Uow, clock: FakeClock, booked: dict[str, Any]
) -> None:
    by_booking = listed(uow, transfer_filter())
    by_value = listed(uow, transfer_filter(basis="effective"))

    assert [t.created_at for t in by_booking] == sorted((t.created_at for t in by_booking), reverse=True)
    assert by_value[-1].id == booked["backdated"].id  # its value date is the oldest
    assert by_booking[-2].id == booked["backdated"].id
    window = {"start": clock.now() - timedelta(days=4), "end": clock.now() - timedelta(days=2)}
    assert [t.id for t in listed(uow, transfer_filter(basis="effective", **window))] == [
        booked["backdated"].id
    ]
    assert listed(uow, transfer_filter(**window)) == []


def test_transfer_search_pages_with_cursors_on_its_basis(uow: Uow, booked: dict[str, Any]) -> None:
    for basis in Basis:
        where = transfer_filter(basis=basis.value)
        everything = [t.id for t in listed(uow, where)]
        seen: list[Any] = []
        after: TransferCursor | None = None
        while True:
            page = transfer_cases.list_transfers(uow(), where, after=after, limit=2)
            seen += [t.id for t in page.items]
            if page.next_cursor is None:
                break
            after = cursors.after_transfer(cursors.transfer_cursor(page.next_cursor, where), where)

        assert seen == everything
        assert len(seen) == 6


# --- cursors ---------------------------------------------------------------------------------------


def test_a_transfer_cursor_continues_only_its_own_search() -> None:
    where = transfer_filter(metadata=["order:1"])
    position = TransferCursor(T0, UUID(int=7))
    cursor = cursors.transfer_cursor(position, where)

    assert cursors.after_transfer(cursor, where) == position
    assert refused(lambda: cursors.after_transfer(cursor, transfer_filter(metadata=["order:2"]))) == [
        "cursor"
    ]
    effective = transfer_filter(metadata=["order:1"], basis="effective")
    with pytest.raises(ValidationError, match="basis=booked, not basis=effective"):
        cursors.after_transfer(cursor, effective)


def test_a_cursor_from_before_searches_is_a_booked_position() -> None:
    legacy = cursors._encode("transfers", [T0.isoformat(), str(UUID(int=7))])

    assert cursors.after_transfer(legacy, transfer_filter(status="pending")) == TransferCursor(
        T0, UUID(int=7)
    )
    assert refused(lambda: cursors.after_transfer(legacy, transfer_filter(basis="effective"))) == ["cursor"]


def test_an_account_cursor_continues_only_its_own_search() -> None:
    gold, silver = account_filter(metadata=["tier:gold"]), account_filter(metadata=["tier:silver"])
    cursor = cursors.account_cursor("customer:alice", gold.fingerprint())

    assert cursors.after_code(cursor, gold.fingerprint()) == "customer:alice"
    assert refused(lambda: cursors.after_code(cursor, silver.fingerprint())) == ["cursor"]
    assert cursors.after_code(cursors.account_cursor("b"), gold.fingerprint()) == "b"


def test_statuses_of_the_status_filter() -> None:
    assert transfer_filter(status="expired").status is TransferStatus.EXPIRED

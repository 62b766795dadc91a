"""The matcher (`domain.reconciliation`): scores, the margin, groups, chunks; properties with hypothesis."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.reconciliation import (
    FULL,
    MANY_TO_ONE,
    ONE_TO_MANY,
    ONE_TO_ONE,
    BankLine,
    LedgerItem,
    Rule,
    extracted,
    match,
    plan_chunks,
    rule_from_dict,
    rule_to_dict,
    score,
    window_of,
)

DAY = date(2026, 3, 2)


def item(n: int, amount: int, day: date = DAY, reference: str = "", counterparty: str = "") -> LedgerItem:
    return LedgerItem(f"00000000-0000-0000-0000-{n:012d}:posted:0", day, amount, reference, counterparty)


def test_an_exact_pair_scores_full_and_a_gate_refuses_the_rest() -> None:
    rule = Rule()
    line = BankLine(1, DAY, 1050, "INV-7")
    assert score(rule, line, item(1, 1050, reference="inv-7")) == FULL
    assert score(rule, line, item(1, -1050, reference="INV-7")) is None  # the sign
    assert score(rule, line, item(1, 1051, reference="INV-7")) is None  # beyond the tolerance
    assert score(rule, line, item(1, 1050, DAY + timedelta(days=4), "INV-7")) is None  # beyond the window
    assert score(rule, line, item(1, 1050, DAY + timedelta(days=1), "INV-7")) < FULL


def test_the_regex_finds_the_reference_in_the_description() -> None:
    rule = Rule(description_regex=r"NF\s*(\d+)")
    line = BankLine(1, DAY, 900, "", "PIX RECEBIDO NF 4411 CLIENTE")
    assert score(rule, line, item(1, 900, reference="4411")) > score(
        rule, line, item(2, 900, reference="4412")
    )


def test_a_regex_that_does_not_compile_names_its_field() -> None:
    with pytest.raises(ValidationError) as refused:
        rule_from_dict({"description_regex": "(unclosed"})
    assert refused.value.issues[0].field == "description_regex"
    with pytest.raises(ValidationError) as too_long:
        rule_from_dict({"description_regex": "a" * 201})
    assert too_long.value.issues[0].field == "description_regex"
    with pytest.raises(ValidationError) as unknown:
        rule_from_dict({"window": 3})
    assert unknown.value.issues[0].field == "window"


#: Patterns known to backtrack catastrophically (exponential or high polynomial) in Python's engine.
REDOS = (
    r"(a|aa)+$",
    r"(a+)+$",
    r"(a*)*b",
    r"(\w+\s?)+$",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"(.*a){12}",
    r"(x+x+)+y",
    r"(?:a{1,20}){1,20}$",
    r"\d*\d*\d*x",
    r".*.*=.*",
    r"REF.*(\d+)x",
    r"\w+\d+!",
    r"a?" * 30 + "a" * 30,
    r"(?=(a+)+$)x",
    r"(a)\1",
    r"(a)?(?(1)b|c)",
    r"(?>(a+)+)$",
    r"(?:a|b?)*c",
    r"x(?:\d+|\w+)+y",
)


@pytest.mark.parametrize("pattern", REDOS)
def test_a_regex_that_can_backtrack_catastrophically_is_refused_fast(pattern: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        rule_from_dict({"description_regex": pattern})
    assert time.perf_counter() - started < 0.05
    assert refused.value.issues[0].field == "description_regex"
    assert "backtrack" in refused.value.issues[0].message


SAFE = (
    r"(?>\d+)x",
    r"^(?:NF|NFE)\s*(\d+)",
    r"NF\s*(\d+)",
    r"REF[:\s]*(\d+)",
    r"ref\D*(\d+)",
    r"PIX-([A-Z0-9]+)",
    r"(\d{3}\.\d{3})",
    r"\w+x",
)
HOSTILE = ("a" * 1000 + "!", "REF" * 333, "1" * 1000, "a " * 500, "REF:" + " " * 996, "x" * 1000)


@pytest.mark.parametrize("pattern", SAFE)
def test_an_accepted_regex_runs_fast_on_hostile_descriptions(pattern: str) -> None:
    rule = Rule(description_regex=pattern)
    started = time.perf_counter()
    for text in HOSTILE:
        extracted(rule, BankLine(1, DAY, 1, "", text))
    assert time.perf_counter() - started < 0.05  # 6 descriptions, capped at MAX_SCANNED characters


def test_a_rule_survives_its_json() -> None:
    rule = rule_from_dict({"reference": "metadata.invoice", "amount_tolerance": 5, "weights": {"date": 7}})
    assert rule_from_dict(rule_to_dict(rule)) == rule
    assert rule.weights.date == 7 and rule.weights.amount == 30


def test_two_equal_candidates_are_left_for_a_person() -> None:
    rule = Rule(reference=None)
    result = match(rule, [BankLine(1, DAY, 500)], [item(1, 500), item(2, 500)])
    assert result.matches == ()
    assert [a.line_no for a in result.ambiguous] == [1]
    assert len(result.ambiguous[0].candidates) == 2


def test_the_best_wins_when_it_beats_the_runner_up_by_the_margin() -> None:
    rule = Rule(reference=None)
    lines = [BankLine(1, DAY, 500)]
    result = match(rule, lines, [item(1, 500, DAY), item(2, 500, DAY + timedelta(days=3))])
    assert [m.items for m in result.matches] == [(item(1, 500).key,)]
    close = match(
        Rule(reference=None, margin=9000), lines, [item(1, 500, DAY), item(2, 500, DAY + timedelta(days=3))]
    )
    assert close.matches == () and len(close.ambiguous) == 1


def test_taking_a_clear_pair_makes_the_next_one_clear() -> None:
    rule = Rule(reference="description")
    lines = [BankLine(1, DAY, 500, "A"), BankLine(2, DAY, 500, "")]
    items = [item(1, 500, reference="A"), item(2, 500)]
    result = match(rule, lines, items)
    assert sorted(m.lines[0] for m in result.matches) == [1, 2]


def test_a_line_settling_three_invoices_matches_all_three() -> None:
    rule = Rule(reference="description")
    lines = [BankLine(1, DAY, 6000, "LOTE-9")]
    items = [
        item(1, 1000, reference="LOTE-9"),
        item(2, 2000, reference="LOTE-9"),
        item(3, 3000, reference="LOTE-9"),
    ]
    result = match(rule, lines, items)
    assert [(m.strategy, len(m.items)) for m in result.matches] == [(ONE_TO_MANY, 3)]
    # an entry of the same amount without the reference scores 55%: above the default floor it is taken
    # one to one; a rule that demands references sets the floor above what amount and date alone give
    decoy = item(4, 6000)
    assert [m.strategy for m in match(rule, lines, [*items, decoy]).matches] == [ONE_TO_ONE]
    strict = Rule(reference="description", min_score=6000)
    assert [m.strategy for m in match(strict, lines, [*items, decoy]).matches] == [ONE_TO_MANY]


def test_same_day_groups_without_references() -> None:
    rule = Rule(reference=None)
    result = match(
        rule, [BankLine(1, DAY, 700)], [item(1, 300), item(2, 400), item(3, 999, DAY - timedelta(days=1))]
    )
    assert [m.strategy for m in result.matches] == [ONE_TO_MANY]


def test_several_lines_settle_one_transfer() -> None:
    rule = Rule(reference="description")
    lines = [BankLine(1, DAY, 400, "P-1"), BankLine(2, DAY, 600, "P-1")]
    result = match(rule, lines, [item(1, 1000, reference="P-1")])
    assert [(m.strategy, m.lines) for m in result.matches] == [(MANY_TO_ONE, (1, 2))]


def test_a_fee_with_no_ledger_entry_stays_unmatched() -> None:
    result = match(Rule(), [BankLine(1, DAY, -1290, "", "TARIFA PACOTE")], [item(1, 5000)])
    assert result.unmatched_lines == (1,)
    assert result.unmatched_items == (item(1, 5000).key,)


def test_chunks_are_whole_days_and_their_windows_partition_the_decisions() -> None:
    days = [(DAY + timedelta(days=d), 3) for d in range(10)]
    chunks = plan_chunks(days, 7)
    assert [c.lines for c in chunks] == [6, 6, 6, 6, 6]
    start, end = DAY - timedelta(days=1), DAY + timedelta(days=12)
    decided: list[date] = []
    for n in range(len(chunks)):
        _, _, first, last = window_of(chunks, n, 2, start, end)
        decided += [first + timedelta(days=k) for k in range((last - first).days + 1)]
    assert decided == sorted(set(decided))  # no day decided twice
    assert decided[0] <= start and decided[-1] >= end  # nothing left out


# --- properties ----------------------------------------------------------------------------------


@st.composite
def books(draw: st.DrawFn) -> tuple[list[LedgerItem], list[BankLine]]:
    """Transfers with distinct references, and the statement the bank would print for them."""
    count = draw(st.integers(1, 25))
    amounts = draw(st.lists(st.integers(1, 10**7), min_size=count, max_size=count))
    signs = draw(st.lists(st.sampled_from([1, -1]), min_size=count, max_size=count))
    shifts = draw(st.lists(st.integers(0, 20), min_size=count, max_size=count))
    lags = draw(st.lists(st.integers(0, 2), min_size=count, max_size=count))
    items = [
        item(n, sign * amount, DAY + timedelta(days=shift), f"REF-{n}")
        for n, (amount, sign, shift) in enumerate(zip(amounts, signs, shifts, strict=True))
    ]
    lines = [
        BankLine(n + 1, i.value_date + timedelta(days=lag), i.amount, f"ref-{n}")
        for n, (i, lag) in enumerate(zip(items, lags, strict=True))
    ]
    order = draw(st.permutations(range(count)))
    return [items[k] for k in order], lines


@settings(max_examples=60, deadline=None)
@given(books())
def test_a_statement_of_the_transfers_matches_fully(book: tuple[list[LedgerItem], list[BankLine]]) -> None:
    items, lines = book
    result = match(Rule(one_to_many=False, many_to_one=False), lines, items)
    assert result.unmatched_lines == () and result.ambiguous == () and result.unmatched_items == ()
    pairs = {m.lines[0]: m.items[0] for m in result.matches}
    assert all(m.strategy == ONE_TO_ONE for m in result.matches)
    assert pairs == {n + 1: item(n, 0).key for n in range(len(lines))}


@settings(max_examples=60, deadline=None)
@given(books(), st.data())
def test_perturbing_one_line_beyond_tolerance_unmatches_exactly_it(
    book: tuple[list[LedgerItem], list[BankLine]], data: st.DataObject
) -> None:
    items, lines = book
    k = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["amount", "date", "sign"]))
    line = lines[k]
    if how == "amount":
        bad = line._replace(amount=line.amount + (10**8 if line.amount > 0 else -(10**8)))
    elif how == "date":
        bad = line._replace(value_date=line.value_date + timedelta(days=40))
    else:
        bad = line._replace(amount=-line.amount)
    lines = [*lines[:k], bad, *lines[k + 1 :]]
    rule = Rule(one_to_many=False, many_to_one=False)
    result = match(rule, lines, items)
    assert result.unmatched_lines == (bad.line_no,)
    assert result.unmatched_items == (item(k, 0).key,)
    assert len(result.matches) == len(lines) - 1


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10**7), st.integers(0, 3), st.integers(2, 4))
def test_equally_good_candidates_are_ambiguous(amount: int, lag: int, copies: int) -> None:
    rule = Rule(reference=None, one_to_many=False, many_to_one=False)
    line = BankLine(1, DAY + timedelta(days=lag), amount)
    result = match(rule, [line], [item(n, amount) for n in range(copies)])
    assert result.matches == ()
    assert len(result.ambiguous) == 1 and len(result.ambiguous[0].candidates) == copies


@settings(max_examples=30, deadline=None)
@given(books())
def test_the_result_does_not_depend_on_the_order_of_the_inputs(
    book: tuple[list[LedgerItem], list[BankLine]],
) -> None:
    items, lines = book
    rule = Rule(reference=None)
    assert match(rule, lines, items) == match(rule, list(reversed(lines)), list(reversed(items)))

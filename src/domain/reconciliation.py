"""Reconciliation: matching a bank statement's lines to the ledger's entries of the bank's mirror account.

Both sides speak the bank's terms: an amount is signed, positive for money into the bank account (a bank
`credit`; in the ledger a movement that increases the mirror account's balance from its normal side), and
negative for money out. A line and an entry may match only when their signs agree, their amounts differ
by at most the rule's tolerance and their value dates by at most its window (the gates); a pair that
passes is scored (`score`, integer basis points out of 10,000, so that every execution and platform
agrees): the weighted share of the rule's criteria it meets.

`match` assigns by score, not by first hit: a line takes its best candidate only when that one beats the
runner-up by the rule's margin AND the line is, by the same margin, the best candidate of that entry;
otherwise the line is `ambiguous`, with its candidates kept for a person to decide. Pairs that are clear
are taken first, which may make others clear (their runner-up was taken): the assignment repeats until
nothing changes. What is left then goes to the group strategies: one line settling several entries
(`one_to_many`: entries that sum to the line, sharing its reference when the rule compares references,
otherwise booked on the same value date) and several lines settling one entry (`many_to_one`, the same
way round). Group searches are bounded (`Rule.max_group` members, `GROUP_BUDGET` subsets tried per search)
and a group found twice over is ambiguous too. Everything is ordered by line number and entry key, so the
result depends only on the inputs: the application and the database compute the same matches.

Standard library only: this module also runs inside PostgreSQL (PL/Python). Lines and entries are
`NamedTuple`s, not dataclasses: a run may build a million of them, and a tuple is built several times
faster; they are values all the same (immutable, compared by content).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

# The standard library's own parser of regular expressions (Python 3.11, as Debian's python3 in
# PostgreSQL): private, but the engine's, so it reads a pattern exactly as `re.compile` does.
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from domain.errors import ValidationError

#: A score's scale: 10,000 basis points is a pair that meets every criterion of its rule.
FULL = 10_000
ONE_TO_ONE = "one_to_one"
ONE_TO_MANY = "one_to_many"
MANY_TO_ONE = "many_to_one"
STRATEGIES = (ONE_TO_ONE, ONE_TO_MANY, MANY_TO_ONE)
#: Where the ledger side's reference comes from: the transfer's description, its id, or a metadata key
#: (`metadata.<key>`).
REFERENCE_FIELDS = ("description", "transfer_id")
METADATA_PREFIX = "metadata."
#: Longest regular expression a rule may hold, and how much of a description it is applied to (the
#: patterns allowed, `check_regex`, take at worst time quadratic in it: about 0.4 ms a line at 256).
MAX_REGEX = 200
MAX_SCANNED = 256
#: Most candidates kept for a person on an ambiguous line.
KEPT_CANDIDATES = 5
#: Most subsets one group search tries before it gives up (the line or entry stays unmatched).
GROUP_BUDGET = 4000
#: Most members a group may have, and most days a rule's window may span.
MAX_GROUP = 8
MAX_WINDOW = 60


class BankLine(NamedTuple):
    """One statement line: its number in the statement, value date, signed amount (minor units, + money
    in), and the texts the criteria compare."""

    line_no: int
    value_date: date
    amount: int
    reference: str = ""
    description: str = ""
    counterparty: str = ""


class LedgerItem(NamedTuple):
    """One posted entry of the mirror account, in the bank's terms: `key` is "<transfer id>:<layer>:<line>",
    `amount` signed (+ the account's balance grows), `reference`/`counterparty` as the rule reads them."""

    key: str
    value_date: date
    amount: int
    reference: str = ""
    counterparty: str = ""


def item_key(transfer_id: object, layer: str, line: int) -> str:
    return f"{transfer_id}:{layer}:{line}"


def split_key(key: str) -> tuple[str, str, int]:
    """(transfer id, layer, line) of an entry key."""
    transfer_id, layer, line = key.rsplit(":", 2)
    return transfer_id, layer, int(line)


@dataclass(frozen=True, slots=True)
class Weights:
    reference: int = 40
    amount: int = 30
    date: int = 20
    description: int = 10
    counterparty: int = 10


@dataclass(frozen=True, slots=True)
class Rule:
    """How lines and entries are compared. `reference`: which ledger field holds the reference the bank
    line's own reference must equal (None: references are not compared); `description_contains`: the
    line's description contains that reference; `description_regex`: its first group (or whole match) in
    the line's description is the reference; `counterparty`: the transfer metadata key holding the
    counterparty the line's must equal. Scores below `min_score` are no candidates; the best candidate
    must beat the runner-up by `margin`."""

    reference: str | None = "description"
    amount_tolerance: int = 0
    date_window: int = 3
    description_contains: bool = False
    description_regex: str | None = None
    counterparty: str | None = None
    weights: Weights = field(default_factory=Weights)
    min_score: int = 5000
    margin: int = 1000
    one_to_many: bool = True
    many_to_one: bool = True
    max_group: int = 6

    def __post_init__(self) -> None:
        check_rule(self)

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return None if self.description_regex is None else _compiled(self.description_regex)

    def criteria_weight(self) -> int:
        w = self.weights
        total = w.amount + w.date
        if self.reference is not None:
            total += w.reference
        if self.description_contains or self.description_regex is not None:
            total += w.description
        if self.counterparty is not None:
            total += w.counterparty
        return total


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(source: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(source)
    if pattern is None:
        pattern = _PATTERNS[source] = re.compile(source, re.IGNORECASE)
    return pattern


# --- regular expressions that cannot backtrack catastrophically --------------------------------------
#
# A rule's regular expression is a caller's, and it runs on descriptions from an uploaded file, in a
# worker (or a database backend) with no time limit: Python's engine backtracks, and some patterns take
# exponential or high polynomial time on a crafted text (`(a|aa)+$` on 28 a's and a '!' takes 0.1 s,
# 1.6 times more per extra character). So a rule is refused when its pattern has what makes a
# backtracking engine blow up, read from the standard library's own parse of it:
# - a repetition of something that itself repeats, or of an alternation (`(a+)+`, `(a|aa)+`);
# - two variable repetitions that can take the same characters with nothing compulsory between them to
#   tell them apart (`\d*\d*`, `.*x.*`, `a?a?a?`): where one ends and the next starts is a guess;
# - backreferences and conditionals (`(a)\1`, `(?(1)a|b)`): no bound is known for them.
# What is left runs in about linear time per starting position, on at most `MAX_SCANNED` characters.

#: The characters a pattern's character sets are compared on: Latin-1 and a few beyond.
_ALPHABET = frozenset(chr(c) for c in range(256)) | frozenset("ĀāŒœẞ€–—“”‘’…中")
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)
_ONE_CHAR = (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN)
_GROUPS = (_sre.SUBPATTERN, _sre.ATOMIC_GROUP)
_DIGITS = frozenset(c for c in _ALPHABET if c.isdecimal())
_SPACES = frozenset(c for c in _ALPHABET if c.isspace())
_WORD = frozenset(c for c in _ALPHABET if c.isalnum() or c == "_")
_CATEGORIES = {
    _sre.CATEGORY_DIGIT: _DIGITS,
    _sre.CATEGORY_NOT_DIGIT: _ALPHABET - _DIGITS,
    _sre.CATEGORY_SPACE: _SPACES,
    _sre.CATEGORY_NOT_SPACE: _ALPHABET - _SPACES,
    _sre.CATEGORY_WORD: _WORD,
    _sre.CATEGORY_NOT_WORD: _ALPHABET - _WORD,
}


class _Refused(Exception):
    pass


def check_regex(source: str) -> None:
    """Refuse (`description_regex`) a regular expression that does not compile or can backtrack
    catastrophically (see above)."""
    try:
        parsed = _sre_parse.parse(source, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as error:
        raise ValidationError.of("description_regex", f"does not compile: {error}") from None
    try:
        _walk(list(parsed), [])
    except _Refused as why:
        raise ValidationError.of("description_regex", f"can backtrack catastrophically: {why}") from None


def _chars(item: tuple[Any, Any]) -> frozenset[str]:
    """The characters a one-character item (or anything inside a repetition) can take, either case."""
    op, av = item
    if op is _sre.LITERAL:
        found = frozenset({chr(av)})
    elif op is _sre.NOT_LITERAL:
        found = _ALPHABET - {chr(av), chr(av).lower(), chr(av).upper()}
    elif op is _sre.ANY:
        found = _ALPHABET
    elif op is _sre.IN:
        found, negate = frozenset(), False
        for kind, value in av:
            if kind is _sre.NEGATE:
                negate = True
            elif kind is _sre.LITERAL:
                found |= {chr(value)}
            elif kind is _sre.RANGE:
                found |= {c for c in _ALPHABET if value[0] <= ord(c) <= value[1]}
            elif kind is _sre.CATEGORY:
                found |= _CATEGORIES.get(value, _ALPHABET)
            else:
                found = _ALPHABET
        found = _ALPHABET - _cased(found) if negate else found
    elif op in _REPEATS:
        found = _chars_of(av[2])
    elif op in _GROUPS:
        found = _chars_of(_inside(op, av))
    elif op is _sre.BRANCH:
        found = frozenset().union(*(_chars_of(branch) for branch in av[1]))
    else:  # anchors, lookarounds: no characters taken
        found = frozenset()
    return _cased(found)


def _chars_of(items: Iterable[tuple[Any, Any]]) -> frozenset[str]:
    return frozenset().union(*(_chars(item) for item in items))


def _cased(chars: frozenset[str]) -> frozenset[str]:
    return (
        chars
        | {c.lower() for c in chars if len(c.lower()) == 1}
        | {c.upper() for c in chars if len(c.upper()) == 1}
    )


def _inside(op: Any, av: Any) -> Any:
    """A group's pattern: (group, add flags, del flags, pattern) for a group, the pattern for `(?>...)`."""
    return av[-1] if op is _sre.SUBPATTERN else av


def _varies(items: Iterable[tuple[Any, Any]]) -> bool:
    """Whether a variable repetition or an alternation is among `items`, at any depth."""
    for op, av in items:
        if op in _REPEATS:
            if av[0] != av[1] or _varies(av[2]):
                return True
        elif op is _sre.BRANCH or (op in _GROUPS and _varies(_inside(op, av))):
            return True
    return False


def _walk(items: list[tuple[Any, Any]], open_sets: list[frozenset[str]]) -> list[frozenset[str]]:
    """Check a sequence; `open_sets`: the characters of the variable repetitions before it that nothing
    compulsory has cut off yet. Returns those still open after it."""
    for op, av in items:
        if op in _ONE_CHAR:  # a compulsory character ends the repetitions that cannot take it
            taken = _chars((op, av))
            open_sets = [s for s in open_sets if s & taken]
        elif op in _REPEATS:
            low, high, body = av
            if high > 1 and _varies(body):
                raise _Refused("a repetition of a repetition or of an alternation (use a character class)")
            if low == high:
                for _ in range(min(low, 2)):
                    open_sets = _walk(list(body), open_sets)
                continue
            _walk(list(body), [])  # its inside, alone
            taken = _chars((op, av))
            if any(s & taken for s in open_sets):
                raise _Refused(
                    "two repetitions next to each other can take the same characters"
                    " (separate them, or use classes that do not overlap, e.g. \\D* before \\d+)"
                )
            open_sets = [*open_sets, taken] if low == 0 else [taken]
        elif op in _GROUPS:
            open_sets = _walk(list(_inside(op, av)), open_sets)
        elif op is _sre.BRANCH:
            after: list[frozenset[str]] = []
            for branch in av[1]:
                after += _walk(list(branch), open_sets)
            open_sets = after
        elif op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            raise _Refused("a backreference or a conditional")
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            _walk(list(av[1]), [])  # checked alone; takes no characters
        elif op is not _sre.AT:
            raise _Refused(f"{op} is not understood here")
    return open_sets


def _int_in(value: object, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError.of(name, f"must be an integer from {low:,} to {high:,}")
    return value


def check_reference_field(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError.of(name, "must be a string or null")
    if value in REFERENCE_FIELDS:
        return value
    if value.startswith(METADATA_PREFIX) and 0 < len(value) - len(METADATA_PREFIX) <= 100:
        return value
    raise ValidationError.of(name, "must be 'description', 'transfer_id' or 'metadata.<key>'")


def check_rule(rule: Rule) -> None:
    """Refuse a rule that cannot be applied, naming the field (`rule.<field>`)."""
    check_reference_field(rule.reference, "reference")
    if rule.counterparty is not None and (
        not isinstance(rule.counterparty, str) or not 0 < len(rule.counterparty) <= 100
    ):
        raise ValidationError.of("counterparty", "must be a metadata key of 1 to 100 characters, or null")
    _int_in(rule.amount_tolerance, "amount_tolerance", 0, 10**15)
    _int_in(rule.date_window, "date_window", 0, MAX_WINDOW)
    _int_in(rule.min_score, "min_score", 0, FULL)
    _int_in(rule.margin, "margin", 0, FULL)
    _int_in(rule.max_group, "max_group", 2, MAX_GROUP)
    for name in ("reference", "amount", "date", "description", "counterparty"):
        _int_in(getattr(rule.weights, name), f"weights.{name}", 0, 1000)
    if rule.description_regex is not None:
        if not isinstance(rule.description_regex, str) or not 0 < len(rule.description_regex) <= MAX_REGEX:
            raise ValidationError.of("description_regex", f"must be 1 to {MAX_REGEX} characters")
        check_regex(rule.description_regex)
    if (rule.description_contains or rule.description_regex is not None) and rule.reference is None:
        raise ValidationError.of("reference", "is needed by description_contains and description_regex")
    if rule.criteria_weight() <= 0:
        raise ValidationError.of("weights", "the rule's criteria must weigh more than zero")


_RULE_FIELDS = {
    "reference",
    "amount_tolerance",
    "date_window",
    "description_contains",
    "description_regex",
    "counterparty",
    "weights",
    "min_score",
    "margin",
    "one_to_many",
    "many_to_one",
    "max_group",
}


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """A rule from its JSON form (absent fields take the defaults)."""
    if not isinstance(data, Mapping):
        raise ValidationError.of("rule", "must be an object")
    unknown = sorted(set(data) - _RULE_FIELDS)
    if unknown:
        raise ValidationError.of(unknown[0], "is not a rule setting")
    values = dict(data)
    weights = values.pop("weights", None) or {}
    if not isinstance(weights, Mapping) or set(weights) - set(Weights.__slots__):
        raise ValidationError.of(
            "weights", "must be an object of reference, amount, date, description, counterparty"
        )
    for flag in ("description_contains", "one_to_many", "many_to_one"):
        if flag in values and not isinstance(values[flag], bool):
            raise ValidationError.of(flag, "must be true or false")
    if not isinstance(values.get("description_regex"), str | None):
        raise ValidationError.of("description_regex", "must be a string or null")
    return Rule(**values, weights=replace(Weights(), **weights))


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    w = rule.weights
    return {
        "reference": rule.reference,
        "amount_tolerance": rule.amount_tolerance,
        "date_window": rule.date_window,
        "description_contains": rule.description_contains,
        "description_regex": rule.description_regex,
        "counterparty": rule.counterparty,
        "weights": {
            "reference": w.reference,
            "amount": w.amount,
            "date": w.date,
            "description": w.description,
            "counterparty": w.counterparty,
        },
        "min_score": rule.min_score,
        "margin": rule.margin,
        "one_to_many": rule.one_to_many,
        "many_to_one": rule.many_to_one,
        "max_group": rule.max_group,
    }


# --- scoring -----------------------------------------------------------------------------------------


def normalized(text: str) -> str:
    """A reference as compared: case and white space do not count."""
    return "".join(text.split()).casefold()


def extracted(rule: Rule, line: BankLine) -> str:
    """The reference the rule's regular expression finds in the line's description ('' when none)."""
    pattern = rule.pattern
    if pattern is None or not line.description:
        return ""
    found = pattern.search(line.description[:MAX_SCANNED])
    if found is None:
        return ""
    return normalized(found.group(1) if found.groups() else found.group(0))


def score(rule: Rule, line: BankLine, item: LedgerItem) -> int | None:
    """The pair's score in basis points (None: a gate refused it: sign, amount beyond the tolerance,
    value dates beyond the window)."""
    return _score(rule, line, item, normalized(line.reference), extracted(rule, line))


def _score(rule: Rule, line: BankLine, item: LedgerItem, line_ref: str, line_found: str) -> int | None:
    if (line.amount > 0) != (item.amount > 0):
        return None
    tolerance, window = rule.amount_tolerance, rule.date_window
    off = abs(line.amount - item.amount)
    days = abs((line.value_date - item.value_date).days)
    if off > tolerance or days > window:
        return None
    w = rule.weights
    got = w.amount * (tolerance + 1 - off) // (tolerance + 1) + w.date * (window + 1 - days) // (window + 1)
    if rule.reference is not None:
        item_ref = normalized(item.reference) if item.reference else ""
        if item_ref and item_ref == line_ref:
            got += w.reference
        if rule.description_regex is not None:
            if item_ref and item_ref == line_found:
                got += w.description
        elif rule.description_contains and item_ref and item_ref in normalized(line.description):
            got += w.description
    if (
        rule.counterparty is not None
        and item.counterparty
        and line.counterparty
        and normalized(item.counterparty) == normalized(line.counterparty)
    ):
        got += w.counterparty
    return got * FULL // rule.criteria_weight()


# --- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """Lines (numbers) and entries (keys) that settle each other, by one strategy, with its score."""

    strategy: str
    lines: tuple[int, ...]
    items: tuple[str, ...]
    score: int


@dataclass(frozen=True, slots=True)
class Candidate:
    items: tuple[str, ...]
    score: int


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A line left for a person: its best candidates (entries, or groups of entries), best first."""

    line_no: int
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: tuple[Match, ...]
    ambiguous: tuple[Ambiguity, ...]
    unmatched_lines: tuple[int, ...]
    unmatched_items: tuple[str, ...]

    @property
    def matched_lines(self) -> int:
        return sum(len(m.lines) for m in self.matches)

    @property
    def matched_items(self) -> int:
        return sum(len(m.items) for m in self.matches)


# --- the ledger side, indexed ------------------------------------------------------------------------


class _Index:
    """The items by signed amount (each amount's positions in value-date order), for the gates' range
    queries. Most amounts have one or two items; a long bucket is searched by bisection of its dates."""

    def __init__(self, items: Sequence[LedgerItem]) -> None:
        by_amount: dict[int, list[int]] = {}
        for position, item in enumerate(items):
            bucket = by_amount.get(item.amount)
            if bucket is None:
                by_amount[item.amount] = [position]
            else:
                bucket.append(position)
        self.ordinals: dict[int, list[int]] = {}
        for amount, bucket in by_amount.items():
            if len(bucket) > 1:
                bucket.sort(key=lambda p: items[p].value_date)  # stable: key order within a day
            if len(bucket) > 16:
                self.ordinals[amount] = [items[p].value_date.toordinal() for p in bucket]
        self.items = items
        self.by_amount = by_amount
        self.amounts = sorted(by_amount)

    def near(self, amount: int, tolerance: int, day: date, window: int) -> Iterable[int]:
        """Positions of the items within `tolerance` of `amount` and `window` days of `day`."""
        if tolerance == 0:
            amounts: Iterable[int] = (amount,) if amount in self.by_amount else ()
        else:
            low = bisect_left(self.amounts, amount - tolerance)
            high = bisect_right(self.amounts, amount + tolerance)
            amounts = self.amounts[low:high]
        first_day, last_day = day.toordinal() - window, day.toordinal() + window
        for value in amounts:
            bucket = self.by_amount[value]
            ordinals = self.ordinals.get(value)
            if ordinals is not None:
                yield from bucket[bisect_left(ordinals, first_day) : bisect_right(ordinals, last_day)]
                continue
            for position in bucket:
                ordinal = self.items[position].value_date.toordinal()
                if ordinal > last_day:
                    break
                if ordinal >= first_day:
                    yield position


# --- the assignment ----------------------------------------------------------------------------------


def match(
    rule: Rule,
    lines: Sequence[BankLine],
    items: Sequence[LedgerItem],
    *,
    fixed_items: Iterable[str] = (),
) -> MatchResult:
    """Match `lines` against `items` by `rule` (see the module). `fixed_items`: keys of items that may
    no longer be taken (matched elsewhere): they are left out."""
    taken_keys = set(fixed_items)
    items = sorted((i for i in items if i.key not in taken_keys), key=lambda i: i.key)
    lines = sorted(lines, key=lambda line: line.line_no)
    index = _Index(items)
    line_cands: list[list[tuple[int, int]]] = []  # per line: (-score, item position), best first
    item_cands: dict[int, list[tuple[int, int]]] = {}  # per item: (-score, line position)
    for lp, line in enumerate(lines):
        line_ref, line_found = normalized(line.reference), extracted(rule, line)
        found: list[tuple[int, int]] = []
        for ip in index.near(line.amount, rule.amount_tolerance, line.value_date, rule.date_window):
            value = _score(rule, line, items[ip], line_ref, line_found)
            if value is not None and value >= rule.min_score:
                found.append((-value, ip))
        found.sort()
        line_cands.append(found)
        for negative, ip in found:
            item_cands.setdefault(ip, []).append((negative, lp))
    for cands in item_cands.values():
        cands.sort()

    line_done: dict[int, int] = {}  # line position -> item position
    item_done: set[int] = set()
    matches: list[Match] = []
    pending = set(range(len(lines)))
    while pending:
        accepted: list[tuple[int, int, int]] = []
        for lp in sorted(pending):
            best = _clear(line_cands[lp], item_done, rule.margin)
            if best is None:
                continue
            value, ip = best
            back = _clear(item_cands[ip], line_done, rule.margin)
            if back is not None and back[1] == lp:
                accepted.append((lp, ip, value))
        pending = set()
        for lp, ip, value in accepted:
            line_done[lp] = ip
            item_done.add(ip)
            matches.append(Match(ONE_TO_ONE, (lines[lp].line_no,), (items[ip].key,), value))
        for lp, ip, _ in accepted:  # who may have become clear: rivals of the taken line and item
            for _, other_ip in line_cands[lp]:
                pending.update(other_lp for _, other_lp in item_cands[other_ip] if other_lp not in line_done)
            pending.update(other_lp for _, other_lp in item_cands[ip] if other_lp not in line_done)

    ambiguous: list[Ambiguity] = []
    left_lines: list[int] = []
    for lp, line in enumerate(lines):
        if lp in line_done:
            continue
        open_cands = [(-n, ip) for n, ip in line_cands[lp] if ip not in item_done]
        if open_cands:
            kept = tuple(Candidate((items[ip].key,), value) for value, ip in open_cands[:KEPT_CANDIDATES])
            ambiguous.append(Ambiguity(line.line_no, kept))
        else:
            left_lines.append(lp)

    left_items = [ip for ip in range(len(items)) if ip not in item_done]
    if rule.one_to_many and left_lines:
        left_lines = _one_to_many(rule, lines, items, left_lines, left_items, item_done, matches, ambiguous)
        left_items = [ip for ip in left_items if ip not in item_done]
    if rule.many_to_one and left_lines and left_items:
        left_lines = _many_to_one(rule, lines, items, left_lines, left_items, item_done, matches)
        left_items = [ip for ip in left_items if ip not in item_done]
    # a group may have taken an ambiguous line's candidate: what is left of its candidates is kept (none
    # left: the line is unmatched); the open candidates stay unmatched entries for the person deciding
    still_ambiguous: list[Ambiguity] = []
    taken = {items[ip].key for ip in item_done}
    unmatched_numbers = [lines[lp].line_no for lp in left_lines]
    for ambiguity in ambiguous:
        kept = tuple(c for c in ambiguity.candidates if not taken.intersection(c.items))
        if kept:
            still_ambiguous.append(Ambiguity(ambiguity.line_no, kept))
        else:
            unmatched_numbers.append(ambiguity.line_no)
    ambiguous = still_ambiguous
    matches.sort(key=lambda m: (m.lines[0], m.items[0]))
    ambiguous.sort(key=lambda a: a.line_no)
    return MatchResult(
        tuple(matches),
        tuple(ambiguous),
        tuple(sorted(unmatched_numbers)),
        tuple(items[ip].key for ip in left_items),
    )


def _clear(
    cands: list[tuple[int, int]], done: Mapping[int, Any] | set[int], margin: int
) -> tuple[int, int] | None:
    """The best open candidate (score, position) when it beats the next open one by `margin`."""
    best: tuple[int, int] | None = None
    for negative, position in cands:
        if position in done:
            continue
        if best is None:
            best = (-negative, position)
            continue
        return best if best[0] + negative >= margin else None
    return best


# --- groups ------------------------------------------------------------------------------------------


def _subsets(amounts: Sequence[int], target: int, tolerance: int, most: int) -> list[tuple[int, ...]]:
    """Subsets (positions, 2 to `most` members) of `amounts` (same sign as `target`, each smaller in size)
    whose sum is within `tolerance` of `target`: at most two (two already mean ambiguous), within
    `GROUP_BUDGET` tries."""
    sign = 1 if target > 0 else -1
    sizes = sorted((sign * a, p) for p, a in enumerate(amounts))
    goal = sign * target
    found: list[tuple[int, ...]] = []
    tries = 0

    def walk(start: int, chosen: list[int], total: int) -> bool:
        nonlocal tries
        for k in range(start, len(sizes)):
            tries += 1
            if tries > GROUP_BUDGET:
                return False
            size, position = sizes[k]
            new_total = total + size
            if new_total > goal + tolerance:
                return True  # sorted: the rest is larger still
            chosen.append(position)
            if len(chosen) >= 2 and abs(new_total - goal) <= tolerance:
                found.append(tuple(sorted(chosen)))
                if len(found) > 1:
                    return False
            if len(chosen) < most and not walk(k + 1, chosen, new_total):
                return False
            chosen.pop()
        return True

    walk(0, [], 0)
    return found


def _group_score(rule: Rule, total: int, target: int, days: int, shared_reference: bool) -> int:
    w = rule.weights
    tolerance, window = rule.amount_tolerance, rule.date_window
    off = abs(total - target)
    got = w.amount * (tolerance + 1 - off) // (tolerance + 1) + w.date * (window + 1 - days) // (window + 1)
    if rule.reference is not None and shared_reference:
        got += w.reference
    weight = w.amount + w.date + (w.reference if rule.reference is not None else 0)
    return got * FULL // weight


class _Members:
    """Open members of one side for the group searches: by normalized reference when the rule compares
    references, else by value date (ordinal)."""

    def __init__(
        self, rule: Rule, positions: Iterable[int], day_of: Any, amount_of: Any, ref_of: Any
    ) -> None:
        self.rule, self.day_of, self.amount_of = rule, day_of, amount_of
        self.by_ref: dict[str, list[int]] = {}
        self.by_day: dict[int, list[int]] = {}
        for position in positions:
            if rule.reference is not None:
                reference = ref_of(position)
                if reference:
                    self.by_ref.setdefault(reference, []).append(position)
            else:
                self.by_day.setdefault(day_of(position).toordinal(), []).append(position)

    def pools(
        self, day: date, amount: int, reference: str, taken: set[int]
    ) -> list[list[tuple[int, date, int]]]:
        """The pools a group for an anchor (`day`, `amount`, `reference`) is sought in: the members sharing
        its reference (one pool), or those of each value date, nearest first; each member of the same
        direction, smaller, within the window and not `taken`."""
        window = self.rule.date_window
        ordinal = day.toordinal()

        def fits(position: int) -> bool:
            value = self.amount_of(position)
            return (
                position not in taken
                and (value > 0) == (amount > 0)
                and abs(value) < abs(amount)
                and abs(self.day_of(position).toordinal() - ordinal) <= window
            )

        if self.rule.reference is not None:
            if not reference:
                return []
            chosen = [p for p in self.by_ref.get(reference, ()) if fits(p)]
            return [[(p, self.day_of(p), self.amount_of(p)) for p in chosen]] if chosen else []
        found: list[list[tuple[int, date, int]]] = []
        for offset in sorted(range(-window, window + 1), key=lambda d: (abs(d), d)):
            chosen = [p for p in self.by_day.get(ordinal + offset, ()) if fits(p)]
            if chosen:
                found.append([(p, self.day_of(p), self.amount_of(p)) for p in chosen])
        return found


def _one_to_many(
    rule: Rule,
    lines: Sequence[BankLine],
    items: Sequence[LedgerItem],
    left_lines: list[int],
    left_items: list[int],
    item_done: set[int],
    matches: list[Match],
    ambiguous: list[Ambiguity],
) -> list[int]:
    members = _Members(
        rule,
        left_items,
        lambda p: items[p].value_date,
        lambda p: items[p].amount,
        lambda p: normalized(items[p].reference) if items[p].reference else "",
    )
    still: list[int] = []
    for lp in left_lines:
        line = lines[lp]
        ref = normalized(line.reference) or extracted(rule, line)
        decided = False
        for pool in members.pools(line.value_date, line.amount, ref, item_done):
            found = _subsets([m[2] for m in pool], line.amount, rule.amount_tolerance, rule.max_group)
            if not found:
                continue
            scored = []
            for subset in found:
                group = [pool[p] for p in subset]
                value = _group_score(
                    rule,
                    sum(m[2] for m in group),
                    line.amount,
                    max(abs((m[1] - line.value_date).days) for m in group),
                    rule.reference is not None,
                )
                scored.append((value, tuple(sorted(items[m[0]].key for m in group)), group))
            if len(scored) == 1:
                value, keys, group = scored[0]
                item_done.update(m[0] for m in group)
                matches.append(Match(ONE_TO_MANY, (line.line_no,), keys, value))
            else:
                ranked = sorted(scored, key=lambda s: (-s[0], s[1]))
                kept = tuple(Candidate(keys, value) for value, keys, _ in ranked)
                ambiguous.append(Ambiguity(line.line_no, kept[:KEPT_CANDIDATES]))
            decided = True
            break
        if not decided:
            still.append(lp)
    return still


def _many_to_one(
    rule: Rule,
    lines: Sequence[BankLine],
    items: Sequence[LedgerItem],
    left_lines: list[int],
    left_items: list[int],
    item_done: set[int],
    matches: list[Match],
) -> list[int]:
    members = _Members(
        rule,
        left_lines,
        lambda p: lines[p].value_date,
        lambda p: lines[p].amount,
        lambda p: normalized(lines[p].reference) or extracted(rule, lines[p]),
    )
    line_done: set[int] = set()
    for ip in left_items:
        item = items[ip]
        ref = normalized(item.reference) if item.reference else ""
        for pool in members.pools(item.value_date, item.amount, ref, line_done):
            found = _subsets([m[2] for m in pool], item.amount, rule.amount_tolerance, rule.max_group)
            if not found:
                continue
            if len(found) == 1:
                group = [pool[p] for p in found[0]]
                value = _group_score(
                    rule,
                    sum(m[2] for m in group),
                    item.amount,
                    max(abs((m[1] - item.value_date).days) for m in group),
                    rule.reference is not None,
                )
                line_done.update(m[0] for m in group)
                item_done.add(ip)
                numbers = tuple(sorted(lines[m[0]].line_no for m in group))
                matches.append(Match(MANY_TO_ONE, numbers, (item.key,), value))
            break  # two groups for one entry: left for a person (its lines stay unmatched)
    return [lp for lp in left_lines if lp not in line_done]


# --- chunks ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run's unit of work: the lines of value dates `first`..`last` (whole days)."""

    number: int
    first: date
    last: date
    lines: int


def plan_chunks(day_counts: Iterable[tuple[date, int]], size: int) -> list[Chunk]:
    """Cut the statement's value dates (with their line counts) into chunks of whole days of about
    `size` lines (a day with more is a chunk of its own): a day's lines are never split, so same-day
    groups stay in one chunk."""
    _int_in(size, "chunk_size", 1, 1_000_000)
    chunks: list[Chunk] = []
    first: date | None = None
    last: date | None = None
    count = 0
    for day, n in sorted(day_counts):
        if first is not None and last is not None and count + n > size and count > 0:
            chunks.append(Chunk(len(chunks), first, last, count))
            first, count = None, 0
        first = first or day
        last, count = day, count + n
    if first is not None and last is not None:
        chunks.append(Chunk(len(chunks), first, last, count))
    return chunks


def window_of(
    chunks: Sequence[Chunk], number: int, window: int, start: date, end: date
) -> tuple[date, date, date, date]:
    """For chunk `number`: the value dates of the ledger entries it reads (its lines' dates ± the window,
    and the statement's range [start, end] at the ends) and of the entries whose fate it decides: those
    no later chunk can reach ([decide_from, decide_to]; unmatched ones there are counted by this chunk)."""
    chunk = chunks[number]
    span = timedelta(days=window)
    read_from = chunk.first - span
    read_to = chunk.last + span
    if number == 0:
        read_from = min(read_from, start)
    if number == len(chunks) - 1:
        read_to = max(read_to, end)
    decide_from = read_from if number == 0 else chunk.first - span
    decide_to = read_to if number == len(chunks) - 1 else chunks[number + 1].first - span - timedelta(days=1)
    return read_from, read_to, decide_from, decide_to

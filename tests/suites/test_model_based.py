"""Model-based suite: a Hypothesis state machine drives the HTTP API against a reference model.

Each example of the machine gets a fresh database (cloned from the migrated template) and the real
app from the composition root over it, in one execution mode (`app` or `db`); the reference model
(`tests/suites/reference_model.py`, which imports no Razão code) starts empty like the database.
Every step is one operation: open accounts in a few assets of different scales (BRL 2, JPY 0, BHD 3,
a custom PTS8 of scale 8), freeze, unfreeze, close; book single transfers, batches (all or
nothing: one bad item refuses them all) and bulk requests (each item booked or refused on its own, in
order; an id twice in one bulk: the first books, the later ones replay it or conflict), holds with
timeouts, post in full or in part, void,
reverse, expire due holds; replay earlier requests (the same answer, byte for byte, with
`Idempotent-Replayed: true`) and send conflicting ones (a used id with another request:
`idempotency_conflict`); read accounts, balances as of an instant, statements, transfers and the
trial balance. The model predicts every answer: the exact success body, or the exact problem code
(for a bulk request, every item's status, replay flag, transfer, or problem code).

The app runs with group commit on (`GROUPING`, the defaults spelled out): each single transfer is
booked through a group, which here holds that one request (the machine sends one at a time).

After every step all accounts (with their four balances and status) must equal the model's, and the
trial balance must equal the model's and balance for every asset. At the end of each example the
ledger checker (`adapters.db.checker.check_ledger`) must pass on the database, told of every
transfer the API acknowledged and of a journal baseline taken mid-example.

Time: in `app` mode the container's clock is a `FakeClock` (one millisecond per request; the
`pass_time` operation jumps seconds), so every stamp is known. In `db` mode the write path stamps
with the database's clock, which no test can move: the machine reads it before and after each request, takes
the stamp of a successful answer as the instant the service used, and where a refusal could depend
on whether a hold had timed out within that window it accepts either of the two predictions (counted
as `ambiguous` in the summary). Short holds last one second there, and `pass_time` waits (polling
the database clock) for the next one to time out.

Summary: suite `model-based`, one record per mode; operations = steps executed, violations = distinct
mismatches between the service and the model (the test fails on any).
"""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, ClassVar

import pytest
from dependency_injector import providers
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, make_url, text

from adapters.db.checker import Acknowledged, check_ledger, journal_baseline
from adapters.http.app import create_app
from razao.container import build_container, dispose_engines
from razao.settings import Settings
from tests.e2e.conftest import Api, make_api
from tests.fakes import FakeClock
from tests.suites.reference_model import Account as ModelAccount
from tests.suites.reference_model import (
    AccountSpec,
    Ledger,
    Line,
    Refused,
    ReversalSpec,
    Transfer,
    TransferSpec,
    iso,
)
from tests.suites.summary import recording, scaled

MODES = ("app", "db")
REPLAYED = "Idempotent-Replayed"
PROBLEM = "application/problem+json"
NO_BODY = object()

#: Built-in currencies of three scales and a custom asset registered per example.
CUSTOM_ASSET = ("PTS8", 8)
ASSETS = ("BRL", "JPY", "BHD", CUSTOM_ASSET[0])
UNKNOWN_ASSET = "NOPE"
MIN_BALANCES = (0, 0, None, -500, 100)
METADATA = ({}, {}, {"tier": 1}, {"owner": "x", "tier": 2})
EFFECTIVE = (datetime(2025, 1, 31, 12, 0, tzinfo=UTC), datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC))
BRASILIA = timezone(timedelta(hours=-3))
LONG_TIMEOUT = 3600
#: Group commit, on and spelled out (the API's defaults): wait ms, most requests, groups at once.
GROUPING = (2.0, 256, 4)
#: The rules a bad transfer request breaks (`single`: one posting, which the request schema refuses).
BAD_KINDS = ("unbalanced", "both_sides", "unknown", "single", "no_pending")
#: Accounts per example: enough for variety, few enough that transfers meet again.
MAX_ACCOUNTS = 10
EPSILON = timedelta(microseconds=1)
#: A day, around the value dates drawn for transfers (the trial balance by value date).
DAY = timedelta(days=1)


def is_pending(transfer: Transfer) -> bool:
    return transfer.status == "pending"


def parse(instant: str) -> datetime:
    return datetime.fromisoformat(instant)


# --- the service under test ----------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    """What every example needs from the session: the server, the template, a background dropper."""

    mode: str
    server: Engine
    admin_url: str
    template: str
    drop: Callable[[str], None]


class FakeTimeline:
    """`app` mode: the container's clock is ours; every request happens one millisecond later."""

    exact = True
    short_timeouts = (1, 2, 3)

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def tick(self) -> None:
        self.clock.advance(0.001)

    def now(self) -> datetime:
        return self.clock.now()

    def pass_time(self, seconds: float, holds: list[datetime]) -> None:
        self.clock.advance(seconds)

    def close(self) -> None:
        pass


class DatabaseTimeline:
    """`db` mode: transfers are stamped by the database's clock, which only real time moves."""

    exact = False
    short_timeouts = (1,)
    MAX_WAIT = timedelta(seconds=1.5)

    def __init__(self, engine: Engine) -> None:
        self.connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def tick(self) -> None:
        pass

    def now(self) -> datetime:
        now: datetime = self.connection.execute(text("SELECT clock_timestamp()")).scalar_one()
        return now

    def pass_time(self, seconds: float, holds: list[datetime]) -> None:
        """Wait until the next hold due within `MAX_WAIT` has timed out (none: nothing to wait for)."""
        now = self.now()
        soon = [at for at in holds if now < at <= now + self.MAX_WAIT]
        if not soon:
            return
        target = min(soon)
        while (now := self.now()) < target:  # the database's clock, slept on by the database
            wait = min((target - now).total_seconds(), 0.1)
            self.connection.execute(text("SELECT pg_sleep(:s)"), {"s": wait})

    def close(self) -> None:
        self.connection.close()


def _url(base: str, database: str, user: str | None = None) -> str:
    url = make_url(base).set(database=database)
    if user is not None:
        url = url.set(username=user, password=None)
    return url.render_as_string(hide_password=False)


class Harness:
    """A fresh database from the template and the real app over it, in one execution mode."""

    def __init__(self, env: Environment) -> None:
        self.name = f"razao_test_{uuid.uuid4().hex[:16]}"
        quote = env.server.dialect.identifier_preparer.quote_identifier
        self._stack = ExitStack()
        with env.server.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {quote(self.name)} TEMPLATE {quote(env.template)}"))
        self._stack.callback(env.drop, self.name)
        try:
            self.container = build_container(
                Settings(
                    database_url=_url(env.admin_url, self.name, user="razao_app"),
                    admin_database_url=_url(env.admin_url, self.name),
                    execution_mode=env.mode,  # type: ignore[arg-type]
                    db_pool_size=2,
                    db_max_overflow=2,
                    group_max_wait_ms=GROUPING[0],
                    group_max_size=GROUPING[1],
                    group_concurrency=GROUPING[2],
                )
            )
            self._stack.callback(dispose_engines, self.container)
            self.timeline: FakeTimeline | DatabaseTimeline
            if env.mode == "app":
                clock = FakeClock()
                self.container.clock.override(providers.Object(clock))
                self.timeline = FakeTimeline(clock)
            else:
                self.timeline = DatabaseTimeline(self.container.admin_engine())
                self._stack.callback(self.timeline.close)
            services = self.container.services()
            self.api: Api = self._stack.enter_context(
                make_api(create_app(services), services, self.container.admin_uow)
            )
            code, scale = CUSTOM_ASSET
            registered = self.api.post("/v1/assets", {"code": code, "scale": scale}, as_="admin")
            assert registered.status_code == 201, registered.text
        except BaseException:
            self._stack.close()
            raise

    @property
    def engine(self) -> Engine:
        """A superuser engine on the example's database (for the ledger checker)."""
        engine: Engine = self.container.admin_engine()
        return engine

    def close(self) -> None:
        self._stack.close()


# --- bookkeeping of a run ------------------------------------------------------------------------


@dataclass
class Stats:
    """What one test (one mode) did, over all its examples."""

    examples: int = 0
    steps: int = 0
    requests: int = 0
    ambiguous: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    mismatches: dict[str, str] = field(default_factory=dict)

    def details(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "requests": self.requests,
            "ambiguous_timeouts": self.ambiguous,
            "outcomes": dict(sorted(self.outcomes.items())),
            "mismatches": self.mismatches,
        }


@dataclass(frozen=True)
class Sent:
    """A request the service accepted, kept to replay it (and to send a conflicting twin)."""

    kind: str  # open | book | bulk | post | void | reverse
    path: str
    body: Any
    content: bytes
    account: AccountSpec | None = None
    specs: tuple[TransferSpec, ...] = ()
    reversal: ReversalSpec | None = None
    transfer_id: str = ""
    amount: int | None = None
    #: A bulk request's every item (`specs`: those that booked).
    items: tuple[TransferSpec, ...] = ()


@dataclass
class Prediction:
    """The model's answer: the model after the operation and the success answer, or a refusal."""

    model: Ledger | None
    refusal: Refused | None = None
    status: int = 0
    replayed: bool = False
    body: Any = None


# --- rendering requests --------------------------------------------------------------------------


def account_body(spec: AccountSpec, terse: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": spec.code,
        "name": spec.name,
        "asset": spec.asset,
        "normal_side": spec.normal_side,
    }
    if not (terse and spec.min_balance == 0):
        body["min_balance"] = spec.min_balance
    if not (terse and not spec.metadata):
        body["metadata"] = spec.metadata
    return body


def simple_form(spec: TransferSpec) -> bool:
    lines = spec.lines
    return (
        len(lines) == 2
        and (lines[0].side, lines[1].side) == ("debit", "credit")
        and lines[0].amount == lines[1].amount
        and lines[0].asset == lines[1].asset
    )


def transfer_body(spec: TransferSpec, style: int) -> dict[str, Any]:
    """One of several spellings of the same request (the fingerprint ignores the spelling):
    bit 0: the two-posting form when possible; bit 1: defaults spelled out and effective_at in -03:00."""
    body: dict[str, Any] = {"id": spec.id}
    if style & 1 and simple_form(spec):
        debit, credit = spec.lines
        body |= {
            "debit_account_id": debit.account_id,
            "credit_account_id": credit.account_id,
            "amount": debit.amount,
        }
        if debit.asset is not None:
            body["asset"] = debit.asset
    else:
        body["postings"] = [
            {"account_id": x.account_id, "side": x.side, "amount": x.amount}
            | ({"asset": x.asset} if x.asset is not None else {})
            for x in spec.lines
        ]
    verbose = bool(style & 2)
    if spec.pending or verbose:
        body["pending"] = spec.pending
    if spec.timeout_seconds is not None:
        body["timeout_seconds"] = spec.timeout_seconds
    if spec.effective_at is not None:
        at = spec.effective_at.astimezone(BRASILIA) if verbose else spec.effective_at
        body["effective_at"] = at.isoformat()
    if spec.description or verbose:
        body["description"] = spec.description
    if spec.metadata or verbose:
        body["metadata"] = dict(reversed(spec.metadata.items())) if verbose else spec.metadata
    return body


def reversal_body(spec: ReversalSpec) -> dict[str, Any]:
    body: dict[str, Any] = {"id": spec.id}
    if spec.description:
        body["description"] = spec.description
    if spec.metadata:
        body["metadata"] = spec.metadata
    return body


def acknowledged(transfer: Transfer) -> Iterator[Acknowledged]:
    """What the client was told exists: the hold's lines, and what reached posted balances."""

    def lines(booked: tuple[Line, ...]) -> tuple[tuple[uuid.UUID, str, int, str], ...]:
        return tuple((uuid.UUID(x.account_id), x.side, x.amount, x.asset or "") for x in booked)

    if transfer.two_phase:
        yield Acknowledged(uuid.UUID(transfer.id), "pending", lines(transfer.lines))
    if transfer.status == "posted":
        yield Acknowledged(uuid.UUID(transfer.id), "posted", lines(transfer.posted))


def bulk_result(result: tuple[Transfer, bool] | Refused) -> dict[str, Any]:
    """The model's result of one bulk item, in the shape `bulk_shape` gives the service's."""
    if isinstance(result, Refused):
        problem = {"code": result.code, "status": result.status}
        return {"status": result.status, "replayed": False, "transfer": None, "problem": problem}
    transfer, replayed = result
    return {"status": 201, "replayed": replayed, "transfer": transfer.view("created"), "problem": None}


def bulk_shape(body: Any) -> Any:
    """A bulk answer with each problem document reduced to its code and status (the rest, title,
    detail and request id, is for people)."""
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        return body

    def item(result: Any) -> Any:
        problem = result.get("problem") if isinstance(result, dict) else None
        if not isinstance(problem, dict):
            return result
        return {**result, "problem": {"code": problem.get("code"), "status": problem.get("status")}}

    return {**body, "results": [item(r) for r in body["results"]]}


# --- the machine ---------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Random operations on the API, each predicted by the reference model."""

    env: ClassVar[Environment]
    stats: ClassVar[Stats]

    def __init__(self) -> None:
        super().__init__()
        self.stats.examples += 1
        self.h = Harness(self.env)
        self.model = Ledger(ASSETS)
        self.sent: list[Sent] = []
        self.next_id = 0
        self.failed = False
        self.dirty = True  # written to since the books were last compared with the model
        self.baseline: dict[str, str] | None = None
        #: The closes made, by (scope, day): their ids, to reopen them.
        self.closes: dict[tuple[str | None, date], str] = {}

    def teardown(self) -> None:
        try:
            if not self.failed:
                self.check_the_ledger()
        finally:
            self.h.close()

    # --- helpers -------------------------------------------------------------------------------
    def fresh_id(self) -> str:
        self.next_id += 1
        return f"00000000-0000-4000-8000-{self.next_id:012x}"

    def unknown_id(self) -> str:
        """An id nothing has (accounts get random ids from the service, transfers ours)."""
        self.next_id += 1
        return f"ffffffff-0000-4000-8000-{self.next_id:012x}"

    def mismatch(self, operation: str, message: str) -> None:
        self.failed = True
        self.stats.mismatches.setdefault(operation, message[:2000])
        raise AssertionError(f"{operation}: {message}")

    def send(
        self, method: str, path: str, body: Any = NO_BODY, *, as_: str | None = None, **params: Any
    ) -> Any:
        headers = self.h.api.headers(as_ or ("read" if method == "GET" else "write"))
        content = {} if body is NO_BODY else {"json": body}
        self.stats.requests += 1
        return self.h.api.client.request(method, path, headers=headers, params=params or None, **content)

    def write(
        self, path: str, body: Any = NO_BODY, *, as_: str | None = None
    ) -> tuple[Any, datetime, datetime]:
        """A POST, with the service's clock read just before and just after it."""
        self.dirty = True
        self.h.timeline.tick()
        before = self.h.timeline.now()
        response = self.send("POST", path, body, as_=as_)
        return response, before, self.h.timeline.now()

    def predict(
        self, run: Callable[[Ledger], Any], answer: Callable[[Any], tuple[int, bool, Any]]
    ) -> Prediction:
        """Run the operation on a copy of the model: its success answer, or the refusal it predicts."""
        trial = copy.deepcopy(self.model)
        try:
            result = run(trial)
        except Refused as refusal:
            return Prediction(None, refusal)
        status, replayed, body = answer(result)
        return Prediction(trial, None, status, replayed, body)

    @staticmethod
    def disagreement(
        prediction: Prediction, response: Any, shape: Callable[[Any], Any] = lambda body: body
    ) -> str | None:
        """Why `response` is not the predicted one (None: it is); `shape` reduces a success body to
        what the model predicts."""
        replayed = response.headers.get(REPLAYED)
        if prediction.refusal is not None:
            expected = prediction.refusal
            if response.status_code != expected.status:
                got = f"{response.status_code}: {response.text}"
                return f"expected {expected.status} {expected.code} ({expected}), got {got}"
            if (
                response.headers.get("content-type") != PROBLEM
                or response.json().get("code") != expected.code
            ):
                return f"expected problem {expected.code}, got {response.text}"
            return f"a refusal marked as replayed: {replayed}" if replayed is not None else None
        if response.status_code != prediction.status:
            return f"expected {prediction.status}, got {response.status_code}: {response.text}"
        if replayed != ("true" if prediction.replayed else None):
            return f"expected replayed={prediction.replayed}, got header {replayed!r}"
        if shape(response.json()) != prediction.body:
            return f"expected body {prediction.body}, got {response.json()}"
        return None

    def judge(
        self,
        operation: str,
        response: Any,
        candidates: list[Prediction],
        shape: Callable[[Any], Any] = lambda body: body,
    ) -> Prediction:
        """The candidate the service's answer matches (adopting its model), or a mismatch."""
        reasons = []
        for candidate in candidates:
            reason = self.disagreement(candidate, response, shape)
            if reason is None:
                if candidate.model is not None:
                    self.model = candidate.model
                outcome = (
                    candidate.refusal.code
                    if candidate.refusal
                    else ("replayed" if candidate.replayed else "ok")
                )
                self.stats.outcomes[f"{operation}: {outcome}"] += 1
                return candidate
            reasons.append(reason)
        self.mismatch(operation, " | or | ".join(reasons))
        raise AssertionError  # unreachable: mismatch raises

    def same_bytes(
        self, operation: str, prediction: Prediction, response: Any, original: Sent | None
    ) -> None:
        if original is not None and prediction.replayed and response.content != original.content:
            self.mismatch(operation, f"a replay answered {response.content!r}, first {original.content!r}")

    def within(self, operation: str, at: datetime, before: datetime, after: datetime) -> None:
        if not before <= at <= after:
            self.mismatch(operation, f"stamped {at}, outside the request's window {before} .. {after}")

    def pick_account(self, data: st.DataObject, *, asset: str | None = None, other_than: str = "") -> str:
        """An account (of `asset`, and not `other_than`, when there is one)."""
        accounts = self.model.accounts.values()
        ids = [a.id for a in accounts if a.id != other_than and asset in (None, a.asset)]
        return data.draw(st.sampled_from(ids or [a.id for a in accounts]), label="account")

    def pick_sent(self, data: st.DataObject, kinds: tuple[str, ...]) -> Sent:
        """An accepted request of one of `kinds` (the kind first, so that opens do not crowd out)."""
        present = [k for k in kinds if any(s.kind == k for s in self.sent)]
        kind = data.draw(st.sampled_from(present), label="kind")
        sent = [s for s in self.sent if s.kind == kind]
        return sent[data.draw(st.integers(0, len(sent) - 1), label=f"{kind} request number")]

    def pick_transfer(
        self, data: st.DataObject, first: Callable[[Transfer], bool], then: Callable[[Transfer], bool]
    ) -> str:
        """Mostly a transfer that is `first`, sometimes one that is `then`, any, or an unknown id."""
        which = data.draw(st.sampled_from(["first"] * 6 + ["then"] * 2 + ["any", "unknown"]), label="which")
        if which == "unknown":
            return self.unknown_id()
        wanted = {"first": first, "then": then, "any": lambda t: True}[which]
        ids = [t.id for t in self.model.transfers.values() if wanted(t)]
        return data.draw(st.sampled_from(ids or list(self.model.transfers)), label="transfer")

    def headroom(self, account_id: str, side: str) -> int | None:
        """How much a movement on `side` may take from the account (None: no limit); 0 when none."""
        account = self.model.accounts[account_id]
        floor = account.spec.min_balance
        if side == account.spec.normal_side or floor is None:
            return None
        return max(account.available() - floor, 0)

    def draw_spec(
        self,
        data: st.DataObject,
        transfer_id: str,
        bad: int = 6,
        pending: bool | None = None,
        bad_kinds: tuple[str, ...] = BAD_KINDS,
    ) -> TransferSpec:
        """A transfer request: a good one, or one time in `bad` one that breaks one of `bad_kinds`."""
        if data.draw(st.integers(1, bad)) == bad:
            kind = data.draw(st.sampled_from(bad_kinds), label="kind")
        else:
            kind = data.draw(st.sampled_from(["simple"] * 4 + ["multi"]), label="kind")
        size = data.draw(st.sampled_from(["small"] * 9 + ["huge"]))
        amount = data.draw(st.integers(1, 10**25) if size == "huge" else st.integers(1, 800), label="amount")
        # Two times in three, a debit that can pay and an amount within reach (else mostly refusals).
        affordable = data.draw(st.integers(0, 2)) < 2
        payers = [a for a in self.model.accounts if self.headroom(a, "debit") != 0]
        debit = (
            data.draw(st.sampled_from(payers), label="account")
            if affordable and payers
            else self.pick_account(data)
        )
        same_asset = data.draw(st.integers(0, 9)) < 9
        credit = self.pick_account(
            data, asset=self.model.accounts[debit].asset if same_asset else None, other_than=debit
        )
        rooms = [r for r in (self.headroom(debit, "debit"), self.headroom(credit, "credit")) if r is not None]
        if affordable and rooms and min(rooms) > 0:
            amount = min(amount, min(rooms))
        asset_check = data.draw(st.sampled_from([None] * 6 + ["right", "wrong"]))
        own = self.model.accounts[debit].asset
        asset = {None: None, "right": own, "wrong": "BRL" if own == "JPY" else "JPY"}[asset_check]
        lines: tuple[Line, ...] = (Line(debit, "debit", amount, asset), Line(credit, "credit", amount, asset))
        if kind == "multi":
            third = self.pick_account(data, asset=self.model.accounts[debit].asset, other_than=debit)
            split = data.draw(st.integers(1, amount)) if amount > 1 else 1
            lines = (
                Line(debit, "debit", amount + split),
                Line(credit, "credit", amount),
                Line(third, "credit", split),
            )
        elif kind == "unbalanced":
            lines = (Line(debit, "debit", amount), Line(credit, "credit", amount + 1))
        elif kind == "both_sides":
            lines = (Line(debit, "debit", amount), Line(debit, "credit", amount))
        elif kind == "unknown":
            lines = (Line(debit, "debit", amount), Line(self.unknown_id(), "credit", amount))
        elif kind == "single":
            lines = lines[:1]
        if pending is None:
            pending = data.draw(st.booleans(), label="pending")
        timeout = None
        if pending:
            timeout = data.draw(
                st.sampled_from([None, LONG_TIMEOUT, *self.h.timeline.short_timeouts]), label="timeout"
            )
        elif kind == "no_pending":
            timeout = LONG_TIMEOUT
        return TransferSpec(
            transfer_id,
            lines,
            pending=pending,
            timeout_seconds=timeout,
            effective_at=data.draw(st.sampled_from([None, None, *EFFECTIVE, *self.backdated()])),
            description=data.draw(st.sampled_from(["", "", "rent", "top-up"])),
            metadata=data.draw(st.sampled_from(METADATA)),
        )

    def backdated(self) -> list[datetime]:
        """Value dates one and three days back, where the closes this machine makes can reach."""
        now = self.h.timeline.now()
        return [now - DAY, now - 3 * DAY]

    @staticmethod
    def conflicting(spec: TransferSpec, how: int) -> TransferSpec:
        """Another request under the same id: other amounts, description, metadata or phase."""
        return [
            replace(spec, lines=tuple(replace(x, amount=x.amount + 1) for x in spec.lines)),
            replace(spec, description=spec.description + "!"),
            replace(spec, metadata={"other": True}),
            replace(spec, pending=not spec.pending, timeout_seconds=None),
        ][how]

    # --- operations ------------------------------------------------------------------------------
    def do_open(self, spec: AccountSpec, body: dict[str, Any], original: Sent | None = None) -> None:
        response, before, after = self.write("/v1/accounts", body)
        answer = response.json() if response.status_code == 201 else {}
        new_id, at = answer.get("id", ""), parse(answer["created_at"]) if answer else before
        prediction = self.judge(
            "open account",
            response,
            [
                self.predict(
                    lambda m: m.open_account(spec, new_id, at),
                    lambda r: (201, r[1], r[0].view(as_opened=r[1])),
                )
            ],
        )
        self.same_bytes("open account (replay)", prediction, response, original)
        if prediction.refusal is None and not prediction.replayed:
            if self.h.timeline.exact:
                self.within("open account", at, before, after)
            self.sent.append(Sent("open", "/v1/accounts", body, response.content, account=spec))

    def do_book(
        self, specs: list[TransferSpec], body: dict[str, Any], batch: bool, original: Sent | None = None
    ) -> None:
        path = "/v1/transfers/batch" if batch else "/v1/transfers"
        operation = "batch" if batch else "transfer"
        response, before, after = self.write(path, body)
        at = before
        if response.status_code == 201:
            items = response.json()["transfers"] if batch else [response.json()]
            at = max(parse(item["created_at"]) for item in items)

        def answer(results: list[tuple[Transfer, bool]]) -> tuple[int, bool, Any]:
            views = [t.view("created") for t, _ in results]
            return 201, all(r for _, r in results), {"transfers": views} if batch else views[0]

        prediction = self.judge(operation, response, [self.predict(lambda m: m.book(specs, at), answer)])
        self.same_bytes(f"{operation} (replay)", prediction, response, original)
        if prediction.refusal is None:
            if not prediction.replayed:
                self.within(operation, at, before, after)
            self.sent.append(Sent("book", path, body, response.content, specs=tuple(specs)))

    def do_bulk(self, specs: list[TransferSpec], body: dict[str, Any]) -> None:
        """A bulk request: 200 with one result per item, each predicted on its own (or a refusal of
        the whole request, when an item breaks the request's schema)."""
        path = "/v1/transfers/bulk"
        response, before, after = self.write(path, body)
        at = before
        if response.status_code == 200:
            fresh = [
                r["transfer"] for r in response.json()["results"] if r["status"] == 201 and not r["replayed"]
            ]
            at = max((parse(t["created_at"]) for t in fresh), default=before)

        def answer(results: list[tuple[Transfer, bool] | Refused]) -> tuple[int, bool, Any]:
            return 200, False, {"results": [bulk_result(r) for r in results]}

        prediction = self.judge(
            "bulk", response, [self.predict(lambda m: m.book_each(specs, at), answer)], shape=bulk_shape
        )
        if prediction.refusal is not None:
            return
        results = prediction.body["results"]
        for result in results:
            problem = result["problem"]
            outcome = problem["code"] if problem else "replayed" if result["replayed"] else "ok"
            self.stats.outcomes[f"bulk item: {outcome}"] += 1
        if any(r["status"] == 201 and not r["replayed"] for r in results):
            self.within("bulk", at, before, after)
        booked = tuple(spec for spec, r in zip(specs, results, strict=True) if r["status"] == 201)
        if booked:  # kept for replays of the whole bulk, and for replays and conflicts of its items
            self.sent.append(Sent("bulk", path, body, response.content, specs=booked, items=tuple(specs)))

    def timed_out_options(self, transfer_id: str, before: datetime, after: datetime) -> list[bool]:
        transfer = self.model.transfers.get(transfer_id)
        if transfer is None or transfer.timeout_at is None or after < transfer.timeout_at:
            return [False]
        if before >= transfer.timeout_at:
            return [True]
        self.stats.ambiguous += 1
        return [False, True]

    def do_post(self, transfer_id: str, amount: int | None, body: Any, original: Sent | None = None) -> None:
        path = f"/v1/transfers/{transfer_id}/post"
        response, before, after = self.write(path, body)
        if response.status_code == 200:
            at = parse(response.json()["resolved_at"])
            held = self.model.transfers.get(transfer_id)
            options = [bool(held and held.timeout_at and at >= held.timeout_at)]
        else:
            at, options = before, self.timed_out_options(transfer_id, before, after)
        candidates = [
            self.predict(
                lambda m, timed_out=timed_out: m.post_pending(transfer_id, amount, at, timed_out=timed_out),
                lambda r: (200, r[1], r[0].view("resolved")),
            )
            for timed_out in options
        ]
        prediction = self.judge("post", response, candidates)
        self.same_bytes("post (replay)", prediction, response, original)
        if prediction.refusal is None:
            if not prediction.replayed:
                self.within("post", at, before, after)
            self.sent.append(
                Sent("post", path, body, response.content, transfer_id=transfer_id, amount=amount)
            )

    def do_void(self, transfer_id: str, original: Sent | None = None) -> None:
        path = f"/v1/transfers/{transfer_id}/void"
        response, before, after = self.write(path)
        at = parse(response.json()["resolved_at"]) if response.status_code == 200 else before
        prediction = self.judge(
            "void",
            response,
            [self.predict(lambda m: m.void(transfer_id, at), lambda r: (200, r[1], r[0].view("resolved")))],
        )
        self.same_bytes("void (replay)", prediction, response, original)
        if prediction.refusal is None:
            if not prediction.replayed:
                self.within("void", at, before, after)
            self.sent.append(Sent("void", path, NO_BODY, response.content, transfer_id=transfer_id))

    def do_reverse(self, spec: ReversalSpec, original: Sent | None = None) -> None:
        path, body = f"/v1/transfers/{spec.original_id}/reverse", reversal_body(spec)
        response, before, after = self.write(path, body)
        at = parse(response.json()["created_at"]) if response.status_code == 201 else before
        prediction = self.judge(
            "reverse",
            response,
            [self.predict(lambda m: m.reverse(spec, at), lambda r: (201, r[1], r[0].view("created")))],
        )
        self.same_bytes("reverse (replay)", prediction, response, original)
        if prediction.refusal is None:
            if not prediction.replayed:
                self.within("reverse", at, before, after)
            self.sent.append(Sent("reverse", path, body, response.content, reversal=spec))

    # --- the one rule ----------------------------------------------------------------------------
    # One rule draws the next operation by weight. (Separate rules would be picked evenly, and
    # Hypothesis turns a random half of them off for a whole example, which leaves many examples
    # with no transfers at all.) Every choice is written so that its simplest value (the first, the
    # smallest), which Hypothesis tries first and shrinks towards, is the common case: a known id, a
    # good request.

    #: The operations and how many tickets each has in the draw of the next one.
    WEIGHTS: ClassVar[tuple[tuple[str, int], ...]] = (
        ("transfer", 8),
        ("hold", 5),
        ("batch", 4),
        ("bulk", 4),
        ("post_pending", 5),
        ("void_pending", 3),
        ("reverse", 4),
        ("replay", 5),
        ("conflicting_replay", 3),
        ("open_account", 2),
        ("change_status", 3),
        ("pass_time", 3),
        ("read", 5),
        ("take_baseline", 1),
        ("close_period", 1),
        ("reopen_period", 1),
    )

    def available(self, operation: str) -> bool:
        transfers = bool(self.model.transfers)
        return {
            "post_pending": transfers,
            "void_pending": transfers,
            "reverse": transfers,
            "replay": bool(self.sent),
            "conflicting_replay": any(s.kind in ("open", "book", "bulk", "reverse") for s in self.sent),
            "open_account": len(self.model.accounts) < MAX_ACCOUNTS,
            "take_baseline": transfers and self.baseline is None,
            "reopen_period": bool(self.closes),
        }.get(operation, True)

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        tickets = [op for op, weight in self.WEIGHTS if self.available(op) for _ in range(weight)]
        operation = data.draw(st.sampled_from(tickets), label="operation")
        self.stats.steps += 1
        getattr(self, operation)(data)

    # --- operations: accounts --------------------------------------------------------------------
    @initialize(assets=st.lists(st.sampled_from(ASSETS), min_size=1, max_size=3, unique=True), data=st.data())
    def open_first_accounts(self, assets: list[str], data: st.DataObject) -> None:
        """Per asset, a source without limit (the outside world) and a wallet."""
        for asset in assets:
            for side, floor in (("debit", None), ("credit", data.draw(st.sampled_from(MIN_BALANCES)))):
                code = f"acc-{len(self.model.accounts)}"
                spec = AccountSpec(
                    code, f"Account {code}", asset, side, floor, data.draw(st.sampled_from(METADATA))
                )
                self.stats.steps += 1  # each opening counts as a step
                self.do_open(spec, account_body(spec, terse=data.draw(st.booleans())))

    def open_account(self, data: st.DataObject) -> None:
        code = f"acc-{len(self.model.accounts)}"
        spec = AccountSpec(
            code=code,
            name=f"Account {code}",
            asset=data.draw(st.sampled_from([*ASSETS, *ASSETS, UNKNOWN_ASSET])),
            normal_side=data.draw(st.sampled_from(["debit", "credit"])),
            min_balance=data.draw(st.sampled_from(MIN_BALANCES)),
            metadata=data.draw(st.sampled_from(METADATA)),
        )
        self.do_open(spec, account_body(spec, terse=data.draw(st.booleans())))

    def change_status(self, data: st.DataObject) -> None:
        action = data.draw(st.sampled_from(["freeze", "unfreeze", "close"]), label="action")
        known = data.draw(st.integers(0, 19)) < 19
        account_id = self.pick_account(data) if known else self.unknown_id()
        response, _, _ = self.write(f"/v1/accounts/{account_id}/{action}")
        run = {"freeze": Ledger.freeze, "unfreeze": Ledger.unfreeze, "close": Ledger.close}[action]
        self.judge(
            action, response, [self.predict(lambda m: run(m, account_id), lambda a: (200, False, a.view()))]
        )

    # --- operations: transfers -------------------------------------------------------------------
    def transfer(self, data: st.DataObject) -> None:
        style = data.draw(st.integers(0, 3))
        spec = self.draw_spec(data, self.fresh_id(), pending=False)
        self.do_book([spec], transfer_body(spec, style), batch=False)

    def hold(self, data: st.DataObject) -> None:
        style = data.draw(st.integers(0, 3))
        spec = self.draw_spec(data, self.fresh_id(), pending=True)
        self.do_book([spec], transfer_body(spec, style), batch=False)

    def batch(self, data: st.DataObject) -> None:
        size = data.draw(st.integers(1, 4))
        booked = [s for sent in self.sent for s in sent.specs]
        specs: list[TransferSpec] = []
        for _ in range(size):
            kind = data.draw(st.sampled_from(["new"] * 12 + ["replay", "replay", "conflict", "twin"]))
            if kind in ("replay", "conflict") and booked:
                earlier = data.draw(st.sampled_from(booked))
                specs.append(
                    earlier if kind == "replay" else self.conflicting(earlier, data.draw(st.integers(0, 3)))
                )
            elif kind == "twin" and specs:
                specs.append(data.draw(st.sampled_from(specs)))
            else:
                specs.append(self.draw_spec(data, self.fresh_id(), bad=20))
        style = data.draw(st.integers(0, 3))
        self.do_book(specs, {"transfers": [transfer_body(s, style) for s in specs]}, batch=True)

    def bulk(self, data: st.DataObject) -> None:
        """Items decided one by one: new ones (some refused), replays and conflicts of booked ones,
        and twins inside the bulk (the same request again, or another under the same id); now and
        then an item the request's schema refuses, which refuses the whole bulk."""
        size = data.draw(st.integers(1, 5))
        booked = [s for sent in self.sent for s in sent.specs]
        schema_error = data.draw(st.integers(0, 9)) == 9
        specs: list[TransferSpec] = []
        for _ in range(size):
            kind = data.draw(st.sampled_from(["new"] * 10 + ["replay", "conflict", "twin", "twin_conflict"]))
            if kind in ("replay", "conflict") and booked:
                earlier = data.draw(st.sampled_from(booked))
                specs.append(
                    earlier if kind == "replay" else self.conflicting(earlier, data.draw(st.integers(0, 3)))
                )
            elif kind in ("twin", "twin_conflict") and specs:
                twin = data.draw(st.sampled_from(specs))
                specs.append(twin if kind == "twin" else self.conflicting(twin, data.draw(st.integers(0, 3))))
            else:
                kinds = BAD_KINDS if schema_error else tuple(k for k in BAD_KINDS if k != "single")
                specs.append(self.draw_spec(data, self.fresh_id(), bad=3, bad_kinds=kinds))
        style = data.draw(st.integers(0, 3))
        self.do_bulk(specs, {"transfers": [transfer_body(s, style) for s in specs]})

    def post_pending(self, data: st.DataObject) -> None:
        # a hold; else one posted already (in full or in part: a replay, or a refusal)
        transfer_id = self.pick_transfer(data, is_pending, lambda t: t.two_phase and t.status == "posted")
        known = self.model.transfers.get(transfer_id)
        held = sum(x.amount for x in known.lines if x.side == "debit") if known else 100
        how = data.draw(
            st.sampled_from(["full"] * 3 + ["held", "partial", "partial", "over", "zero"]), label="how"
        )
        amount = {
            "full": None,
            "held": held,
            "partial": data.draw(st.integers(1, max(held - 1, 1))),
            "over": held + 1,
            "zero": 0,
        }[how]
        body = {"amount": amount}
        if amount is None:
            body = data.draw(st.sampled_from([NO_BODY, {}, {"amount": None}]))
        self.do_post(transfer_id, amount, body)

    def void_pending(self, data: st.DataObject) -> None:
        transfer_id = self.pick_transfer(data, is_pending, lambda t: t.status != "posted")
        self.do_void(transfer_id)

    def reverse(self, data: st.DataObject) -> None:
        # a posted transfer not reversed yet; else one reversed already (or any, or an unknown id)
        original_id = self.pick_transfer(
            data,
            lambda t: t.status == "posted" and not t.reversed_by_id,
            lambda t: t.reversed_by_id is not None,
        )
        which = data.draw(st.sampled_from(["fresh"] * 6 + ["itself", "used"]))
        reversal_id = {
            "fresh": self.fresh_id,
            "itself": lambda: original_id,
            "used": lambda: data.draw(st.sampled_from(list(self.model.transfers))),
        }[which]()
        spec = ReversalSpec(
            reversal_id,
            original_id,
            description=data.draw(st.sampled_from(["", "", "refund"])),
            metadata=data.draw(st.sampled_from(METADATA)),
        )
        self.do_reverse(spec)

    def pass_time(self, data: st.DataObject) -> None:
        """Time passes (db mode: until the next short hold times out), then maybe the expiry sweep."""
        seconds = data.draw(st.sampled_from([0, 0.5, 1, 2, 4]))
        sweep = data.draw(st.booleans())
        holds = [
            t.timeout_at for t in self.model.transfers.values() if t.status == "pending" and t.timeout_at
        ]
        self.h.timeline.pass_time(seconds, holds)
        if sweep:
            self.expire_holds()

    def expire_holds(self) -> None:
        """The expiry sweep (what the `expire-holds` job runs), through the selected write path."""
        self.dirty = True
        self.h.timeline.tick()
        before = self.h.timeline.now()
        expired = self.h.container.write_path().expire_due()
        after = self.h.timeline.now()
        got = sorted(str(t.id) for t in expired)
        stamps = {t.resolved_at for t in expired}
        if any(t.status.value != "expired" for t in expired) or len(stamps) > 1:
            self.mismatch("expire", f"expired {[(str(t.id), t.status, t.resolved_at) for t in expired]}")
        if expired:
            at = stamps.pop()
            assert at is not None
            self.within("expire", at, before, after)
            due = sorted(t.id for t in self.model.due(at))
        else:
            at = before
            due = sorted(t.id for t in self.model.due(before))
            # In db mode a hold due between `before` and the sweep's own instant may have expired:
            # then `expired` is not empty and judged exactly above.
        if got != due:
            self.mismatch("expire", f"expected {due} to expire at {at}, got {got}")
        trial = copy.deepcopy(self.model)
        trial.expire(got, at)
        self.model = trial
        self.stats.outcomes[f"expire: {len(got)} holds"] += 1

    # --- operations: replays and conflicts -------------------------------------------------------
    def replay(self, data: st.DataObject) -> None:
        """The same request again (for a transfer, maybe spelt differently): the original answer."""
        sent = self.pick_sent(data, ("open", "book", "bulk", "post", "void", "reverse"))
        if sent.kind == "bulk":  # every item again: a replay if it booked, decided anew if it did not
            self.do_bulk(list(sent.items), sent.body)
        elif sent.kind == "open":
            assert sent.account is not None
            self.do_open(sent.account, sent.body, original=sent)
        elif sent.kind == "book":
            batch = sent.path.endswith("/batch")
            respell = data.draw(st.integers(0, 4))
            if respell < 4:
                body = sent.body
            elif batch:
                body = {"transfers": [transfer_body(s, data.draw(st.integers(0, 3))) for s in sent.specs]}
            else:
                body = transfer_body(sent.specs[0], data.draw(st.integers(0, 3)))
            self.do_book(list(sent.specs), body, batch=batch, original=sent)
        elif sent.kind == "post":
            self.do_post(sent.transfer_id, sent.amount, sent.body, original=sent)
        elif sent.kind == "void":
            self.do_void(sent.transfer_id, original=sent)
        else:
            assert sent.reversal is not None
            self.do_reverse(sent.reversal, original=sent)

    def conflicting_replay(self, data: st.DataObject) -> None:
        """A used id (or account code) with another request: `idempotency_conflict`."""
        sent = self.pick_sent(data, ("open", "book", "bulk", "reverse"))
        how = data.draw(st.integers(0, 4))
        if sent.account is not None:
            a = sent.account
            other = [
                replace(a, name=a.name + " (2)"),
                replace(a, normal_side="credit" if a.normal_side == "debit" else "debit"),
                replace(a, min_balance=7 if a.min_balance != 7 else 8),
                replace(a, asset="JPY" if a.asset != "JPY" else "BRL"),
                replace(a, metadata={"changed": 1}),
            ][how]
            self.do_open(other, account_body(other, terse=False))
        elif sent.specs:
            spec = data.draw(st.sampled_from(sent.specs))
            if how == 4:  # the id of a transfer, for a reversal
                original = data.draw(st.sampled_from(list(self.model.transfers)))
                self.do_reverse(ReversalSpec(spec.id, original))
            else:
                other_spec = self.conflicting(spec, how)
                self.do_book([other_spec], transfer_body(other_spec, 0), batch=False)
        else:
            r = sent.reversal
            assert r is not None
            if how == 4:  # the id of a reversal, for a transfer
                spec = self.draw_spec(data, r.id)
                self.do_book([spec], transfer_body(spec, 0), batch=False)
            else:
                other_r = [
                    replace(r, description=r.description + "!"),
                    replace(r, metadata={"changed": 1}),
                    replace(r, original_id=data.draw(st.sampled_from(list(self.model.transfers)))),
                    replace(r, original_id=self.unknown_id()),
                ][how]
                self.do_reverse(other_r)

    # --- reads ---------------------------------------------------------------------------------
    def read(self, data: st.DataObject) -> None:
        """One read, compared with the model (the accounts and trial balance are also checked after
        every step, by `books_agree_with_the_model`)."""
        what = data.draw(
            st.sampled_from(["account", "balance", "statement", "transfer", "trial balance"]), label="what"
        )
        if what == "transfer" and self.model.transfers:
            self.read_transfer(self.pick_transfer(data, lambda t: t.status != "pending", is_pending))
        elif what == "trial balance":
            asset = data.draw(st.sampled_from([None, *ASSETS, UNKNOWN_ASSET]))
            if data.draw(st.booleans(), label="by value date"):
                self.read_value_trial_balance(data, asset)
            else:
                self.read_trial_balance(asset)
        elif what == "balance":
            self.read_balance(data, self.model.accounts[self.pick_account(data)])
        elif what == "statement":
            self.read_statement(data, self.model.accounts[self.pick_account(data)])
        else:
            known = data.draw(st.integers(0, 9)) < 9
            self.read_account(self.pick_account(data) if known else self.unknown_id())

    def read_account(self, account_id: str) -> None:
        response = self.send("GET", f"/v1/accounts/{account_id}")
        self.judge(
            "read account",
            response,
            [self.predict(lambda m: m._account(account_id), lambda a: (200, False, a.view()))],
        )

    def read_transfer(self, transfer_id: str) -> None:
        response = self.send("GET", f"/v1/transfers/{transfer_id}")
        self.judge(
            "read transfer",
            response,
            [self.predict(lambda m: m._transfer(transfer_id), lambda t: (200, False, t.view()))],
        )

    def read_balance(self, data: st.DataObject, account: ModelAccount) -> None:
        """Now, or as of an instant something was booked on the account (or just before or after), by
        booking time or by value date (then also around the value dates of its transfers)."""
        basis = data.draw(st.sampled_from(["booked", "effective"]), label="basis")
        when = data.draw(st.sampled_from(["now", "at", "just before", "just after"]))
        effective = self.model.value_dates()
        as_of = None
        if when != "now":
            stamps = [account.created_at, *(x.created_at for x in account.journal)]
            if basis == "effective":
                stamps += [effective[x.transfer_id] for x in account.journal]
            stamp = data.draw(st.sampled_from(stamps))
            as_of = stamp + {"at": timedelta(0), "just before": -EPSILON, "just after": EPSILON}[when]
        params: dict[str, Any] = {"as_of": iso(as_of)} if as_of else {}
        if basis == "effective" or data.draw(st.booleans()):
            params["basis"] = basis
        response = self.send("GET", f"/v1/accounts/{account.id}/balance", **params)
        body = response.json()
        at = as_of or (parse(body["as_of"]) if response.status_code == 200 else None)
        if basis == "effective":
            balance = account.value_balance(effective, at) if at else None
        else:
            balance = account.balance_as_of(as_of) if as_of else account.balance()
        expected = {
            "account_id": account.id,
            "asset": account.asset,
            "as_of": iso(as_of) if as_of else body.get("as_of"),
            "posted_balance": balance,
            "basis": basis,
        }
        if response.status_code != 200 or body != expected:
            self.mismatch("read balance", f"expected {expected}, got {response.status_code} {body}")
        self.stats.outcomes[f"read balance ({basis}, {when}): ok"] += 1

    def read_statement(self, data: st.DataObject, account: ModelAccount) -> None:
        """The whole statement, or the part booked between two of its instants."""
        expected = self.model.statement(account.id)
        params: dict[str, Any] = {"limit": 1000}
        if expected and data.draw(st.booleans()):
            stamps = st.sampled_from([parse(x["created_at"]) for x in expected])
            start, end = sorted((data.draw(stamps), data.draw(stamps)))
            end += data.draw(st.sampled_from([timedelta(0), EPSILON]))
            params |= {"from": iso(start), "to": iso(end)}
            expected = [x for x in expected if start <= parse(x["created_at"]) < end]
        response = self.send("GET", f"/v1/accounts/{account.id}/entries", **params)
        shown = {"items": expected, "next_cursor": None, "basis": "booked"}
        if response.status_code != 200 or response.json() != shown:
            self.mismatch(
                "read statement", f"expected {expected}, got {response.status_code} {response.text}"
            )
        self.stats.outcomes["read statement: ok"] += 1

    def read_trial_balance(self, asset: str | None) -> None:
        response = self.send("GET", "/v1/trial-balance", **({"asset": asset} if asset else {}))
        totals = self.model.trial_balance(asset)
        expected = {
            "assets": totals,
            "balanced": all(t["balanced"] for t in totals),
            "basis": "booked",
            "through": None,
        }
        if response.status_code != 200 or response.json() != expected:
            self.mismatch("trial balance", f"expected {expected}, got {response.status_code} {response.text}")
        self.stats.outcomes["read trial balance: ok"] += 1

    def read_value_trial_balance(self, data: st.DataObject, asset: str | None) -> None:
        """The trial balance by value date, through a day around the value dates drawn for transfers,
        or today (the default)."""
        days = sorted({(at + shift).date() for at in EFFECTIVE for shift in (-DAY, timedelta(0), DAY)})
        through = data.draw(st.sampled_from([None, *days]), label="through")
        params: dict[str, Any] = {"basis": "effective"}
        if asset:
            params["asset"] = asset
        if through is not None:
            params["through"] = through.isoformat()
        response = self.send("GET", "/v1/trial-balance", **params)
        day = through or self.h.timeline.now().astimezone(UTC).date()
        totals = self.model.value_totals(asset, day)
        expected = {
            "assets": totals,
            "balanced": all(t["balanced"] for t in totals),
            "basis": "effective",
            "through": day.isoformat(),
        }
        if response.status_code != 200 or response.json() != expected:
            self.mismatch(
                "trial balance by value date",
                f"expected {expected}, got {response.status_code} {response.text}",
            )
        self.stats.outcomes["read trial balance (effective): ok"] += 1

    # --- operations: accounting periods ----------------------------------------------------------
    def close_period(self, data: st.DataObject) -> None:
        """Close the ledger or one asset through a recent day (today: refused, it has not ended)."""
        asset = data.draw(st.sampled_from([None, *ASSETS]), label="scope")
        today = self.h.timeline.now().astimezone(UTC).date()
        through = today - data.draw(st.sampled_from([DAY, 2 * DAY, 4 * DAY, timedelta(0)]), label="back")
        body = {"through": through.isoformat(), "reason": "model", **({"asset": asset} if asset else {})}
        response, _, after = self.write("/v1/periods/close", body, as_="admin")
        shown = {"asset": asset, "through": through.isoformat(), "status": "closed"}
        self.judge(
            "close period",
            response,
            [
                self.predict(
                    lambda m: m.close_period(asset, through, after.astimezone(UTC).date()),
                    lambda replayed: (201, replayed, shown),
                )
            ],
            shape=lambda b: {"asset": b.get("asset"), "through": b.get("through"), "status": b.get("status")},
        )
        if response.status_code == 201:
            self.closes[(asset, through)] = response.json()["id"]

    def reopen_period(self, data: st.DataObject) -> None:
        """Reopen one of the closes made (only the latest of its scope may be)."""
        asset, through = data.draw(st.sampled_from(sorted(self.closes, key=str)), label="close")
        response, _, _ = self.write(
            f"/v1/periods/{self.closes[(asset, through)]}/reopen", {"reason": "model"}, as_="admin"
        )
        shown = {"asset": asset, "through": through.isoformat(), "status": "reopened"}
        self.judge(
            "reopen period",
            response,
            [self.predict(lambda m: m.reopen_period(asset, through), lambda _: (200, False, shown))],
            shape=lambda b: {"asset": b.get("asset"), "through": b.get("through"), "status": b.get("status")},
        )

    def take_baseline(self, data: st.DataObject) -> None:
        """From here on, nothing already in the journal may change (checked at the end)."""
        self.baseline = journal_baseline(self.h.engine)

    # --- invariants ------------------------------------------------------------------------------
    @invariant()
    def books_agree_with_the_model(self) -> None:
        """Every account and the trial balance, after every step that wrote (or tried to)."""
        if not self.dirty:
            return
        self.dirty = False
        response = self.send("GET", "/v1/accounts", limit=1000)
        expected = sorted((a.view() for a in self.model.accounts.values()), key=lambda a: a["id"])
        page = response.json() if response.status_code == 200 else {}
        got = sorted(page.get("items", []), key=lambda a: str(a["id"]))
        if got != expected or page.get("next_cursor", "") is not None:
            self.mismatch("accounts", f"expected {expected}, got {response.status_code} {response.text}")
        response = self.send("GET", "/v1/trial-balance")
        totals = self.model.trial_balance()
        shown = {"assets": totals, "balanced": True, "basis": "booked", "through": None}
        if response.status_code != 200 or response.json() != shown:
            self.mismatch(
                "trial balance", f"expected {totals} (balanced), got {response.status_code} {response.text}"
            )

    def check_the_ledger(self) -> None:
        report = check_ledger(
            self.h.engine,
            acknowledged=[ack for t in self.model.transfers.values() for ack in acknowledged(t)],
            baseline=self.baseline,
        )
        if not report.ok:
            self.mismatch("ledger checker", "; ".join(map(str, report.violations)))


# --- the tests -----------------------------------------------------------------------------------

SETTINGS = settings(
    max_examples=scaled(6, 60),
    stateful_step_count=scaled(30, 60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("mode", MODES)
def test_the_service_behaves_like_the_reference_model(
    mode: str,
    server: Engine,
    admin_url: str,
    migrated_template: str,
    _dropper: Callable[[str], None],
) -> None:
    env = Environment(mode, server, admin_url, migrated_template, _dropper)
    stats = Stats()
    machine = type(f"LedgerMachine_{mode}", (LedgerMachine,), {"env": env, "stats": stats})
    with recording("model-based", mode) as entry:
        try:
            run_state_machine_as_test(machine, settings=SETTINGS)
        finally:
            entry.operations = stats.steps
            entry.violations = len(stats.mismatches)
            entry.details = stats.details()

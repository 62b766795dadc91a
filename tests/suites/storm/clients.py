"""The storm's clients: threads that book transfers over HTTP the way a careful real client does.

Each client loops over a mix of operations on a few hot accounts and many cold ones: single transfers,
multi-posting transfers, batches, bulk requests, two-phase holds, full and partial posts, voids,
reversals, and deliberate replays (the same request again must answer the same transfer, marked
replayed; the same id with other content must be refused with `idempotency_conflict`). It acts only on
its own holds and transfers, so every refusal of those is a finding, not a race between clients. The
clients run side by side, so the API's group commit books their single transfers together.

A bulk request (`/v1/transfers/bulk`) is not atomic: each item gets its own result. Its items are
checked and recorded one by one: an item answered 201 is acknowledged like a single transfer (a replay
of a transfer this client already knows must describe it); an item refused must not exist afterwards
unless its id was acknowledged by another answer (`Tally.refused_ids`, checked by the storm). Items are
ordinary transfers and holds, some that cannot be paid (`insufficient_funds`), some unbalanced
(`unbalanced_transfer`), twins of an earlier item (a replay of it, or a conflict when it booked), and
conflicting replays of this client's acknowledged transfers (`idempotency_conflict`).

On a connection error, a timeout or a 5xx answer it sends the SAME request (same ids) again after a
short backoff until it gets an answer; a 4xx answer is final (`insufficient_funds` is normal). Every 2xx
answer that says a transfer exists is recorded as an `Acknowledged` (transfer, layer, lines) for the
ledger checker, after checking that the answer describes what was asked.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import httpx

from adapters.db.checker import Acknowledged
from tests.suites.storm.processes import wait_for

ASSET = "BRL"
REPLAYED = "Idempotent-Replayed"
#: Seconds one request may take (a restart of PostgreSQL or of the API keeps it waiting).
REQUEST_TIMEOUT = 20.0
#: A share of the simple transfers carry a value date up to this many days back (the storm closes the
#: ledger through a date in that range mid-run: those behind it are refused, `period_closed`).
BACKDATED_SHARE = 0.1
BACKDATED_DAYS = 90
#: Seconds a client keeps re-sending one request before it gives up (then the storm fails).
GIVE_UP_AFTER = 120.0

#: Transfers per funding batch (a batch takes at most 1000).
FUNDING_BATCH = 500

Line = tuple[UUID, str, int, str]


@dataclass(frozen=True, slots=True)
class Accounts:
    """Where money moves: an unlimited debit-normal `source`, and credit-normal wallets (minimum 0)."""

    source: str
    hot: tuple[str, ...]
    cold: tuple[str, ...]


@dataclass
class Tally:
    """What all clients did; shared between threads (update under `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    attempted: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    #: Answers that made a client send again: "503 service_unavailable", "ConnectError", ...
    retry_causes: Counter[str] = field(default_factory=Counter)
    retried: int = 0
    replays_verified: int = 0
    transfers: list[Acknowledged] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    #: Ids of transfers created by single requests (`POST /v1/transfers`): how groups are measured.
    single_ids: list[str] = field(default_factory=list)
    #: Ids of bulk items that were refused (they must not exist, unless acknowledged otherwise).
    refused_ids: list[str] = field(default_factory=list)
    #: Results of bulk items: "201", "201 replayed", "422 insufficient_funds", ...
    bulk_items: Counter[str] = field(default_factory=Counter)

    def total(self, counter: Counter[str]) -> int:
        with self.lock:
            return sum(counter.values())

    def violation(self, what: str) -> None:
        with self.lock:
            self.violations.append(what)


def _line(posting: dict[str, Any]) -> Line:
    return (UUID(posting["account_id"]), posting["side"], int(posting["amount"]), ASSET)


def _simple_lines(body: dict[str, Any]) -> tuple[Line, ...]:
    if "postings" in body:
        return tuple(_line(p) for p in body["postings"])
    amount = int(body["amount"])
    return (
        (UUID(body["debit_account_id"]), "debit", amount, ASSET),
        (UUID(body["credit_account_id"]), "credit", amount, ASSET),
    )


def _scaled(lines: Sequence[Line], amount: int) -> tuple[Line, ...]:
    return tuple((account, side, amount, asset) for account, side, _, asset in lines)


def _opposite(lines: Sequence[Line]) -> tuple[Line, ...]:
    flip = {"debit": "credit", "credit": "debit"}
    return tuple((account, flip[side], amount, asset) for account, side, amount, asset in lines)


def _told(postings: Sequence[dict[str, Any]]) -> list[Line]:
    return sorted((_line(p) for p in postings), key=str)


@dataclass
class Sent:
    """A request whose answer was 2xx, kept for deliberate replays."""

    method: str
    path: str
    body: dict[str, Any] | None
    answer: Any


@dataclass
class Hold:
    id: str
    lines: tuple[Line, ...]
    amount: int
    #: Its value date was in the past (a capture books at it: a close may have come in between).
    backdated: bool = False


@dataclass(eq=False)
class Client:
    """One client (run it in a thread): operations until `stop` is set, finishing the one in flight."""

    number: int
    base_url: str
    token: str
    accounts: Accounts
    tally: Tally
    stop: threading.Event
    hot_share: float = 0.6
    rng: random.Random = field(init=False)
    holds: list[Hold] = field(default_factory=list)
    posted: list[tuple[str, tuple[Line, ...]]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    singles: list[Sent] = field(default_factory=list)
    #: Bulk requests answered 200, for replays of the whole bulk.
    bulks: list[list[dict[str, Any]]] = field(default_factory=list)
    #: The body of the request that booked each transfer this client created (id -> body).
    booked: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Whether the last `send` had to send its request more than once.
    resent: bool = False
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.number * 7919 + time.time_ns())
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=REQUEST_TIMEOUT,
        )

    # --- the loop --------------------------------------------------------------------------------

    OPERATIONS: ClassVar[tuple[tuple[str, int], ...]] = (
        ("transfer", 24),
        ("multi_posting", 6),
        ("batch", 8),
        ("bulk", 8),
        ("hold", 16),
        ("post_full", 8),
        ("post_partial", 8),
        ("void", 7),
        ("reverse", 9),
        ("replay", 9),
        ("conflicting_replay", 3),
    )

    def run(self) -> None:
        names = [name for name, _ in self.OPERATIONS]
        weights = [weight for _, weight in self.OPERATIONS]
        try:
            while not self.stop.is_set():
                operation = self.rng.choices(names, weights)[0]
                getattr(self, operation)()
        except BaseException as error:  # reported by the storm, which fails
            self.error = error
        finally:
            self.http.close()

    # --- sending ---------------------------------------------------------------------------------

    def send(
        self, operation: str, method: str, path: str, body: dict[str, Any] | None
    ) -> httpx.Response | None:
        """Send until answered (the same request each time); None if it never was (recorded)."""
        with self.tally.lock:
            self.tally.attempted[operation] += 1
        began = time.monotonic()
        delay = 0.05
        self.resent = False
        while True:
            cause: str
            try:
                response = self.http.request(method, path, json=body)
            except httpx.TransportError as error:
                cause = type(error).__name__
            else:
                if response.status_code < 500:
                    self._count(operation, response)
                    return response
                cause = f"{response.status_code} {_code(response)}"
            if time.monotonic() - began > GIVE_UP_AFTER:
                with self.tally.lock:
                    self.tally.unanswered.append(f"{method} {path} {body}: last {cause}")
                return None
            self.resent = True
            with self.tally.lock:
                self.tally.retried += 1
                self.tally.retry_causes[cause] += 1
            time.sleep(delay * (0.5 + self.rng.random()))
            delay = min(delay * 2, 1.0)

    def _count(self, operation: str, response: httpx.Response) -> None:
        with self.tally.lock:
            if response.is_success:
                self.tally.acknowledged[operation] += 1
            else:
                self.tally.refused[f"{operation}: {response.status_code} {_code(response)}"] += 1

    def acknowledge(self, transfer_id: str, layer: str, lines: tuple[Line, ...]) -> None:
        with self.tally.lock:
            self.tally.transfers.append(Acknowledged(UUID(transfer_id), layer, lines))

    def check(self, condition: bool, what: str) -> bool:
        if not condition:
            self.tally.violation(what)
        return condition

    # --- choosing accounts and amounts -----------------------------------------------------------

    def wallet(self) -> str:
        pool = self.accounts.hot if self.rng.random() < self.hot_share else self.accounts.cold
        return self.rng.choice(pool)

    def two_wallets(self) -> tuple[str, str]:
        first = self.wallet()
        second = self.wallet()
        while second == first:
            second = self.wallet()
        return first, second

    def payer(self) -> str:
        """Mostly a wallet (which may lack funds), sometimes the unlimited source (fresh money)."""
        return self.accounts.source if self.rng.random() < 0.15 else self.wallet()

    def amount(self) -> int:
        return self.rng.randint(1, 5_000)

    def simple_body(self, **extra: Any) -> dict[str, Any]:
        debit = self.payer()
        credit = self.wallet()
        while credit == debit:
            credit = self.wallet()
        body = {"id": str(uuid.uuid4()), "debit_account_id": debit, "credit_account_id": credit}
        if self.rng.random() < BACKDATED_SHARE:  # a value date in the past days: some fall in a closed period
            back = timedelta(seconds=self.rng.uniform(0, BACKDATED_DAYS * 86400))
            body["effective_at"] = (datetime.now(UTC) - back).isoformat()
        return {**body, "amount": self.amount(), "description": f"storm {self.number}", **extra}

    # --- operations ------------------------------------------------------------------------------

    def _booked(self, body: dict[str, Any], answer: dict[str, Any], lines: tuple[Line, ...]) -> None:
        """A created transfer was acknowledged: check the answer, record it, remember it."""
        self.booked[body["id"]] = body
        pending = bool(body.get("pending"))
        told = answer["postings"] if pending else answer["posted"]
        self.check(
            answer["id"] == body["id"] and _told(told) == sorted(lines, key=str),
            f"created {body['id']}: answer {answer} does not match the request {body}",
        )
        if pending:
            self.acknowledge(body["id"], "pending", lines)
            self.holds.append(Hold(body["id"], lines, lines[0][2], "effective_at" in body))
        else:
            self.acknowledge(body["id"], "posted", lines)
            self.posted.append((body["id"], lines))

    def _single(self, body: dict[str, Any]) -> None:
        with self.tally.lock:
            self.tally.single_ids.append(body["id"])

    def transfer(self) -> None:
        body = self.simple_body()
        response = self.send("transfer", "POST", "/v1/transfers", body)
        if response is not None and response.status_code == 201:
            self._single(body)
            self._booked(body, response.json(), _simple_lines(body))
            sent = Sent("POST", "/v1/transfers", body, response.json())
            self.sent.append(sent)
            self.singles.append(sent)

    def multi_posting(self) -> None:
        """One payer, two payees: three lines."""
        payer = self.payer()
        payees = [w for w in self.two_wallets() if w != payer]
        if len(payees) < 2:
            return
        amounts = [self.amount(), self.amount()]
        postings = [{"account_id": payer, "side": "debit", "amount": sum(amounts)}]
        postings += [
            {"account_id": p, "side": "credit", "amount": a} for p, a in zip(payees, amounts, strict=True)
        ]
        body = {"id": str(uuid.uuid4()), "postings": postings, "metadata": {"client": str(self.number)}}
        response = self.send("multi_posting", "POST", "/v1/transfers", body)
        if response is not None and response.status_code == 201:
            self._single(body)
            self._booked(body, response.json(), _simple_lines(body))
            self.sent.append(Sent("POST", "/v1/transfers", body, response.json()))

    def batch(self) -> None:
        items = [self.simple_body() for _ in range(self.rng.randint(2, 8))]
        body = {"transfers": items}
        response = self.send("batch", "POST", "/v1/transfers/batch", body)
        if response is not None and response.status_code == 201:
            answers = response.json()["transfers"]
            if self.check(len(answers) == len(items), f"batch of {len(items)} answered {len(answers)}"):
                for item, answer in zip(items, answers, strict=True):
                    self._booked(item, answer, _simple_lines(item))
            self.sent.append(Sent("POST", "/v1/transfers/batch", body, response.json()))

    def hold(self) -> None:
        body = self.simple_body(pending=True)
        response = self.send("hold", "POST", "/v1/transfers", body)
        if response is not None and response.status_code == 201:
            self._single(body)
            self._booked(body, response.json(), _simple_lines(body))
            self.sent.append(Sent("POST", "/v1/transfers", body, response.json()))

    # --- bulk requests ---------------------------------------------------------------------------

    POOR = 10**12  # more than any wallet ever holds

    def bulk(self) -> None:
        """2 to 24 transfers, each booked or refused on its own; sometimes an earlier bulk again."""
        if self.bulks and self.rng.random() < 0.15:
            return self._bulk("bulk_replay", self.rng.choice(self.bulks))
        items: list[dict[str, Any]] = []
        for _ in range(self.rng.randint(2, 24)):
            kind = self.rng.choices(
                ["plain", "hold", "poor", "unbalanced", "twin", "conflict"], [10, 3, 2, 1, 2, 1]
            )[0]
            if kind == "twin" and items:  # an id of this bulk again: the same request, or another
                twin = self.rng.choice(items)
                items.append(twin if self.rng.random() < 0.7 else {**twin, "description": "twin"})
            elif kind == "conflict" and self.singles:  # an acknowledged id, another request
                earlier = self.rng.choice(self.singles).body
                assert earlier is not None
                items.append({**earlier, "amount": earlier["amount"] + 1})
            elif kind == "poor":  # a cold wallet asked for more than it can hold
                body = self.simple_body()
                body.update(debit_account_id=self.rng.choice(self.accounts.cold), amount=self.POOR)
                body["credit_account_id"] = self.accounts.source
                items.append(body)
            elif kind == "unbalanced":
                payer, payee = self.two_wallets()
                amount = self.amount()
                postings = [
                    {"account_id": payer, "side": "debit", "amount": amount},
                    {"account_id": payee, "side": "credit", "amount": amount + 1},
                ]
                items.append({"id": str(uuid.uuid4()), "postings": postings})
            else:
                items.append(self.simple_body(pending=True) if kind == "hold" else self.simple_body())
        return self._bulk("bulk", items)

    def _bulk(self, operation: str, items: list[dict[str, Any]]) -> None:
        response = self.send(operation, "POST", "/v1/transfers/bulk", {"transfers": items})
        if response is None:
            return
        if not self.check(response.status_code == 200, f"bulk of {len(items)}: {_brief(response)}"):
            return
        results = response.json()["results"]
        if not self.check(len(results) == len(items), f"bulk of {len(items)} answered {len(results)}"):
            return
        self.bulks.append(items)
        ids = Counter(item["id"] for item in items)
        for item, result in zip(items, results, strict=True):
            self._bulk_item(item, result, twinned=ids[item["id"]] > 1)

    def _expected(self, item: dict[str, Any], twinned: bool) -> set[str]:
        """The answers a bulk item may get: "201" (booked, or a replay), or problem codes."""
        if "postings" in item and item["postings"][0]["amount"] != item["postings"][1]["amount"]:
            return {"unbalanced_transfer"}
        first = self.booked.get(item["id"])
        if first is not None:  # booked before (single, batch or bulk, or earlier in this bulk)
            return {"201"} if first == item else {"idempotency_conflict"}
        expected = (
            {"insufficient_funds"} if item.get("amount") == self.POOR else {"201", "insufficient_funds"}
        )
        if twinned and self.resent:
            # An attempt whose answer was lost may have booked this id's twin (another request).
            expected.add("idempotency_conflict")
        if "effective_at" in item:  # backdated: the storm may have closed the period meanwhile
            expected.add("period_closed")
        return expected

    def _bulk_item(self, item: dict[str, Any], result: dict[str, Any], *, twinned: bool) -> None:
        """Check one item's result against what this client knows, and record it."""
        status, problem = result["status"], result.get("problem") or {}
        code = "201" if status == 201 else str(problem.get("code"))
        label = ("201 replayed" if result["replayed"] else "201") if status == 201 else f"{status} {code}"
        with self.tally.lock:
            self.tally.bulk_items[label] += 1
        expected = self._expected(item, twinned)
        what = f"bulk item {item} answered {result}"
        if not self.check(code in expected, f"{what}, expected one of {sorted(expected)}"):
            return
        if status != 201:
            self.check(problem.get("status") == status and result["transfer"] is None, what)
            with self.tally.lock:
                self.tally.refused_ids.append(item["id"])
            return
        answer, lines = result["transfer"], _simple_lines(item)
        if item["id"] in self.booked:  # a replay: it describes the transfer booked then
            self.check(
                result["replayed"]
                and answer["id"] == item["id"]
                and _told(answer["postings"]) == sorted(lines, key=str),
                f"{what}: not a replay of {self.booked[item['id']]}",
            )
            return
        # Booked now, or by an attempt whose answer was lost (then it is a replay).
        self.check(not result["replayed"] or self.resent, f"{what}: a replay of nothing this client sent")
        self._booked(item, answer, lines)

    def _take_hold(self) -> Hold | None:
        if not self.holds:
            return None
        return self.holds.pop(self.rng.randrange(len(self.holds)))

    def _post(self, operation: str, partial: bool) -> None:
        hold = self._take_hold()
        if hold is None:
            return self.hold()
        amount = self.rng.randint(1, hold.amount) if partial else hold.amount
        body = {"amount": amount} if partial else None
        path = f"/v1/transfers/{hold.id}/post"
        response = self.send(operation, "POST", path, body)
        if response is None:
            return None
        if hold.backdated and response.status_code == 409 and _code(response) == "period_closed":
            return None  # dated before the storm's close: it stays held
        if not self.check(
            response.status_code == 200, f"{operation} of own hold {hold.id}: {_brief(response)}"
        ):
            return None
        answer = response.json()
        lines = _scaled(hold.lines, amount)
        if self.check(
            answer["status"] == "posted" and _told(answer["posted"]) == sorted(lines, key=str),
            f"{operation} {hold.id} for {amount}: answered {answer}",
        ):
            self.acknowledge(hold.id, "posted", lines)
            self.posted.append((hold.id, lines))
            self.sent.append(Sent("POST", path, body, answer))
        return None

    def post_full(self) -> None:
        self._post("post_full", partial=False)

    def post_partial(self) -> None:
        self._post("post_partial", partial=True)

    def void(self) -> None:
        hold = self._take_hold()
        if hold is None:
            return self.hold()
        path = f"/v1/transfers/{hold.id}/void"
        response = self.send("void", "POST", path, None)
        if response is None:
            return None
        if self.check(response.status_code == 200, f"void of own hold {hold.id}: {_brief(response)}"):
            answer = response.json()
            self.check(answer["status"] == "voided", f"void {hold.id}: answered {answer}")
            self.sent.append(Sent("POST", path, None, answer))
        return None

    def reverse(self) -> None:
        if not self.posted:
            return self.transfer()
        original, lines = self.posted.pop(self.rng.randrange(len(self.posted)))
        body = {"id": str(uuid.uuid4()), "description": f"storm {self.number} reverses {original}"}
        path = f"/v1/transfers/{original}/reverse"
        response = self.send("reverse", "POST", path, body)
        if response is None:
            return None
        if response.status_code == 201:
            answer = response.json()
            opposite = _opposite(lines)
            self.check(
                answer["id"] == body["id"]
                and answer["reverses_id"] == original
                and _told(answer["posted"]) == sorted(opposite, key=str),
                f"reversal {body['id']} of {original}: answered {answer}",
            )
            self.acknowledge(body["id"], "posted", opposite)
            self.sent.append(Sent("POST", path, body, answer))
        else:  # the money may have moved on (insufficient funds); anything else is a finding
            self.check(
                _code(response) == "insufficient_funds", f"reversal of own {original}: {_brief(response)}"
            )
        return None

    def replay(self) -> None:
        """Send an acknowledged request again: the same answer, marked replayed, nothing booked."""
        if not self.sent:
            return self.transfer()
        earlier = self.rng.choice(self.sent)
        response = self.send("replay", earlier.method, earlier.path, earlier.body)
        if response is None:
            return None
        expected = 201 if earlier.path.endswith(("transfers", "batch", "reverse")) else 200
        replayed = response.headers.get(REPLAYED) == "true"
        if self.check(
            response.status_code == expected and replayed and _same(earlier.answer, response.json()),
            f"replay of {earlier.method} {earlier.path} {earlier.body}: {_brief(response)}",
        ):
            with self.tally.lock:
                self.tally.replays_verified += 1
        return None

    def conflicting_replay(self) -> None:
        """The id of an acknowledged transfer with another amount: refused, nothing booked."""
        if not self.singles:
            return self.transfer()
        earlier = self.rng.choice(self.singles)
        assert earlier.body is not None
        body = {**earlier.body, "amount": earlier.body["amount"] + 1}
        response = self.send("conflicting_replay", "POST", "/v1/transfers", body)
        if response is not None:
            self.check(
                response.status_code == 409 and _code(response) == "idempotency_conflict",
                f"conflicting replay of {earlier.body['id']}: {_brief(response)}",
            )
        return None


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", "?"))
    except ValueError:
        return "?"


def _brief(response: httpx.Response) -> str:
    return f"{response.status_code} {response.text[:300]}"


def _same(first: Any, second: Any) -> bool:
    """Two answers describe the same transfers (ids and requested postings; statuses move on)."""

    def key(transfer: dict[str, Any]) -> tuple[str, list[Line]]:
        return transfer["id"], _told(transfer["postings"])

    if "transfers" in first:
        return [key(t) for t in first["transfers"]] == [key(t) for t in second.get("transfers", [])]
    same = key(first) == key(second)
    if first.get("status") in ("posted", "voided") and first.get("two_phase"):
        same = same and first["status"] == second["status"] and first["posted"] == second["posted"]
    return same


class Admin:
    """The storm's operator: admin calls that are re-sent through faults until they get an answer."""

    def __init__(self, base_url: str, token: str, give_up_after: float = 120.0) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=20.0
        )
        self._give_up_after = give_up_after

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """The 2xx answer's body (re-sends on connection errors and 5xx; fails on a 4xx).

        Only idempotent calls, and job starts, go through here: a job start re-sent after a lost
        answer may record a second job of the same kind, which is harmless (accruals are unique per
        account and day).
        """
        began, last = time.monotonic(), ""
        while time.monotonic() - began < self._give_up_after:
            try:
                response = self._http.request(method, path, json=body)
            except httpx.TransportError as error:
                last = repr(error)
            else:
                if response.status_code < 500:
                    assert response.is_success, (
                        f"{method} {path} {body}: {response.status_code} {response.text}"
                    )
                    answer: dict[str, Any] = response.json()
                    return answer
                last = f"{response.status_code} {response.text[:200]}"
            time.sleep(0.2)
        raise AssertionError(f"{method} {path} got no answer in {self._give_up_after}s; last: {last}")

    def job(self, job_id: str) -> dict[str, Any]:
        return self.call("GET", f"/v1/jobs/{job_id}")

    def finished_job(self, job_id: str, timeout: float) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            job = self.job(job_id)
            return job if job["state"] in ("succeeded", "failed") else None

        job: dict[str, Any] = wait_for(finished, timeout, f"job {job_id} to finish", interval=0.2)
        return job


@dataclass(frozen=True, slots=True)
class Books:
    """The storm's accounts, the funding transfers that opened them, and who earns interest."""

    accounts: Accounts
    bank: str
    with_interest: tuple[str, ...]
    funding: tuple[Acknowledged, ...]


def open_books(
    admin: Admin,
    *,
    hot: int,
    cold: int,
    with_interest: int,
    hot_funds: int,
    cold_funds: int,
    since: date,
    run: str | None = None,
) -> Books:
    """Open and fund the accounts (before any fault), and give `with_interest` cold wallets an
    interest policy paid by a bank account that no client touches. Account codes are
    `storm:<run>:<name>` (`hot-0`, `cold-12`, `source`, `bank`)."""
    run = run or uuid.uuid4().hex[:8]

    def account(name: str, normal_side: str, **extra: Any) -> str:
        body = {"code": f"storm:{run}:{name}", "name": name, "asset": ASSET, "normal_side": normal_side}
        return str(admin.call("POST", "/v1/accounts", {**body, **extra})["id"])

    source = account("source", "debit", min_balance=None)
    bank = account("bank", "debit", min_balance=None)
    hot_ids = tuple(account(f"hot-{i}", "credit") for i in range(hot))
    cold_ids = tuple(account(f"cold-{i}", "credit") for i in range(cold))
    items: list[dict[str, Any]] = [
        {"id": str(uuid.uuid4()), "debit_account_id": source, "credit_account_id": wallet, "amount": funds}
        for wallets, funds in ((hot_ids, hot_funds), (cold_ids, cold_funds))
        for wallet in wallets
    ]
    for start in range(0, len(items), FUNDING_BATCH):
        admin.call("POST", "/v1/transfers/batch", {"transfers": items[start : start + FUNDING_BATCH]})
    funding = tuple(Acknowledged(UUID(item["id"]), "posted", _simple_lines(item)) for item in items)
    earning = cold_ids[:with_interest]
    policy = {"rate_bps": 1200, "day_count": "ACT/365F", "counterpart_account_id": bank}
    for wallet in earning:
        admin.call(
            "PUT", f"/v1/accounts/{wallet}/interest-policy", {**policy, "effective_from": since.isoformat()}
        )
    return Books(Accounts(source, hot_ids, cold_ids), bank, earning, funding)

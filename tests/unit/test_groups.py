"""Group commit (`adapters.http.groups`): concurrent single transfers booked together, each answered alone.

A recording `post_each` stands in for the write path: it books by appending to a list, refuses the
requests the test marks, and can fail as a whole.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from adapters.http.groups import GroupCommit, GroupSettings
from application.ports import ExecutionUnavailable, RetryableConflict
from domain.errors import DomainError, InsufficientFunds
from domain.ledger import Outcome
from domain.transfers import Transfer, TransferRequest, TransferStatus
from tests.fakes import FakeClock

ALICE, BOB = uuid.uuid4(), uuid.uuid4()


def request(amount: int = 1) -> TransferRequest:
    return TransferRequest.simple(uuid.uuid4(), debit_account_id=ALICE, credit_account_id=BOB, amount=amount)


def booked(r: TransferRequest) -> Outcome:
    at = FakeClock().now()
    transfer = Transfer(r.id, r.postings, TransferStatus.POSTED, False, "", {}, at, at, r.fingerprint())
    return Outcome(transfer)


@dataclass
class Recorder:
    """`post_each` over a list: amounts of 13 are refused, `failure` fails whole calls (`poison`
    fails any call that contains that amount)."""

    calls: list[list[TransferRequest]] = field(default_factory=list)
    failure: Exception | None = None
    poison: int | None = None
    release: threading.Event | None = None

    def __call__(self, requests: Sequence[TransferRequest]) -> list[Outcome | DomainError]:
        if self.release is not None:
            self.release.wait(5)
        self.calls.append(list(requests))
        if self.failure is not None:
            raise self.failure
        if self.poison is not None and any(r.postings[0].amount == self.poison for r in requests):
            raise RuntimeError("a request broke the whole call")
        return [InsufficientFunds("no") if r.postings[0].amount == 13 else booked(r) for r in requests]


def run(groups: GroupCommit, requests: Sequence[TransferRequest]) -> list[Outcome | BaseException]:
    async def everyone() -> list[Outcome | BaseException]:
        return await asyncio.gather(*(groups.post(r) for r in requests), return_exceptions=True)

    return asyncio.run(everyone())


def test_concurrent_requests_are_booked_in_groups_each_with_its_own_answer() -> None:
    recorder = Recorder()
    groups = GroupCommit(recorder, GroupSettings(max_wait=0.01, max_size=100, concurrency=2))
    requests = [request(13 if i == 3 else 1) for i in range(10)]
    answers = run(groups, requests)
    assert len(recorder.calls) == 1  # one transaction for all ten
    assert [r.id for r in recorder.calls[0]] == [r.id for r in requests]  # in arrival order
    assert isinstance(answers[3], InsufficientFunds)
    assert [a.transfer.id for a in answers if isinstance(a, Outcome)] == [
        r.id for i, r in enumerate(requests) if i != 3
    ]


def test_a_full_group_closes_at_once_and_the_rest_form_the_next() -> None:
    recorder = Recorder()
    groups = GroupCommit(recorder, GroupSettings(max_wait=10.0, max_size=4, concurrency=1))
    answers = run(groups, [request() for _ in range(8)])
    assert [len(c) for c in recorder.calls] == [4, 4]  # never waited the 10 s: both groups were full
    assert all(isinstance(a, Outcome) for a in answers)


def test_requests_arriving_while_every_slot_is_busy_join_the_next_group() -> None:
    release = threading.Event()
    recorder = Recorder(release=release)
    groups = GroupCommit(recorder, GroupSettings(max_wait=0.001, max_size=100, concurrency=1))

    async def scenario() -> list[Outcome]:
        first = asyncio.ensure_future(groups.post(request()))
        await asyncio.sleep(0.05)  # the first group is in flight, held by the recorder
        later = [asyncio.ensure_future(groups.post(request())) for _ in range(5)]
        await asyncio.sleep(0.05)
        release.set()
        return [await first] + [await f for f in later]

    answers = asyncio.run(scenario())
    assert [len(c) for c in recorder.calls] == [1, 5]
    assert len(answers) == 6


def test_grouping_off_books_each_request_alone() -> None:
    recorder = Recorder()
    groups = GroupCommit(recorder, GroupSettings(max_wait=0, max_size=100, concurrency=2))
    assert not groups.enabled
    answers = run(groups, [request(), request(13), request()])
    assert sorted(len(c) for c in recorder.calls) == [1, 1, 1]
    assert [type(a) for a in answers] == [Outcome, InsufficientFunds, Outcome]


@pytest.mark.parametrize("failure", [ExecutionUnavailable("down"), RetryableConflict("again and again")])
def test_a_group_that_cannot_commit_acknowledges_nobody(failure: Exception) -> None:
    recorder = Recorder(failure=failure)
    groups = GroupCommit(recorder, GroupSettings(max_wait=0.01, max_size=100, concurrency=2))
    answers = run(groups, [request() for _ in range(5)])
    assert len(recorder.calls) == 1  # not retried one by one: the database itself is the problem
    assert all(a is failure for a in answers)


def test_an_unexpected_failure_is_isolated_to_the_request_that_causes_it() -> None:
    recorder = Recorder(poison=666)
    groups = GroupCommit(recorder, GroupSettings(max_wait=0.01, max_size=100, concurrency=2))
    answers = run(groups, [request(), request(666), request()])
    assert [len(c) for c in recorder.calls] == [3, 1, 1, 1]  # the group, then each alone
    assert isinstance(answers[0], Outcome) and isinstance(answers[2], Outcome)
    assert isinstance(answers[1], RuntimeError)


def test_a_client_that_goes_away_does_not_disturb_its_group() -> None:
    release = threading.Event()
    recorder = Recorder(release=release)
    groups = GroupCommit(recorder, GroupSettings(max_wait=0.001, max_size=100, concurrency=1))

    async def scenario() -> Outcome:
        leaving = asyncio.ensure_future(groups.post(request()))
        staying = asyncio.ensure_future(groups.post(request()))
        await asyncio.sleep(0.05)
        leaving.cancel()
        release.set()
        return await staying

    assert isinstance(asyncio.run(scenario()), Outcome)
    assert [len(c) for c in recorder.calls] == [2]  # the transfer of the client that left stands


def test_a_write_path_that_answers_wrongly_fails_its_requests_instead_of_leaving_them_waiting() -> None:
    def short(requests: Sequence[TransferRequest]) -> list[Outcome | DomainError]:
        return [booked(r) for r in requests][:-1]  # one result missing: a bug in the write path

    groups = GroupCommit(short, GroupSettings(max_wait=0.01, max_size=100, concurrency=1))
    answers = run(groups, [request() for _ in range(3)])
    assert all(isinstance(a, RuntimeError) and "2 results for 3 requests" in str(a) for a in answers)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        GroupSettings(max_wait=-1)
    with pytest.raises(ValueError):
        GroupSettings(concurrency=0)

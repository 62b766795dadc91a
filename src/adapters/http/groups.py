"""Group commit: the concurrent single-transfer requests of one API process, booked together.

A request waits up to `max_wait` seconds for others to join its group. A group closes when it is full
(`max_size`) or its wait ends, and is booked by ONE `WritePath.post_each` call: one database
transaction and one commit, in either execution mode. Every request still gets its own answer, the one
it would have got alone at its place in the group's order (`domain.ledger.post_each` decides each before
anything is written; a refused request changes nothing). At most `concurrency` groups are in flight
per process; requests that arrive while they all are wait for the next one (which is how a hot account
is credited by many requests per row lock instead of one).

A request is answered only after its group committed. When the group's call fails as a whole:
- the write path already ran it again on a conflict (`RetryableConflict`), and a group that still fails
  that way, or cannot reach the database (`ExecutionUnavailable`), fails every request in it (503, and
  nothing was acknowledged: each client retries with the same id);
- any other failure may be one request's doing, so each request of the group is booked again alone, and
  only the one that fails alone gets the error.

The state lives per event loop (a uvicorn worker has one; tests may start several).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from application.ports import ExecutionUnavailable, RetryableConflict
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.transfers import TransferRequest

PostEach = Callable[[Sequence[TransferRequest]], list[Outcome | DomainError]]


@dataclass(eq=False, slots=True)
class _Waiting:
    request: TransferRequest
    answer: asyncio.Future[Outcome]


@dataclass(eq=False, slots=True)
class _Loop:
    """The groups of one event loop: requests waiting, whether their wait is over, groups in flight."""

    waiting: list[_Waiting] = field(default_factory=list)
    due: bool = False
    timer: asyncio.TimerHandle | None = None
    in_flight: int = 0


@dataclass(frozen=True, slots=True)
class GroupSettings:
    #: Seconds a request waits for company; 0 books each request on its own, at once.
    max_wait: float = 0.002
    #: Requests in one group (one transaction).
    max_size: int = 256
    #: Groups booked at the same time by one process (each holds a database connection meanwhile).
    concurrency: int = 4

    def __post_init__(self) -> None:
        if self.max_wait < 0 or self.max_size < 1 or self.concurrency < 1:
            raise ValueError("group settings: max_wait >= 0, max_size >= 1 and concurrency >= 1")


class GroupCommit:
    """Books single transfers in groups; `post` is what a request handler awaits."""

    def __init__(self, post_each: PostEach, settings: GroupSettings = GroupSettings()) -> None:
        self._post_each = post_each
        self.settings = settings
        self._executor = ThreadPoolExecutor(settings.concurrency, thread_name_prefix="razao-group")
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Loop] = weakref.WeakKeyDictionary()

    @property
    def enabled(self) -> bool:
        return self.settings.max_wait > 0 and self.settings.max_size > 1

    async def post(self, request: TransferRequest) -> Outcome:
        """Book `request` with whatever joins it; its outcome, or the `DomainError` that refused it."""
        loop = asyncio.get_running_loop()
        if not self.enabled:
            return _answer(await loop.run_in_executor(self._executor, self._post_each, [request]), 0)
        state = self._loops.setdefault(loop, _Loop())
        waiting = _Waiting(request, loop.create_future())
        state.waiting.append(waiting)
        if len(state.waiting) >= self.settings.max_size:
            self._close(loop, state)
        elif not state.due and state.timer is None:
            state.timer = loop.call_later(self.settings.max_wait, self._close, loop, state)
        return await waiting.answer

    def close(self) -> None:
        """Stop the booking threads (at shutdown; groups in flight finish first)."""
        self._executor.shutdown(wait=True)

    def _close(self, loop: asyncio.AbstractEventLoop, state: _Loop) -> None:
        """The waiting requests' wait is over: book them as soon as a slot is free."""
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        state.due = True
        self._dispatch(loop, state)

    def _dispatch(self, loop: asyncio.AbstractEventLoop, state: _Loop) -> None:
        while state.due and state.waiting and state.in_flight < self.settings.concurrency:
            group = state.waiting[: self.settings.max_size]
            del state.waiting[: self.settings.max_size]
            state.in_flight += 1
            loop.create_task(self._book(loop, state, group))
        if not state.waiting:
            state.due = False

    async def _book(self, loop: asyncio.AbstractEventLoop, state: _Loop, group: list[_Waiting]) -> None:
        try:
            await self._book_group(loop, group)
        except BaseException as failure:  # never leave a request waiting (a bug, or the loop shutting down)
            for waiting in group:
                _settle(waiting, failure)
            if not isinstance(failure, Exception):
                raise
        finally:
            state.in_flight -= 1
            self._dispatch(loop, state)

    async def _book_group(self, loop: asyncio.AbstractEventLoop, group: list[_Waiting]) -> None:
        requests = [w.request for w in group]
        try:
            results = await loop.run_in_executor(self._executor, self._post_each, requests)
        except (ExecutionUnavailable, RetryableConflict) as failure:
            for waiting in group:
                _settle(waiting, failure)
            return
        except Exception as failure:
            if len(group) == 1:
                _settle(group[0], failure)
                return
            for waiting in group:  # find the request that fails alone; the others book
                try:
                    alone = await loop.run_in_executor(self._executor, self._post_each, [waiting.request])
                except Exception as error:
                    _settle(waiting, error)
                else:
                    _settle(waiting, alone[0])
            return
        if len(results) != len(group):
            raise RuntimeError(f"the write path answered {len(results)} results for {len(group)} requests")
        for waiting, result in zip(group, results, strict=True):
            _settle(waiting, result)


def _answer(results: list[Outcome | DomainError], index: int) -> Outcome:
    result = results[index]
    if isinstance(result, DomainError):
        raise result
    return result


def _settle(waiting: _Waiting, result: Outcome | BaseException) -> None:
    if waiting.answer.done():  # the client went away: its transfer stands, nobody is told
        return
    if isinstance(result, BaseException):
        waiting.answer.set_exception(result)
    else:
        waiting.answer.set_result(result)

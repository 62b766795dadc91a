"""The hand-written layer of the Python client on a scripted transport (httpx.MockTransport): which calls
are retried and with what, the problem exceptions, and the cursor iteration."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest
from razao_api.api.accounts import list_accounts, open_account
from razao_api.api.transfers import create_transfer, void_pending
from razao_api.api.webhooks import delete_webhook, get_webhook
from razao_api.models import AccountIn, Side, TransferIn
from razao_client import (
    NO_RETRIES,
    BadRequest,
    Conflict,
    NotFound,
    ProblemError,
    Razao,
    RetryingTransport,
    RetryPolicy,
    ServerError,
    Unavailable,
    Unprocessable,
)
from razao_client.retries import RETRIED_DELETE, carries_its_id

TRANSFER_ID = "3f0b6a1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b"
ACCOUNT = {
    "id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
    "code": "customers:alice:wallet",
    "name": "Alice",
    "asset": "BRL",
    "normal_side": "credit",
    "min_balance": 0,
    "status": "active",
    "metadata": {},
    "created_at": "2026-11-29T02:13:18.683325+00:00",
    "balances": {
        "posted_debits": 0,
        "posted_credits": 0,
        "pending_debits": 0,
        "pending_credits": 0,
        "posted": 0,
        "available": 0,
    },
}
TRANSFER = {
    "id": TRANSFER_ID,
    "status": "posted",
    "two_phase": False,
    "postings": [],
    "posted": [],
    "description": None,
    "metadata": {},
    "effective_at": "2026-11-29T02:13:18.866999+00:00",
    "created_at": "2026-11-29T02:13:18.866999+00:00",
    "timeout_at": None,
    "resolved_at": None,
    "reverses_id": None,
    "reversed_by_id": None,
}


def problem(status: int, code: str, **more: object) -> httpx.Response:
    body = {
        "type": f"urn:razao:problem:{code}",
        "title": code,
        "status": status,
        "detail": code,
        "code": code,
    }
    return httpx.Response(status, json=body | more, headers={"Content-Type": "application/problem+json"})


class Script:
    """Answers requests in turn (a response, or an exception to raise), recording what was sent."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, str(request.url), request.read()))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def razao(script: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy = RetryPolicy()) -> Razao:
    client = Razao("http://razao.test", token="rz_test", retry=policy, transport=httpx.MockTransport(script))
    client.transport.sleep = lambda _: None
    return client


def transfer_body() -> TransferIn:
    return TransferIn.from_dict(
        {
            "id": TRANSFER_ID,
            "debit_account_id": ACCOUNT["id"],
            "credit_account_id": ACCOUNT["id"],
            "amount": 1,
        }
    )


def test_a_transfer_is_sent_again_with_the_same_body_after_a_503_and_a_lost_connection() -> None:
    script = Script(
        problem(503, "service_unavailable"),
        httpx.ConnectError("refused"),
        httpx.Response(201, json=TRANSFER),
    )
    client = razao(script)
    transfer = client.call(create_transfer, body=transfer_body())
    assert str(transfer.id) == TRANSFER_ID
    assert [m for m, _, _ in script.sent] == ["POST"] * 3
    assert len({body for _, _, body in script.sent}) == 1  # the very same bytes, id included
    assert json.loads(script.sent[0][2])["id"] == TRANSFER_ID
    assert client.transport.retries == 2


def test_retries_stop_after_the_policy_s_attempts_and_the_last_answer_is_raised() -> None:
    script = Script(*[problem(500, "internal_error") for _ in range(3)])
    with pytest.raises(ServerError) as raised:
        razao(script, RetryPolicy(attempts=3)).call(create_transfer, body=transfer_body())
    assert raised.value.code == "internal_error" and len(script.sent) == 3


def test_a_post_without_its_own_id_is_sent_once() -> None:
    script = Script(problem(503, "not_ready"))
    body = AccountIn(code="assets:bank", name="Bank", asset="BRL", normal_side=Side.DEBIT)
    with pytest.raises(Unavailable) as raised:
        razao(script).call(open_account, body=body)
    assert raised.value.code == "not_ready" and len(script.sent) == 1

    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(httpx.ConnectError):
        razao(script).call(void_pending, uuid.UUID(TRANSFER_ID))
    assert len(script.sent) == 1


def test_reads_are_retried_and_4xx_never_are() -> None:
    script = Script(httpx.ReadError("reset"), httpx.Response(200, json={"items": [], "next_cursor": None}))
    assert razao(script).call(list_accounts).items == []
    assert len(script.sent) == 2

    script = Script(problem(409, "idempotency_conflict"))
    with pytest.raises(Conflict):
        razao(script).call(create_transfer, body=transfer_body())
    assert len(script.sent) == 1


def test_no_retries_sends_once() -> None:
    script = Script(problem(503, "not_ready"))
    with pytest.raises(Unavailable):
        razao(script, NO_RETRIES).call(create_transfer, body=transfer_body())
    assert len(script.sent) == 1


@pytest.mark.parametrize(
    ("body", "idempotent"),
    [
        (b'{"id": "x", "amount": 1}', True),
        (b'{"transfers": [{"id": "a"}, {"id": "b"}]}', True),
        (b'{"transfers": [{"id": "a"}, {"amount": 1}]}', False),
        (b'{"code": "assets:bank"}', False),
        (b"", False),
        (b"not json", False),
    ],
)
def test_which_post_bodies_name_what_they_create(body: bytes, idempotent: bool) -> None:
    assert carries_its_id(body) is idempotent


def test_problems_are_typed_and_carry_their_code_fields_and_context() -> None:
    script = Script(
        problem(
            422,
            "insufficient_funds",
            request_id="abc",
            context={"account_id": ACCOUNT["id"], "available": -500},
        ),
        problem(422, "validation_error", errors=[{"field": "amount", "message": "Input should be > 0"}]),
        problem(400, "validation_error", detail="the body is not valid JSON: Expecting value"),
        httpx.Response(502, text="<html>bad gateway</html>"),
    )
    client = razao(script, NO_RETRIES)
    with pytest.raises(Unprocessable) as refused:
        client.call(create_transfer, body=transfer_body())
    assert (refused.value.code, refused.value.status, refused.value.request_id) == (
        "insufficient_funds",
        422,
        "abc",
    )
    assert refused.value.context["available"] == -500
    with pytest.raises(Unprocessable) as invalid:  # a field that is not valid: 422, with the field
        client.call(create_transfer, body=transfer_body())
    assert invalid.value.code == "validation_error"
    assert [(e.field, e.message) for e in invalid.value.errors] == [("amount", "Input should be > 0")]
    with pytest.raises(BadRequest) as unreadable:  # 400: only a body that is not JSON at all
        client.call(create_transfer, body=transfer_body())
    assert unreadable.value.code == "validation_error" and unreadable.value.errors == ()
    with pytest.raises(ProblemError) as gateway:
        client.call(list_accounts)
    assert isinstance(gateway.value, ServerError) and gateway.value.code == "http_502"


def test_items_follow_the_cursor_to_the_last_page() -> None:
    pages = [
        {"items": [ACCOUNT | {"code": "a"}, ACCOUNT | {"code": "b"}], "next_cursor": "c1"},
        {"items": [ACCOUNT | {"code": "c"}], "next_cursor": "c2"},
        {"items": [], "next_cursor": None},
    ]
    script = Script(*[httpx.Response(200, json=page) for page in pages])
    codes = [account.code for account in razao(script).items(list_accounts, limit=2, code_prefix="x")]
    assert codes == ["a", "b", "c"]
    cursors = [httpx.URL(url).params.get("cursor") for _, url, _ in script.sent]
    assert cursors == [None, "c1", "c2"]
    assert all(httpx.URL(url).params.get("code_prefix") == "x" for _, url, _ in script.sent)


def test_the_retrying_transport_wraps_any_transport() -> None:
    script = Script(problem(504, "timeout"), httpx.Response(200, json={"items": [], "next_cursor": None}))
    waits: list[float] = []
    transport = RetryingTransport(
        httpx.MockTransport(script), RetryPolicy(first_wait=1, max_wait=2), sleep=waits.append
    )
    with httpx.Client(transport=transport, base_url="http://razao.test") as client:
        assert client.get("/v1/accounts").status_code == 200
    assert len(waits) == 1 and 0 <= waits[0] <= 1


def test_the_asynchronous_transport_retries_the_same_way() -> None:
    import asyncio

    from razao_client import AsyncRetryingTransport

    sent: list[bytes] = []
    answers: list[httpx.Response | Exception] = [
        httpx.ConnectError("refused"),
        httpx.Response(201, json=TRANSFER),
    ]

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(await request.aread())
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def post() -> httpx.Response:
        transport = AsyncRetryingTransport(httpx.MockTransport(handler), RetryPolicy(first_wait=0.001))
        async with httpx.AsyncClient(transport=transport, base_url="http://razao.test") as client:
            return await client.post("/v1/transfers", json=transfer_body().to_dict())

    assert asyncio.run(post()).status_code == 201
    assert len(sent) == 2 and sent[0] == sent[1]


@pytest.mark.parametrize("lost", [httpx.ReadError("reset"), problem(502, "http_502")])
def test_a_delete_sent_again_that_finds_nothing_worked(lost: httpx.Response | Exception) -> None:
    script = Script(lost, problem(404, "not_found"))  # the first try deleted it; its answer was lost

    assert razao(script).call(delete_webhook, uuid.UUID(TRANSFER_ID)) is None
    assert [m for m, _, _ in script.sent] == ["DELETE", "DELETE"]


def test_a_delete_answered_404_on_its_first_try_is_not_found() -> None:
    script = Script(problem(404, "not_found"))
    with pytest.raises(NotFound):
        razao(script).call(delete_webhook, uuid.UUID(TRANSFER_ID))

    script = Script(httpx.ReadError("reset"), problem(404, "not_found"))  # a GET's 404 stays a 404
    with pytest.raises(NotFound):
        razao(script).call(get_webhook, uuid.UUID(TRANSFER_ID))


def test_the_asynchronous_transport_takes_a_retried_delete_s_404_as_done() -> None:
    import asyncio

    from razao_client import AsyncRetryingTransport

    answers: list[httpx.Response | Exception] = [httpx.ConnectError("refused"), problem(404, "not_found")]

    async def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def delete() -> httpx.Response:
        transport = AsyncRetryingTransport(httpx.MockTransport(handler), RetryPolicy(first_wait=0.001))
        async with httpx.AsyncClient(transport=transport, base_url="http://razao.test") as client:
            return await client.delete(f"/v1/webhooks/{TRANSFER_ID}")

    answer = asyncio.run(delete())
    assert answer.status_code == 204 and answer.headers[RETRIED_DELETE] == "gone"

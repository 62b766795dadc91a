"""The console's pages: sign-in, accounts, transfers, trial balance, jobs, webhook deliveries.

Every page calls the same use cases as the JSON API, with the app's `Services` (so it runs in both
execution modes). A page needs a session (`session.py`); each action needs the scope its API operation
needs (`ledger:read` to look, `ledger:write` to freeze, unfreeze or close, `admin` for jobs and webhooks),
asks for confirmation on a page of its own, carries the session's CSRF token (`csrf.py`), and is logged
with the key that did it. Errors are pages too (the problem's status, title and detail). Responses carry
a Content-Security-Policy without inline scripts and `X-Frame-Options: DENY`.

With read replicas, the console's reads (`read_uow`, `read_path`) still go to the primary: only requests
under `/v1/` are routed (`adapters.http.consistency`), and a read outside a routed request runs on the
primary (`adapters.db.replicas`). So the page an action redirects to shows that action
(tests/e2e/test_console_replicas.py).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast, get_args
from urllib.parse import parse_qs, urlencode
from uuid import UUID

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from adapters.http.console import csrf
from adapters.http.console.ports import ConsoleServices
from adapters.http.console.session import ConsoleSession, Sessions, SignInThrottle
from adapters.http.console.views import chart, history_of, money
from adapters.http.deps import services_of
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem_of
from adapters.http.routes.jobs import start_job
from adapters.http.schemas.jobs import JobIn, JobKind
from application import accounts, api_keys, assets, jobs, reconciliation, search, transfers, webhooks
from application.api_keys import Scope, Unauthenticated
from application.jobs import Job
from application.ports import ExecutionUnavailable
from domain.errors import DomainError, NotFound, ValidationError

PREFIX = "/console"
COOKIE = "razao_console"
HERE = Path(__file__).parent
PAGE_SIZE = 25
CHART_DAYS = 30
JOB_KINDS = get_args(JobKind)
#: The longest account code (`domain.accounts`): a longer `after` is no position in the accounts list.
MAX_CODE = 128
#: Entry numbers are BIGINT.
MAX_SEQ = 2**63 - 1
ACTIONS = {
    "freeze": accounts.freeze_account,
    "unfreeze": accounts.unfreeze_account,
    "close": accounts.close_account,
}

log = structlog.get_logger("razao.console")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Console:
    """The console's state on the app: sessions, throttle, templates, the services."""

    services: ConsoleServices
    sessions: Sessions
    throttle: SignInThrottle
    templates: Environment


class Denied(Exception):
    """A request the console refuses: its status and a sentence for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    signed = getattr(request.state, "console_session", None)
    token = request.cookies.get(COOKIE)
    html = (
        _console(request)
        .templates.get_template(template)
        .render(
            session=signed,
            csrf_token=csrf.token_for(token) if signed and token else "",
            can_write=bool(signed and signed.allows(Scope.LEDGER_WRITE)),
            is_admin=bool(signed and signed.allows(Scope.ADMIN)),
            prefix=PREFIX,
            money=money,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


class ConsoleRoute(APIRoute):
    """Console routes answer HTML: a domain error or a refusal is a page with its status, and every
    answer carries the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except Denied as denied:
                response = _render(request, "error.html", denied.status, title=denied.message, detail="")
            except DomainError as error:
                document = problem_of(error, request_id=request_id_of(request.scope))
                response = _render(
                    request,
                    "error.html",
                    document["status"],
                    title=document["title"],
                    detail=document["detail"],
                    issues=document.get("errors") or [],
                )
            except ExecutionUnavailable as error:
                response = _render(request, "error.html", 503, title="Not available now", detail=str(error))
            response.headers.update(SECURITY_HEADERS)
            return response

        return handle


router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _now(request: Request) -> datetime:
    return services_of(request).clock.now()


def _session(request: Request, scope: Scope | None = Scope.LEDGER_READ) -> ConsoleSession:
    """The request's live session (else 401), allowed `scope` (else 403; None: any session will do).
    Runs in the thread pool."""
    found = _console(request).sessions.find(request.cookies.get(COOKIE), _now(request))
    if found is None:
        raise Denied(401, "Sign in first")
    request.state.console_session = found
    if scope is not None and not found.allows(scope):
        raise Denied(403, f"Your API key lacks the {scope.value} scope")
    return found


async def _signed_in(request: Request, scope: Scope = Scope.LEDGER_READ) -> ConsoleSession | Response:
    """For a page: the session, or a redirect to the sign-in page when there is none."""
    try:
        return await run_in_threadpool(_session, request, scope)
    except Denied as denied:
        if denied.status != 401:
            raise
        return RedirectResponse(f"{PREFIX}/sign-in?{urlencode({'next': _here(request)})}", status_code=303)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def _fields(request: Request) -> dict[str, str]:
    """A form's fields (`application/x-www-form-urlencoded`; the first value of each name)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}


async def _form(request: Request, scope: Scope | None) -> tuple[ConsoleSession, dict[str, str]]:
    """An action's form: a session with `scope` (else 401/403; None: any live session) and a valid CSRF
    token (else 403)."""
    fields = await _fields(request)
    signed = await run_in_threadpool(_session, request, scope)
    if not csrf.valid(request.cookies.get(COOKIE), fields.get(csrf.FIELD)):
        log.warning("console_csrf_refused", key_id=str(signed.key_id), path=request.url.path)
        raise Denied(403, "This form is not valid (missing or wrong CSRF token); open the page again")
    return signed, fields


def _acted(signed: ConsoleSession, action: str, **facts: Any) -> None:
    log.info("console_action", action=action, key_id=str(signed.key_id), key_name=signed.key_name, **facts)


def _uuid(text: str, name: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ValidationError.of(name, "must be a UUID") from None


def _secure(request: Request) -> bool:
    configured = _console(request).services.secure_cookie
    return request.url.scheme == "https" if configured is None else configured


def _safe_next(target: str | None) -> str:
    """Only a path of the console: the console itself or a path under it, with no other site, no
    scheme-relative `//host`, no `.` or `..` segment, no empty segment, no backslash or control
    character (anything else: the accounts page)."""
    fallback = f"{PREFIX}/accounts"
    if not target or len(target) > 2048:
        return fallback
    path, _, _ = target.partition("?")
    path = path.partition("#")[0]
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return fallback
    if any(c == "\\" or c == "%" or ord(c) < 0x20 or ord(c) == 0x7F for c in target.partition("?")[0]):
        return fallback
    if any(segment in ("", ".", "..") for segment in path.split("/")[1:]):
        return fallback
    return target


# --- sign-in and sign-out -------------------------------------------------------------------------


@router.get("")
async def home() -> Response:
    return RedirectResponse(f"{PREFIX}/accounts", status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = _render(
        request,
        "sign_in.html",
        next=_safe_next(next),
        login_token=csrf.token_for(nonce, "sign-in"),
        error=None,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=_secure(request), path=PREFIX
    )
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    console, services = _console(request), services_of(request)
    fields = await _fields(request)
    target = _safe_next(fields.get("next"))
    nonce = request.cookies.get(csrf.LOGIN_COOKIE)
    if not csrf.valid(nonce, fields.get(csrf.FIELD), "sign-in"):
        raise Denied(403, "This form is not valid (missing or wrong CSRF token); open the page again")
    address = _client(request)
    if console.throttle.blocked(address):
        log.warning("console_sign_in_throttled", client=address)
        raise Denied(429, "Too many failed sign-ins; wait a minute")
    try:
        key = await run_in_threadpool(
            api_keys.authenticate, fields.get("api_key", "").strip(), services.uow()
        )
    except Unauthenticated as refused:
        console.throttle.failed(address)
        log.info("console_sign_in_refused", client=address, reason=refused.detail)
        assert nonce is not None
        return _render(
            request,
            "sign_in.html",
            401,
            next=target,
            login_token=csrf.token_for(nonce, "sign-in"),
            error="That API key is not valid.",
        )
    token, expires_at = await run_in_threadpool(console.sessions.open, key, services.clock.now())
    log.info("console_signed_in", key_id=str(key.id), key_name=key.name, expires_at=expires_at.isoformat())
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(console.sessions.lifetime.total_seconds()),
        expires=expires_at.astimezone(UTC),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=PREFIX,
    )
    response.delete_cookie(csrf.LOGIN_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    signed, _ = await _form(request, None)  # any live session may end itself
    await run_in_threadpool(_console(request).sessions.end, request.cookies.get(COOKIE))
    log.info("console_signed_out", key_id=str(signed.key_id), key_name=signed.key_name)
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


# --- accounts -------------------------------------------------------------------------------------


@router.get("/accounts")
async def account_search(
    request: Request,
    code_prefix: str = "",
    metadata: str = "",
    status: str = "",
    asset: str = "",
    category: str = "",
    after: str = "",
) -> Response:
    signed = await _signed_in(request)
    if isinstance(signed, Response):
        return signed
    services = services_of(request)
    _check_after_code(after)
    query = {"code_prefix": code_prefix, "metadata": metadata, "status": status, "asset": asset}
    query["category"] = category
    where = search.account_filter(
        code_prefix=code_prefix.strip() or None,
        asset=asset.strip().upper() or None,
        status=status or None,
        metadata=[m.strip() for m in metadata.split(",") if m.strip()],
        category=category.strip() or None,
        category_descendants=bool(category.strip()),
    )
    page = await run_in_threadpool(
        accounts.list_accounts, services.read_uow(), where, after_code=after or None, limit=PAGE_SIZE
    )
    more = None
    if page.next_cursor is not None:
        more = "?" + urlencode({**{k: v for k, v in query.items() if v}, "after": page.next_cursor})
    return _render(
        request, "accounts.html", query=query, accounts=page.items, more=more, searched=after != ""
    )


def _check_after_code(after: str) -> None:
    """The accounts list continues after an account's code: text a code can be (no NUL, at most
    `MAX_CODE` characters), else a 422 page naming `after`."""
    if "\x00" in after or len(after) > MAX_CODE:
        raise ValidationError.of("after", f"is not an account code (at most {MAX_CODE} characters, no NUL)")


def _entry_seq(after: str | None) -> int | None:
    """The statement continues after an entry's number: 0 <= after < 2**63 (a BIGINT), else a 422 page."""
    if after is None or after == "":
        return None
    seq = int(after) if after.isascii() and after.isdigit() and len(after) <= 19 else -1
    if not 0 <= seq <= MAX_SEQ:
        raise ValidationError.of("after", "is not an entry number (0 to 2**63 - 1)")
    return seq


@router.get("/accounts/{account_id}")
async def account_page(request: Request, account_id: str, after: str | None = None) -> Response:
    signed = await _signed_in(request)
    if isinstance(signed, Response):
        return signed
    services = services_of(request)
    found = _uuid(account_id, "account_id")
    after_seq = _entry_seq(after)

    def read() -> dict[str, Any]:
        account = accounts.get_account(found, services.read_uow())
        holds = transfers.list_transfers(
            services.read_uow(), search.transfer_filter(account_id=found, status="pending"), limit=PAGE_SIZE
        )
        lines = services.read_path.statement(found, after_seq=after_seq, limit=PAGE_SIZE)
        today = services.clock.now().astimezone(UTC).date()
        days = services.read_path.history(found, today - timedelta(days=CHART_DAYS - 1), today).days
        return {"account": account, "holds": holds, "lines": lines, "graph": chart(days, account.asset.scale)}

    data = await run_in_threadpool(read)
    account = data["account"]
    next_cursor = data["lines"].next_cursor
    return _render(
        request,
        "account.html",
        **data,
        scale=account.asset.scale,
        posted=account.balances.posted(account.normal_side),
        available=account.balances.available(account.normal_side),
        more=None if next_cursor is None else f"?after={next_cursor}",
        paged=after_seq is not None,
    )


@router.get("/accounts/{account_id}/{action}")
async def confirm_account_action(request: Request, account_id: str, action: str) -> Response:
    signed = await _signed_in(request, Scope.LEDGER_WRITE)
    if isinstance(signed, Response):
        return signed
    if action not in ACTIONS:
        raise NotFound(f"no console page {request.url.path}")
    services = services_of(request)
    account = await run_in_threadpool(
        accounts.get_account, _uuid(account_id, "account_id"), services.read_uow()
    )
    return _render(
        request,
        "confirm.html",
        action=action,
        subject=f"account {account.code}",
        detail=f"{account.name} ({account.asset.code}), now {account.status.value}.",
        target=f"{PREFIX}/accounts/{account.id}/{action}",
        back=f"{PREFIX}/accounts/{account.id}",
    )


@router.post("/accounts/{account_id}/{action}")
async def account_action(request: Request, account_id: str, action: str) -> Response:
    signed, _ = await _form(request, Scope.LEDGER_WRITE)
    if action not in ACTIONS:
        raise NotFound(f"no console action {action}")
    services = services_of(request)
    found = _uuid(account_id, "account_id")
    account = await run_in_threadpool(ACTIONS[action], found, services.uow(), services.clock)
    _acted(signed, f"account.{action}", account_id=str(found), account_code=account.code)
    return RedirectResponse(f"{PREFIX}/accounts/{found}", status_code=303)


# --- transfers and the trial balance --------------------------------------------------------------


@router.get("/transfers/{transfer_id}")
async def transfer_page(request: Request, transfer_id: str) -> Response:
    signed = await _signed_in(request)
    if isinstance(signed, Response):
        return signed
    services = services_of(request)
    found = _uuid(transfer_id, "transfer_id")

    def read() -> dict[str, Any]:
        transfer = transfers.get_transfer(found, services.read_uow())
        ids = list(dict.fromkeys(p.account_id for p in transfer.postings))
        reversal = None
        if transfer.reversed_by_id is not None:
            reversal = transfers.get_transfer(transfer.reversed_by_id, services.read_uow())
        return {
            "transfer": transfer,
            "accounts": {i: accounts.get_account(i, services.read_uow()) for i in ids},
            "steps": history_of(transfer, reversal),
        }

    return _render(request, "transfer.html", **await run_in_threadpool(read))


@router.get("/trial-balance")
async def trial_balance_page(request: Request) -> Response:
    signed = await _signed_in(request)
    if isinstance(signed, Response):
        return signed
    services = services_of(request)

    def read() -> dict[str, Any]:
        scales = {a.code: a.scale for a in assets.list_assets(services.read_uow())}
        return {"totals": services.read_path.trial_balance(), "scales": scales}

    return _render(request, "trial_balance.html", **await run_in_threadpool(read))


# --- jobs -----------------------------------------------------------------------------------------


def _job_document(job: Job) -> dict[str, Any]:
    percent = None if not job.total else min(100, round(100 * job.processed / job.total))
    return {
        "id": str(job.id),
        "kind": job.kind,
        "state": job.state.value,
        "processed": job.processed,
        "total": job.total,
        "percent": percent,
        "finished": job.finished,
    }


@router.get("/jobs")
async def jobs_page(request: Request) -> Response:
    signed = await _signed_in(request, Scope.ADMIN)
    if isinstance(signed, Response):
        return signed
    latest = await run_in_threadpool(_console(request).services.recent_jobs.latest, PAGE_SIZE)
    return _render(
        request, "jobs.html", jobs=[_job_document(j) | {"job": j} for j in latest], kinds=JOB_KINDS
    )


@router.get("/jobs/new")
async def confirm_job(
    request: Request, kind: str = "", start: str = "", end: str = "", post_open_periods: str = ""
) -> Response:
    signed = await _signed_in(request, Scope.ADMIN)
    if isinstance(signed, Response):
        return signed
    if kind not in JOB_KINDS:
        raise ValidationError.of("kind", "must be one of " + ", ".join(JOB_KINDS))
    days = f" for {start} to {end}" if kind == "interest-accrual" else ""
    paying = post_open_periods == "true" and kind == "interest-accrual"
    days += ", paying the months still open" if paying else ""
    return _render(
        request,
        "confirm.html",
        action="start",
        subject=f"a {kind} job{days}",
        detail="The job runs on the workers; its page follows its progress.",
        target=f"{PREFIX}/jobs",
        back=f"{PREFIX}/jobs",
        fields={"kind": kind, "start": start, "end": end} | ({"post_open_periods": "true"} if paying else {}),
    )


def _day(text: str, name: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ValidationError.of(name, "must be a date, YYYY-MM-DD") from None


@router.post("/jobs")
async def start_a_job(request: Request) -> Response:
    signed, fields = await _form(request, Scope.ADMIN)
    services = services_of(request)
    kind = fields.get("kind", "")
    if kind not in JOB_KINDS:
        raise ValidationError.of("kind", "must be one of " + ", ".join(JOB_KINDS))
    body = JobIn(
        start=_day(fields.get("start", ""), "start"),
        end=_day(fields.get("end", ""), "end"),
        post_open_periods=True if fields.get("post_open_periods") == "true" else None,
    )
    job = await run_in_threadpool(
        start_job, cast(JobKind, kind), body, request_id_of(request.scope), services
    )
    _acted(signed, "job.start", job_id=str(job.id), kind=kind, params=job.params)
    return RedirectResponse(f"{PREFIX}/jobs/{job.id}", status_code=303)


def _get_job(request: Request, job_id: str) -> Job:
    services = services_of(request)
    if services.jobs is None:
        raise ExecutionUnavailable("background jobs are not configured")
    return jobs.get_job(_uuid(job_id, "job_id"), services.jobs.uow())


@router.get("/jobs/{job_id}")
async def job_page(request: Request, job_id: str) -> Response:
    signed = await _signed_in(request, Scope.ADMIN)
    if isinstance(signed, Response):
        return signed
    job = await run_in_threadpool(_get_job, request, job_id)
    return _render(request, "job.html", job=job, progress=_job_document(job))


@router.get("/jobs/{job_id}/progress")
async def job_progress(request: Request, job_id: str) -> Response:
    """The small JSON the job page polls every second."""
    await run_in_threadpool(_session, request, Scope.ADMIN)
    job = await run_in_threadpool(_get_job, request, job_id)
    return JSONResponse(_job_document(job))


# --- webhooks -------------------------------------------------------------------------------------


def _hooks(request: Request) -> Any:
    hooks = services_of(request).webhooks
    if hooks is None:
        raise ExecutionUnavailable("webhooks are not configured")
    return hooks


@router.get("/webhooks")
async def webhooks_page(request: Request) -> Response:
    signed = await _signed_in(request, Scope.ADMIN)
    if isinstance(signed, Response):
        return signed
    hooks = _hooks(request)
    endpoints = await run_in_threadpool(webhooks.list_endpoints, hooks.uow(), None, 100)
    return _render(request, "webhooks.html", endpoints=endpoints[:100])


@router.get("/webhooks/{webhook_id}")
async def deliveries_page(request: Request, webhook_id: str, state: str = "", after: str = "") -> Response:
    signed = await _signed_in(request, Scope.ADMIN)
    if isinstance(signed, Response):
        return signed
    hooks, found = _hooks(request), _uuid(webhook_id, "webhook_id")
    position = None
    if after:
        at, _, last = after.partition("~")
        try:
            position = (datetime.fromisoformat(at), UUID(last))
        except ValueError:
            raise ValidationError.of("after", "is not a position of this list") from None

    def read() -> dict[str, Any]:
        endpoint = webhooks.get_endpoint(found, hooks.uow())
        rows = webhooks.list_deliveries(
            found, hooks.uow(), state=state or None, after=position, limit=PAGE_SIZE
        )
        return {"endpoint": endpoint, "deliveries": rows[:PAGE_SIZE], "has_more": len(rows) > PAGE_SIZE}

    data = await run_in_threadpool(read)
    more = None
    if data.pop("has_more"):
        last = data["deliveries"][-1]
        more = "?" + urlencode({"state": state, "after": f"{last.created_at.isoformat()}~{last.id}"})
    return _render(
        request, "deliveries.html", **data, state=state, states=webhooks.DeliveryState.ALL, more=more
    )


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}/resend")
async def confirm_resend(request: Request, webhook_id: str, delivery_id: str) -> Response:
    signed = await _signed_in(request, Scope.ADMIN)
    if isinstance(signed, Response):
        return signed
    hooks = _hooks(request)
    delivery, _ = await run_in_threadpool(
        webhooks.get_delivery, _uuid(webhook_id, "webhook_id"), _uuid(delivery_id, "delivery_id"), hooks.uow()
    )
    return _render(
        request,
        "confirm.html",
        action="resend",
        subject=f"the {delivery.event_type} delivery",
        detail=f"Event {delivery.event_id}, now {delivery.state} after {delivery.attempts} attempt(s).",
        target=f"{PREFIX}/webhooks/{webhook_id}/deliveries/{delivery_id}/resend",
        back=f"{PREFIX}/webhooks/{webhook_id}",
    )


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/resend")
async def resend(request: Request, webhook_id: str, delivery_id: str) -> Response:
    signed, _ = await _form(request, Scope.ADMIN)
    hooks, services = _hooks(request), services_of(request)
    endpoint, delivery = _uuid(webhook_id, "webhook_id"), _uuid(delivery_id, "delivery_id")
    await run_in_threadpool(webhooks.resend_delivery, endpoint, delivery, hooks.uow(), services.clock)
    _acted(signed, "webhook_delivery.resend", webhook_id=str(endpoint), delivery_id=str(delivery))
    return RedirectResponse(f"{PREFIX}/webhooks/{endpoint}", status_code=303)


# --- the sealed journal and reconciliation -------------------------------------------------------


@router.get("/seals")
async def seals_page(request: Request) -> Response:
    """The sealer's state (`application.seals`, the API's `GET /v1/admin/seals`)."""
    signed = await _signed_in(request, Scope.ADMIN)
    if isinstance(signed, Response):
        return signed
    seals = services_of(request).seals
    if seals is None:
        raise ExecutionUnavailable("sealing is not wired in this process")
    return _render(request, "seals.html", seal=await run_in_threadpool(seals.status))


def _recon_uow(request: Request) -> Any:
    found = services_of(request).reconciliation
    if found is None:
        raise ExecutionUnavailable("reconciliation is not configured")
    return found.uow()


@router.get("/reconciliation")
async def reconciliation_page(request: Request, run: str = "") -> Response:
    """Open a reconciliation run by its id (the API answers it when the run is started; a finished
    run's job links to it too)."""
    signed = await _signed_in(request)
    if isinstance(signed, Response):
        return signed
    if run.strip():
        return RedirectResponse(f"{PREFIX}/reconciliation/runs/{_uuid(run.strip(), 'run')}", status_code=303)
    return _render(request, "reconciliation.html")


@router.get("/reconciliation/runs/{run_id}")
async def run_page(
    request: Request, run_id: str, side: str = "bank", state: str = "", after: str = ""
) -> Response:
    """A run: its state, summary and balance check, and a page of its results (statement lines or
    ledger entries, by state)."""
    signed = await _signed_in(request)
    if isinstance(signed, Response):
        return signed
    found = _uuid(run_id, "run_id")

    def read() -> dict[str, Any]:
        run = reconciliation.get_run(found, _recon_uow(request))
        rows = reconciliation.results(
            found, _recon_uow(request), side=side, state=state or None, after=after or None, limit=PAGE_SIZE
        )
        account = accounts.get_account(run.account_id, services_of(request).read_uow())
        return {"run": run, "rows": rows, "account": account}

    data = await run_in_threadpool(read)
    cursor = data["rows"].next_cursor
    more = None if cursor is None else "?" + urlencode({"side": side, "state": state, "after": cursor})
    return _render(
        request,
        "run.html",
        **data,
        side=side,
        state=state,
        sides=reconciliation.SIDES,
        states=reconciliation.STATES,
        more=more,
        scale=data["account"].asset.scale,
    )


@router.get("/{path:path}")
async def not_found(request: Request, path: str) -> Response:
    """Any other console path: a page saying so (the API's own 404s stay problem documents)."""
    await run_in_threadpool(_optional_session, request)
    raise NotFound(f"there is no console page at {request.url.path}")


def _optional_session(request: Request) -> None:
    """Remember the session, if any, so that an error page still shows the navigation."""
    with contextlib.suppress(Denied):
        _session(request)


def add_console(app: FastAPI, console: ConsoleServices) -> None:
    """Mount the console (its pages and its static files) on `app`."""
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
    )
    app.state.console = Console(
        console,
        Sessions(console.sessions, console.session_minutes),
        SignInThrottle(console.sign_in_limit, 60.0),
        templates,
    )
    # the static files first: the router ends with a catch-all (an HTML 404 for any other console path)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.include_router(router)

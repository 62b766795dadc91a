"""Webhook delivery policy, as pure functions: what an answer means, when to try again, when to give up,
the circuit breaker, how many deliveries an endpoint may have in flight, and which targets are allowed.

No clock and no randomness of their own: time and jitter are passed in, so the unit tests pin them.

Classification (`classify`):
- 2xx: delivered.
- 3xx: failed at once. Redirects are never followed (following one would reach a target the SSRF
  guard never checked), and sending the same request again would get the same redirect: the URL is
  wrong. Fix it (PATCH) and re-send.
- 4xx: failed at once (the receiver refuses this request; trying again would not help), except 408
  (request timeout), 409 (conflict), 425 (too early) and 429 (too many requests), which say "later".
- 5xx, timeouts, connection errors and the 4xx above: retried.

Retries (`next_try`): exponential backoff with jitter, 1 minute after the first attempt, doubling, at
most 1 hour (`backoff`: "equal jitter", a delay between half and all of the doubled one, never under a
minute). The minute is the default `base` (RAZAO_WEBHOOK_BACKOFF_MIN_SECONDS: tests and a receiver that
wants faster retries may lower it). A `Retry-After` answer (seconds or an HTTP date) replaces the
backoff, bounded to 1 s..1 h. A delivery gives up (failed) once its next try would be later than
`give_up_after` (default 24 h) after its first attempt.

Circuit breaker (`after_failure`, `circuit`): `threshold` consecutive retryable failures of an
endpoint (any of its deliveries) open its circuit for a cool-off of 30 s. While it is open nothing of
the endpoint is claimed, and the failures of deliveries that were already in flight when it opened
change nothing; when the cool-off has passed the circuit is half open: one delivery probes; its success
closes the circuit, its failure opens it again for twice as long as the time before (at most 1 h). So a
short outage costs a short rest, however many deliveries were in flight. A 4xx or 3xx that fails a
delivery at once does not count: the endpoint answered, it is alive.

In flight (`claim_limit`): an ordered endpoint has at most one delivery in flight and delivers
strictly in event position order (the head of its line must be delivered or given up before the next);
an unordered one up to its `max_in_flight`; a half-open circuit lets one probe through.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

from domain.errors import ValidationError

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
RETRY_AFTER_MIN = timedelta(seconds=1)
RETRY_AFTER_MAX = timedelta(hours=1)
COOL_OFF_BASE = timedelta(seconds=30)
COOL_OFF_CAP = timedelta(hours=1)
#: 4xx answers that mean "try again later" rather than "never".
RETRYABLE_4XX = frozenset({408, 409, 425, 429})


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


class Circuit(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


def classify(status: int | None, *, refused: bool = False) -> Outcome:
    """What an attempt's answer means. `status` None: no answer (timeout, connection error), retried;
    `refused`: the target was refused before sending (SSRF guard, body too large), failed at once."""
    if refused:
        return Outcome.FAILED
    if status is None:
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if 400 <= status < 500 and status not in RETRYABLE_4XX:
        return Outcome.FAILED
    if 300 <= status < 400 or status < 200:
        return Outcome.FAILED
    return Outcome.RETRY


def backoff(attempt: int, jitter: float, base: timedelta = BACKOFF_BASE) -> timedelta:
    """The wait after failed attempt number `attempt` (1, 2, ...): base·2^(attempt-1), capped, then
    jittered into [half of it, all of it] by `jitter` in [0, 1], never under `base` nor over CAP."""
    full = min(BACKOFF_CAP, base * (2 ** min(max(attempt, 1) - 1, 20)))
    jittered = full / 2 + (full / 2) * min(max(jitter, 0.0), 1.0)
    bounded: timedelta = min(BACKOFF_CAP, max(base, jittered))
    return bounded


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A `Retry-After` header (delay in seconds, or an HTTP date) as a wait, bounded to
    [RETRY_AFTER_MIN, RETRY_AFTER_MAX]; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    wait: timedelta
    if text.isdigit():
        wait = timedelta(seconds=min(int(text), int(RETRY_AFTER_MAX.total_seconds())))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        wait = when - now
    bounded: timedelta = min(RETRY_AFTER_MAX, max(RETRY_AFTER_MIN, wait))
    return bounded


def next_try(
    attempt: int,
    now: datetime,
    first_attempt_at: datetime,
    *,
    jitter: float,
    give_up_after: timedelta,
    wait_hint: timedelta | None = None,
    base: timedelta = BACKOFF_BASE,
) -> datetime | None:
    """When to try again after failed attempt `attempt` (a retryable failure), or None: give up."""
    wait = wait_hint if wait_hint is not None else backoff(attempt, jitter, base)
    when = now + wait
    return None if when > first_attempt_at + give_up_after else when


def circuit(open_until: datetime | None, now: datetime) -> Circuit:
    if open_until is None:
        return Circuit.CLOSED
    return Circuit.OPEN if open_until > now else Circuit.HALF_OPEN


@dataclass(frozen=True, slots=True)
class Breaker:
    consecutive_failures: int = 0
    open_until: datetime | None = None


def after_success() -> Breaker:
    return Breaker()


def after_failure(before: Breaker, now: datetime, threshold: int) -> Breaker:
    """The breaker after one more retryable failure: unchanged while open (an attempt that was in flight
    when it opened), else one more consecutive failure, opening at `threshold` and, on a failed probe,
    for twice as long as the time before."""
    if circuit(before.open_until, now) is Circuit.OPEN:
        return before
    failures = before.consecutive_failures + 1
    if failures < threshold:
        return Breaker(failures)
    cool_off = min(COOL_OFF_CAP, COOL_OFF_BASE * (2 ** min(failures - threshold, 20)))
    return Breaker(failures, now + cool_off)


def claim_limit(ordered: bool, max_in_flight: int, state: Circuit, in_flight: int) -> int:
    """How many more deliveries of an endpoint may be claimed now, with `in_flight` already leased."""
    if state is Circuit.OPEN:
        return 0
    cap = 1 if ordered or state is Circuit.HALF_OPEN else max_in_flight
    return max(0, cap - in_flight)


def is_due(state: str, next_attempt_at: datetime, lease_until: datetime | None, now: datetime) -> bool:
    """A delivery can be claimed: pending and due, or delivering with an expired lease (its worker died)."""
    if state == "pending":
        return next_attempt_at <= now
    if state == "delivering":
        return lease_until is None or lease_until <= now
    return False


# --- targets ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A webhook URL, taken apart: scheme, host (lower case, IPv6 without brackets) and port."""

    url: str
    scheme: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class AllowList:
    """Non-global targets allowed anyway (RAZAO_WEBHOOK_ALLOWED_HOSTS): host names and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: list[str] | tuple[str, ...]) -> AllowList:
        hosts, networks = set(), []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.strip("[]"))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower() in self.hosts

    def allows_address(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip.version == net.version and ip in net for net in self.networks) or (
            address.lower() in self.hosts
        )


MAX_URL_LENGTH = 2048


def parse_target(url: str, field: str = "url") -> Target:
    """A URL a webhook may be sent to: http or https, a host, no user name or password (they would be
    stored and shown in clear), no fragment. Anything else is a `validation_error` on `field`."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError.of(field, f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationError.of(field, f"is not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError.of(field, "must be an http or https URL")
    if not parts.hostname:
        raise ValidationError.of(field, "must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValidationError.of(field, "must not carry a user name or password")
    if parts.fragment:
        raise ValidationError.of(field, "must not have a fragment")
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise ValidationError.of(field, "must not contain spaces or control characters")
    return Target(url, parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80))


#: IPv6 prefixes whose addresses carry an IPv4 address in their last 32 bits, which a gateway reaches:
#: NAT64 (RFC 6052, and the local-use prefix of RFC 8215) and the deprecated IPv4-compatible form.
_IPV4_IN_LAST_32_BITS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("::/96"),
)


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to (IPv4-mapped, NAT64, 6to4, Teredo, IPv4-compatible),
    which is what must be judged: `64:ff9b::a9fe:a9fe` reaches 169.254.169.254 through a NAT64 gateway,
    although Python counts it as global."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in _IPV4_IN_LAST_32_BITS) and int(ip) & 0xFFFFFFFF:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str, target: Target, allow: AllowList) -> str | None:
    """Why `address` (an IP the target's host resolves to) may not be sent to, or None: allowed.
    Only global addresses are allowed, unless the allow-list names the host or the address."""
    ip = ipaddress.ip_address(address)
    effective = _embedded_ipv4(ip) or ip
    if allow.allows_host(target.host) or allow.allows_address(str(effective)):
        return None
    if effective.is_global and not effective.is_multicast:
        return None
    kind = (
        "loopback"
        if effective.is_loopback
        else "link-local"
        if effective.is_link_local
        else "private"
        if effective.is_private
        else "non-global"
    )
    return f"{target.host} resolves to {effective}, a {kind} address (not in RAZAO_WEBHOOK_ALLOWED_HOSTS)"

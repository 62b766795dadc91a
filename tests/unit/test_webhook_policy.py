"""The webhook delivery policy: classification, backoff bounds, Retry-After, giving up, the circuit
breaker, the in-flight gate and the SSRF target checks (pure functions, pinned time and jitter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application import webhook_policy as p
from domain.errors import ValidationError

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, p.Outcome.DELIVERED),
        (204, p.Outcome.DELIVERED),
        (299, p.Outcome.DELIVERED),
        (301, p.Outcome.FAILED),
        (302, p.Outcome.FAILED),
        (400, p.Outcome.FAILED),
        (401, p.Outcome.FAILED),
        (404, p.Outcome.FAILED),
        (410, p.Outcome.FAILED),
        (408, p.Outcome.RETRY),
        (409, p.Outcome.RETRY),
        (425, p.Outcome.RETRY),
        (429, p.Outcome.RETRY),
        (500, p.Outcome.RETRY),
        (502, p.Outcome.RETRY),
        (503, p.Outcome.RETRY),
        (None, p.Outcome.RETRY),
    ],
)
def test_answers_are_classified(status: int | None, outcome: p.Outcome) -> None:
    assert p.classify(status) is outcome


def test_a_refused_target_fails_at_once() -> None:
    assert p.classify(None, refused=True) is p.Outcome.FAILED


@pytest.mark.parametrize("jitter", [0.0, 0.5, 1.0])
def test_backoff_doubles_from_a_minute_to_an_hour(jitter: float) -> None:
    waits = [p.backoff(n, jitter) for n in range(1, 15)]
    assert all(timedelta(minutes=1) <= w <= timedelta(hours=1) for w in waits)
    assert waits == sorted(waits)
    assert p.backoff(1, 1.0) == timedelta(minutes=1)
    assert p.backoff(3, 1.0) == timedelta(minutes=4)
    assert p.backoff(3, 0.0) == timedelta(minutes=2)
    assert p.backoff(30, 1.0) == timedelta(hours=1)


def test_the_backoff_minimum_is_a_setting_that_still_doubles_to_the_cap() -> None:
    second = timedelta(seconds=1)
    assert [p.backoff(n, 1.0, second) for n in (1, 2, 3)] == [second, 2 * second, 4 * second]
    assert p.backoff(1, 0.0, second) == second  # never under the minimum
    assert p.backoff(40, 1.0, second) == p.BACKOFF_CAP
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert p.next_try(1, now, now, jitter=1.0, give_up_after=timedelta(hours=1), base=second) == now + second


def test_jitter_spreads_the_wait() -> None:
    assert p.backoff(4, 0.0) < p.backoff(4, 0.5) < p.backoff(4, 1.0)


def test_retry_after_in_seconds_or_as_a_date_is_bounded() -> None:
    assert p.retry_after("7", NOW) == timedelta(seconds=7)
    assert p.retry_after("0", NOW) == timedelta(seconds=1)
    assert p.retry_after("999999", NOW) == timedelta(hours=1)
    assert p.retry_after("Thu, 01 Jan 2026 12:02:00 GMT", NOW) == timedelta(minutes=2)
    assert p.retry_after("Thu, 01 Jan 2026 11:00:00 GMT", NOW) == timedelta(seconds=1)
    assert p.retry_after("soon", NOW) is None
    assert p.retry_after(None, NOW) is None


def test_next_try_honours_retry_after_and_gives_up_after_the_total() -> None:
    day = timedelta(hours=24)
    hint = timedelta(seconds=7)
    assert p.next_try(1, NOW, NOW, jitter=1.0, give_up_after=day, wait_hint=hint) == NOW + hint
    assert p.next_try(1, NOW, NOW, jitter=1.0, give_up_after=day) == NOW + timedelta(minutes=1)
    late = NOW + timedelta(hours=23, minutes=30)
    assert p.next_try(20, late, NOW, jitter=1.0, give_up_after=day) is None
    assert (
        p.next_try(20, late, NOW, jitter=1.0, give_up_after=day, wait_hint=timedelta(minutes=10)) is not None
    )


def test_the_breaker_opens_after_the_threshold_grows_and_is_capped() -> None:
    b = p.Breaker()
    for _ in range(4):
        b = p.after_failure(b, NOW, threshold=5)
        assert b.open_until is None
    b = p.after_failure(b, NOW, threshold=5)
    assert b.open_until == NOW + timedelta(seconds=30)
    assert p.circuit(b.open_until, NOW) is p.Circuit.OPEN
    # Deliveries in flight when it opened fail too: the rest stays as it is.
    assert p.after_failure(b, NOW + timedelta(seconds=1), threshold=5) == b
    probe = NOW + timedelta(seconds=30)
    assert p.circuit(b.open_until, probe) is p.Circuit.HALF_OPEN
    again = p.after_failure(b, probe, threshold=5)  # the probe failed: twice as long
    assert again.open_until == probe + timedelta(seconds=60)
    assert p.after_failure(p.Breaker(40), NOW, threshold=5).open_until == NOW + timedelta(hours=1)
    assert p.after_success() == p.Breaker(0, None)
    assert p.circuit(None, NOW) is p.Circuit.CLOSED


def test_the_in_flight_gate() -> None:
    closed, half, open_ = p.Circuit.CLOSED, p.Circuit.HALF_OPEN, p.Circuit.OPEN
    assert p.claim_limit(True, 1, closed, 0) == 1
    assert p.claim_limit(True, 1, closed, 1) == 0  # ordered: one at a time
    assert p.claim_limit(False, 10, closed, 3) == 7
    assert p.claim_limit(False, 10, half, 0) == 1  # one probe
    assert p.claim_limit(False, 10, half, 1) == 0
    assert p.claim_limit(False, 10, open_, 0) == 0


def test_what_is_due() -> None:
    later = NOW + timedelta(minutes=1)
    assert p.is_due("pending", NOW, None, NOW)
    assert not p.is_due("pending", later, None, NOW)
    assert not p.is_due("delivering", NOW, later, NOW)  # leased
    assert p.is_due("delivering", NOW, NOW, NOW)  # the lease expired: the worker died
    assert not p.is_due("failed", NOW, None, NOW)
    assert not p.is_due("succeeded", NOW, None, NOW)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "example.com/hook",
        "http:///hook",
        "http://user:pw@example.com/hook",
        "http://example.com/hook#x",
        "http://example.com:99999/",
        "http://exa mple.com/",
    ],
)
def test_urls_that_are_not_http_targets_are_refused(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        p.parse_target(url)
    assert refused.value.issues[0].field == "url"


def test_a_target_is_taken_apart() -> None:
    assert p.parse_target("https://Hooks.Example.com/x?y=1") == p.Target(
        "https://Hooks.Example.com/x?y=1", "https", "hooks.example.com", 443
    )
    assert p.parse_target("http://[::1]:8080/").host == "::1"


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "0.0.0.0",
        "100.64.0.1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        # IPv6 addresses that lead to an IPv4 one: NAT64, 6to4, Teredo, IPv4-compatible.
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a00:5",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",
        "::a9fe:a9fe",
    ],
)
def test_non_global_addresses_are_refused(address: str) -> None:
    target = p.parse_target("http://hooks.example.com/")
    assert p.address_refusal(address, target, p.AllowList()) is not None


def test_global_addresses_pass_and_the_allow_list_opens_others() -> None:
    target = p.parse_target("http://hooks.example.com/")
    assert p.address_refusal("93.184.216.34", target, p.AllowList()) is None
    assert p.address_refusal("64:ff9b::5db8:d822", target, p.AllowList()) is None  # NAT64 of a global one
    assert p.address_refusal("2606:2800:220:1:248:1893:25c8:1946", target, p.AllowList()) is None
    allow = p.AllowList.parse(["127.0.0.1", "10.1.0.0/16", "Hooks.Internal"])
    assert p.address_refusal("127.0.0.1", target, allow) is None
    assert p.address_refusal("10.1.2.3", target, allow) is None
    assert p.address_refusal("10.2.0.1", target, allow) is not None
    internal = p.parse_target("http://hooks.internal/")
    assert p.address_refusal("10.9.9.9", internal, allow) is None

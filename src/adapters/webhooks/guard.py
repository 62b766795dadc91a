"""The SSRF guard: a webhook may go only to global addresses, unless the allow-list names the target.

Checked twice: when an endpoint is created or its URL changed (`check_url`: a 422 naming `url`), and
again before every send against the addresses the host resolves to THEN (`resolve_allowed`), since a
name can be re-pointed at an internal address after it was accepted (DNS rebinding). The sender then
connects to the very address it checked (not to the name again), so the check and the connection see the
same address. Redirects are never followed (`adapters.webhooks.sender`).
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from application.webhook_policy import AllowList, Target, address_refusal, parse_target
from domain.errors import ValidationError

Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Refused(Exception):
    """The target may not be sent to (the reason names the address)."""


def resolve_allowed(target: Target, allow: AllowList, resolver: Resolver = system_resolver) -> str:
    """The first address of `target` to connect to, every one of its addresses allowed; raises
    `Refused` when one is not, `OSError` when the name does not resolve."""
    addresses = resolver(target.host.strip("[]"), target.port)
    if not addresses:
        raise OSError(f"{target.host} does not resolve")
    for address in addresses:
        reason = address_refusal(address, target, allow)
        if reason is not None:
            raise Refused(reason)
    return addresses[0]


class UrlGuard:
    """`check_url` for create and update (the use cases' `UrlCheck`)."""

    def __init__(self, allow: AllowList, resolver: Resolver = system_resolver) -> None:
        self._allow = allow
        self._resolver = resolver

    def __call__(self, url: str) -> None:
        target = parse_target(url)
        try:
            resolve_allowed(target, self._allow, self._resolver)
        except Refused as refused:
            raise ValidationError.of("url", f"is not an allowed target: {refused}") from None
        except (OSError, UnicodeError):
            # Not resolvable now: accepted; every send checks again (and fails, retried, until it does).
            pass

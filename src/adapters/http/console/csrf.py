"""CSRF tokens of the console's forms, bound to the session (synchronizer token, nothing stored).

A form's token is an HMAC-SHA256 of a fixed purpose keyed with the session token, which only the
session's cookie holds: another site can neither read it nor compute it. Before a session exists (the
sign-in form) the same is done with a random pre-session cookie (`LOGIN_COOKIE`), a double submit.
Tokens are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

FIELD = "csrf_token"
LOGIN_COOKIE = "razao_console_login"


def token_for(secret: str, purpose: str = "console-form") -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def valid(secret: str | None, submitted: str | None, purpose: str = "console-form") -> bool:
    if not secret or not submitted:
        return False
    return hmac.compare_digest(token_for(secret, purpose), submitted)

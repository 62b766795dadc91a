"""Signing secrets: generated as Standard Webhooks expects (`whsec_` + base64 of 32 random bytes) and
stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under the deployment's key.

HMAC signing needs the secret itself, so it cannot be stored hashed: it is encrypted, and the key lives
outside the database (RAZAO_WEBHOOK_SECRET_KEY). The setting may list several keys, comma-separated: the
first encrypts, every one decrypts (MultiFernet), so the key itself can be rotated. Neither secrets nor
keys are ever logged; `repr` hides them.
"""

from __future__ import annotations

import base64
import os
import secrets as random
import uuid
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from application.ports import ExecutionUnavailable

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def new_key() -> str:
    """A new Fernet key (what RAZAO_WEBHOOK_SECRET_KEY holds)."""
    return Fernet.generate_key().decode()


class SecretKeyMissing(ExecutionUnavailable):
    """No usable key: the API answers 503 (nothing was written), a delivery task fails loudly."""


class FernetSecretBox:
    """Implements `application.webhooks.SecretBox`. Keys are read on first use, so that building the
    container never fails for a deployment that does not use webhooks."""

    def __init__(self, keys: str | None, key_file: str | None = None) -> None:
        self._keys = keys
        self._key_file = key_file
        self._fernet: MultiFernet | None = None

    def __repr__(self) -> str:
        return "FernetSecretBox(<keys hidden>)"

    def _box(self) -> MultiFernet:
        if self._fernet is None:
            keys = self._keys or (dev_key(self._key_file) if self._key_file else None)
            if not keys:
                raise SecretKeyMissing(
                    "webhooks need RAZAO_WEBHOOK_SECRET_KEY (a Fernet key; see docs/webhooks.md)"
                )
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
        return self._fernet

    def seal(self, secret: str) -> str:
        return self._box().encrypt(secret.encode()).decode()

    def open(self, ciphertext: str) -> str:
        try:
            return self._box().decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretKeyMissing(
                "a webhook secret cannot be decrypted with RAZAO_WEBHOOK_SECRET_KEY (another key encrypted it)"
            ) from None


def dev_key(path: str) -> str:
    """The development key in `path` (var/webhook-secret-key), created (mode 0600) when missing. Only
    used when RAZAO_WEBHOOK_SECRET_KEY is unset and RAZAO_WEBHOOK_DEV_KEY_FILE names a file: `make run`
    sets it; production leaves it unset and must set the key itself."""
    file = Path(path)
    if not file.exists():
        # The API, the worker and beat start together: the key is written whole to a file of this
        # process, then linked into place, which fails if another process got there first (its key wins).
        file.parent.mkdir(parents=True, exist_ok=True)
        mine = file.with_name(f".{file.name}.{os.getpid()}.{uuid.uuid4().hex}")
        descriptor = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(new_key())
        try:
            os.link(mine, file)
        except FileExistsError:
            pass
        finally:
            mine.unlink()
    return file.read_text().strip()

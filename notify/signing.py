"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets and the v1 scheme.

A secret is ``whsec_`` + base64 of 32 random bytes, shown once at creation. A message is signed
as ``v1,`` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), the key being
the secret's bytes after the prefix. The hub keeps each secret sealed with AES-256-GCM under
``HUB_ID_ENCRYPTION_KEY`` (its own associated data): the database alone does not let anyone
sign as the hub.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.settings import Settings

PREFIX = "whsec_"
_AAD = b"hub:webhook-secret:v1"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def key_of(secret: str) -> bytes:
    raw = secret.removeprefix(PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class SecretBox:
    """Seals and opens subscription secrets at rest."""

    def __init__(self, settings: Settings) -> None:
        self._aead = AESGCM(base64.b64decode(settings.id_encryption_key.get_secret_value()))

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, secret.encode(), _AAD)).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], _AAD).decode()

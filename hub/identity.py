"""Resident ID numbers kept safe at rest 身份证号保护.

The graph never holds an ID number in clear: it holds a keyed hash (HMAC-SHA256) for lookup and
linkage, an authenticated ciphertext (AES-256-GCM) for the few roles allowed to reveal it, and a
masked form (first 6 and last 4 characters) for everyone else. Both keys live outside the
database (``HUB_ID_HMAC_KEY``, ``HUB_ID_ENCRYPTION_KEY``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.settings import Settings

_AAD = b"hub:resident-id:v1"


@dataclass(frozen=True)
class ProtectedId:
    hash: str
    cipher: str
    masked: str


# The masked form shows the region (first 6) and the last 4 characters: a search by the last
# four (hub/children.py) reveals nothing to a subject that is shown the masked form.
MASKED_HEAD = 6
MASKED_TAIL = 4


def mask(number: str) -> str:
    hidden = len(number) - MASKED_HEAD - MASKED_TAIL
    return f"{number[:MASKED_HEAD]}{'*' * hidden}{number[-MASKED_TAIL:]}"


class IdProtector:
    def __init__(self, settings: Settings) -> None:
        self._hmac_key = settings.id_hmac_key.get_secret_value().encode()
        self._aead = AESGCM(base64.b64decode(settings.id_encryption_key.get_secret_value()))

    def hash(self, number: str) -> str:
        return hmac.new(self._hmac_key, number.encode(), hashlib.sha256).hexdigest()

    def protect(self, number: str) -> ProtectedId:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, number.encode(), _AAD)
        return ProtectedId(
            hash=self.hash(number),
            cipher=base64.b64encode(nonce + sealed).decode(),
            masked=mask(number),
        )

    def reveal(self, cipher: str) -> str:
        raw = base64.b64decode(cipher)
        return self._aead.decrypt(raw[:12], raw[12:], _AAD).decode()

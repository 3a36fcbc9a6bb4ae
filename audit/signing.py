"""The checkpoint signing key: Ed25519, kept in a file outside the database.

Someone who can write the database can rewrite the whole hash chain; they cannot sign a
checkpoint without this file. It is created on first use, readable by its owner only (0600).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# What a checkpoint signature covers, in this order of fields (canonical JSON of them).
SIGNED_FIELDS = ("kind", "root", "size", "time")


class SigningKeyError(Exception):
    """The signing or public key cannot be read."""


def _public_raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_public_raw(public)).hexdigest()[:16]


def public_b64(public: Ed25519PublicKey) -> str:
    return base64.b64encode(_public_raw(public)).decode()


def public_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A PEM public key (``hub audit public-key`` writes one) or the private key file itself."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            return load_private(data).public_key()
        except ValueError:
            raise SigningKeyError(f"{path}: not an Ed25519 PEM key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: not an Ed25519 public key")
    return key


def load_private(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        try:
            return load_private(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise SigningKeyError(f"{path}: cannot read the audit signing key ({exc})") from None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        # O_EXCL: two processes starting together must not each write their own key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_private(path.read_bytes())
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_message(checkpoint: Mapping[str, Any]) -> bytes:
    content = {name: checkpoint[name] for name in SIGNED_FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def sign(key: Ed25519PrivateKey, checkpoint: dict[str, Any]) -> dict[str, Any]:
    signature = key.sign(signed_message(checkpoint))
    return {**checkpoint, "signature": base64.b64encode(signature).decode(),
            "keyId": key_id(key.public_key())}


def verify(public: Ed25519PublicKey, checkpoint: Mapping[str, Any]) -> bool:
    try:
        public.verify(base64.b64decode(str(checkpoint.get("signature", ""))),
                      signed_message(checkpoint))
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True

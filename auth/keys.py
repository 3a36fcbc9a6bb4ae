"""Token signing keys (ES256), kept outside the database in ``HUB_KEYS_DIR``.

Each key is a PEM file named by its ``kid``; kids sort by creation time, the newest signs, and
every key in the folder verifies and is published in the JWKS. Rotation without downtime: add a
key (``hub keys rotate``); tokens signed by the old one stay valid until they expire; remove the
old key after the token lifetime (``hub keys retire KID``).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet

ALGORITHM = "ES256"


class KeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._keys: dict[str, ECKey] = {}
        self._seen: tuple[tuple[str, int, int], ...] = ()
        self.reload()

    def reload(self) -> None:
        """Reads the folder again if its keys changed (names, sizes, times): every process of
        every replica looks every few seconds (auth/tokens.py), so a key added or retired by
        `hub keys` anywhere is used or refused everywhere within that."""
        listing = self._listing()
        if listing == self._seen and self._keys:
            return
        keys = {}
        if self.directory.is_dir():
            for path in sorted(self.directory.glob("*.pem")):
                kid = path.stem
                keys[kid] = ECKey.import_key(path.read_bytes(), {"kid": kid, "alg": ALGORITHM,
                                                                 "use": "sig"})
        self._keys = keys
        self._seen = listing

    def _listing(self) -> tuple[tuple[str, int, int], ...]:
        if not self.directory.is_dir():
            return ()
        found = []
        for path in sorted(self.directory.glob("*.pem")):
            try:
                info = path.stat()
            except FileNotFoundError:
                continue  # retired meanwhile
            found.append((path.name, info.st_size, info.st_mtime_ns))
        return tuple(found)

    def ensure(self) -> None:
        """Creates the first key on first use."""
        if not self._keys:
            self.rotate()

    def rotate(self) -> str:
        # Sortable to the microsecond: the newest key signs, even after two rotations in a second.
        kid = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)
        key = ECKey.generate_key("P-256", {"kid": kid, "alg": ALGORITHM, "use": "sig"})
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{kid}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.as_pem(private=True))
        self.reload()
        return kid

    def retire(self, kid: str) -> bool:
        path = self.directory / f"{kid}.pem"
        if not path.exists() or len(self._keys) <= 1:
            return False
        path.unlink()
        self.reload()
        return True

    @property
    def signing(self) -> ECKey:
        if not self._keys:
            raise RuntimeError("no signing key: run `hub keys rotate`")
        return self._keys[max(self._keys)]

    @property
    def kids(self) -> list[str]:
        return sorted(self._keys)

    def key_set(self) -> KeySet:
        return KeySet(list(self._keys.values()))

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self._keys.values()]}

"""The production ``.env`` beside ``docker-compose.yml``: fresh secrets, written once, 0600.

``hub secrets init`` writes every value production refuses to start without
(``hub/settings.py``, ``_production_needs_real_secrets``) plus the hub's public URL, each secret
from the operating system's random source. Compose reads the file for the ``${VAR:?…}`` in
``docker-compose.yml``; it is in ``.gitignore`` and never committed (``.env.example`` shows its
shape with placeholders). An existing file is not overwritten without ``--force``: the database
password in it is the one Neo4j's data volume was created with, and the ID keys are the ones the
graph's keyed hashes and encrypted numbers were made with — new values would lock the hub out of
its own data.

Standard library only: it runs before anything else is configured.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from hub.settings import issuer_problem

DEFAULT_FILE = Path(".env")  # beside docker-compose.yml, where the README runs it


def _password() -> str:
    # URL-safe: no quote, dollar or space for Compose's interpolation or a shell to mangle.
    return secrets.token_urlsafe(32)


def _hmac_key() -> str:
    return secrets.token_urlsafe(48)


def _aes_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


# name -> (how a fresh value is made, what it is) — the secrets production requires.
SECRETS: dict[str, tuple[Callable[[], str], str]] = {
    "HUB_NEO4J_PASSWORD": (_password, "Neo4j 密码 the database password (NEO4J_AUTH too)"),
    "HUB_ID_HMAC_KEY": (_hmac_key, "身份证号检索密钥 key of the resident-ID keyed hash"),
    "HUB_ID_ENCRYPTION_KEY": (_aes_key, "身份证号加密密钥 AES-256 key, base64 of 32 bytes"),
}


class EnvFileExists(Exception):
    """The file is there already; replacing its secrets needs ``--force``."""


def check_issuer(issuer: str) -> str:
    """The issuer as production will take it (hub.settings.issuer_problem): https, public."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"HUB_ISSUER: {issuer!r} is not a URL such as https://hub.example.cn")
    issuer = issuer.rstrip("/")
    problem = issuer_problem(issuer)
    if problem:
        raise ValueError(f"HUB_ISSUER {issuer!r}: {problem}")
    return issuer


def fresh_values(issuer: str) -> dict[str, str]:
    values = {name: make() for name, (make, _) in SECRETS.items()}
    values["HUB_ISSUER"] = check_issuer(issuer)
    return values


def render(values: dict[str, str]) -> str:
    lines = ["# 由 hub secrets init 生成, 切勿提交 written by `hub secrets init`; never commit it.",
             "# Changing a secret later locks the hub out of data made with it (hub/envfile.py)."]
    for name, value in values.items():
        about = SECRETS[name][1] if name in SECRETS else "枢纽的公开地址 the hub's public URL"
        lines += [f"# {about}", f"{name}={value}"]
    return "\n".join(lines) + "\n"


def write(path: Path, values: dict[str, str], *, force: bool = False) -> Path:
    """Writes the file 0600 (created so, never readable by others even for a moment)."""
    if path.exists() and not force:
        raise EnvFileExists(str(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (0 if force else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file replaced with --force, too
        handle.write(render(values))
    return path


def read(path: Path) -> dict[str, str]:
    """``NAME=value`` lines as Compose reads them (comments and blanks skipped, quotes off)."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values

"""Settings from the environment (prefix ``HUB_``); the README's configuration table lists them."""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

# Clearly-marked local demo default: used only by `make run` / tests on this machine.
# Production refuses to start with it (see _production_needs_real_secrets).
LOCAL_DEMO_PASSWORD = "hub-local-demo-only"  # noqa: S105
# Local demo keys for resident ID numbers (keyed hash, encryption): production must set its own.
LOCAL_DEMO_ID_HMAC_KEY = "local-demo-id-hmac-key-not-for-production"
LOCAL_DEMO_ID_ENCRYPTION_KEY = "bG9jYWwtZGVtby1pZC1rZXktMzItYnl0ZXMtISEhISE="  # base64, 32 bytes

BOLT_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


def issuer_problem(issuer: str) -> str | None:
    """What makes ``issuer`` unfit as a production issuer identifier, or None."""
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.hostname:
        return "must be an https:// URL (RFC 8414 §2), e.g. https://hub.example.cn"
    if parts.query or parts.fragment or issuer.endswith("/"):
        return "must have no query, fragment or trailing slash"
    if parts.hostname in ("localhost", "127.0.0.1", "::1") or parts.hostname.startswith("127."):
        return "must be the public name clients reach the hub by, not a loopback address"
    return None


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased as browsers compare origins."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class SettingsError(Exception):
    """Settings that cannot be used; the message names each bad variable."""


class ExternalIssuer(BaseModel):
    """A trusted OpenID Connect issuer (e.g. a province identity platform) and its claims."""

    issuer: str
    jwks_uri: str
    audience: str
    algorithms: list[Literal["RS256", "ES256", "PS256"]] = ["RS256"]
    # our subject field -> the claim that carries it in this issuer's tokens
    claims: dict[str, str] = Field(
        default_factory=lambda: {
            "id": "sub", "department": "department", "region": "region", "roles": "roles",
            "organisations": "organisations",
        }
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore", frozen=True)

    env: Literal["dev", "test", "prod"] = "prod"
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr(LOCAL_DEMO_PASSWORD)
    neo4j_database: str = "neo4j"
    neo4j_home: Path = Path("var/neo4j")
    neo4j_heap_mb: int = Field(default=1024, ge=256, le=16384)
    neo4j_pagecache_mb: int = Field(default=512, ge=64, le=16384)
    neo4j_start_timeout_s: int = Field(default=180, ge=5, le=1800)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Server processes of `hub serve` on the one socket; 0: one per core this process may use
    # (its CPU affinity and cgroup quota, so a container's limit counts). docs/operations.md.
    workers: int = Field(default=0, ge=0, le=256)
    # Proxies whose X-Forwarded-For/-Proto are believed (comma-separated addresses or networks,
    # "*" for any): the audit records the client's address, not the proxy's. Empty believes
    # nobody: any local process could otherwise put another address on the record.
    forwarded_allow_ips: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    id_hmac_key: SecretStr = SecretStr(LOCAL_DEMO_ID_HMAC_KEY)
    id_encryption_key: SecretStr = SecretStr(LOCAL_DEMO_ID_ENCRYPTION_KEY)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    max_query_depth: int = Field(default=8, ge=2, le=20)
    max_aliases: int = Field(default=30, ge=1, le=500)
    max_query_tokens: int = Field(default=2000, ge=50, le=100000)
    # Estimated cost (schema/cost.py) allowed when no policy applies (auth off, the hub's own
    # jobs); with a policy, auth/policy.yaml gives each role its budget.
    max_query_cost: int = Field(default=50_000, ge=1)
    # Every read transaction is stopped by the database past this; writes are not (docs in
    # hub/graph.py).
    query_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
    auth_enabled: bool = True
    # The bearer token a Prometheus scraper sends to /metrics (shell/metrics.py); unset, the
    # series are served in dev and test only.
    metrics_token: SecretStr | None = None
    # Schema introspection and GraphiQL: on in dev only unless set (the published SDL is the
    # contract elsewhere; introspection in production maps the attack surface for free).
    graphql_introspection: bool | None = None
    # The hub's public URL: the tokens' `iss`, the discovery document's `issuer` and the base of
    # every endpoint it advertises (auth/discovery.py). Outside production, unset, it is where
    # `hub serve` listens (http://HUB_HOST:HUB_PORT); in production it must be set, https.
    issuer: str = "http://127.0.0.1:8000"
    token_audience: str = "special-education-hub"  # noqa: S105 - an audience, not a secret
    token_ttl_s: int = Field(default=900, ge=60, le=86400)
    # How long a process trusts what it read of a client's or person's status (auth/standing.py):
    # revoked or rotated credentials stop within this, so it may not exceed 10 s.
    token_status_cache_seconds: float = Field(default=5.0, ge=0, le=10)
    keys_dir: Path = Path("var/keys")
    policy_file: Path | None = None
    oidc_issuers: list[ExternalIssuer] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    # Sign-in and client-secret checks (auth/attempts.py, docs/access-policy.md): a bucket per
    # client address, and a doubling wait after the free failures per address and per
    # (address, user name or client id). Kept in the graph: every hub process counts together.
    signin_attempts_per_minute: int = Field(default=60, ge=1, le=100_000)
    signin_attempts_burst: int = Field(default=30, ge=1, le=100_000)
    signin_free_failures: int = Field(default=5, ge=1, le=1000)
    signin_free_failures_per_address: int = Field(default=20, ge=1, le=100_000)
    signin_first_wait_s: float = Field(default=1.0, gt=0, le=3600)
    signin_max_wait_s: int = Field(default=900, ge=1, le=86_400)
    signin_memory_s: int = Field(default=900, ge=1, le=86_400)
    # argon2 checks run in worker threads, this many at once; this many more may wait, and
    # past that a check is refused (503) rather than queued without end.
    password_checks_concurrent: int = Field(default=2, ge=1, le=64)
    password_checks_waiting: int = Field(default=32, ge=0, le=10_000)
    # Origins besides HUB_ISSUER's where the console may be served (comma-separated
    # scheme://host[:port]); the sign-in form redirects only to a callback on one of them.
    console_origins: str = ""
    indicator_rules: Path | None = None  # YAML/JSON figures per region (hub/indicators/rules.py)
    # The access audit log (audit/, docs/audit.md).
    audit_enabled: bool = True
    audit_key: SecretStr | None = None  # HMAC key for variables' digests; HUB_ID_HMAC_KEY if unset
    audit_signing_key_file: Path = Path("var/audit/ed25519.pem")
    # The server syncs each event to its journal before answering and ships it to the graph
    # right after (audit/journal.py); false: it commits each event to the graph first.
    audit_journal: bool = True
    audit_journal_dir: Path = Path("var/audit/journal")
    # Each journal segment is written ahead in full (a sync then writes one line, not the file's
    # size): its size is the room a process keeps for events when its disk fills. A new segment
    # is begun at three quarters of it.
    audit_journal_segment_kb: int = Field(default=4096, ge=16, le=1 << 20)
    audit_max_lag_seconds: float = Field(default=30.0, gt=0, le=3600)
    # How long the shipper waits for more events before one chained write of them all. Each
    # write transaction costs the database a few ms of CPU whatever its size (issue 14: ≈ 7 ms
    # for 1 event, ≈ 0.4 ms an event in batches of 16): under load a longer linger is fewer,
    # larger writes. Answers do not wait for it (they wait for the journal's sync).
    audit_ship_linger_ms: int = Field(default=250, ge=0, le=10_000)
    audit_checkpoint_every: int = Field(default=1000, ge=1, le=10_000_000)
    audit_checkpoint_seconds: int = Field(default=300, ge=1, le=86_400)
    audit_retention_days: int = Field(default=180, ge=1, le=36_500)
    audit_work_hours: str = Field(default="08:00-18:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    audit_timezone: str = "Asia/Shanghai"
    audit_window_minutes: int = Field(default=60, ge=1, le=10_080)
    audit_bulk_children: int = Field(default=50, ge=1)
    audit_bulk_window_children: int = Field(default=200, ge=1)
    audit_denial_burst: int = Field(default=5, ge=1)
    # Signed webhooks (notify/, docs/notifications.md). The worker runs inside `hub serve`;
    # off, events wait in the outbox for `hub webhooks deliver` or another hub.
    webhook_worker: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    webhook_start_delay_seconds: float = Field(default=0.0, ge=0, le=86_400)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_batch: int = Field(default=50, ge=1, le=10_000)
    # Back-off: base·2^(attempt−1), capped, with jitter over its upper half; a delivery is
    # retried until an attempt fails after the window since its first (at least a day, except
    # in tests).
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0, le=86_400)
    webhook_retry_cap_seconds: float = Field(default=6 * 3600.0, gt=0, le=86_400)
    webhook_retry_window_seconds: float = Field(default=24 * 3600.0, gt=0, le=7 * 86_400)
    # GraphQL subscriptions over graphql-transport-ws (notify/stream.py, docs/notifications.md).
    # One poller per process reads the outbox every this many seconds, while anyone listens.
    subscription_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # An event may commit this long after its `occurredAt` (a long write): the poller looks
    # back over it, so such an event is still told, once.
    subscription_lookback_seconds: float = Field(default=30.0, ge=1, le=3600)
    # Open connections per client or person, counted over every hub process (4429 past it).
    subscription_max_connections: int = Field(default=5, ge=1, le=1000)
    # How often a connection's token is checked again (expiry, revoked or rotated client):
    # the connection is closed 4403 within this after the token stops being good.
    subscription_recheck_seconds: float = Field(default=5.0, gt=0, le=60)
    # Events waiting to be sent to one subscription; a subscriber that far behind is ended
    # (it resumes with `after`).
    subscription_buffer: int = Field(default=1000, ge=10, le=100_000)
    # At most this many events are replayed after an `after` cursor, before live ones.
    subscription_replay_max: int = Field(default=10_000, ge=1, le=1_000_000)
    # Seconds a client has to send connection_init after the WebSocket opens (4408 after).
    subscription_init_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    @field_validator("id_encryption_key")
    @classmethod
    def _aes_key(cls, value: SecretStr) -> SecretStr:
        try:
            raw = base64.b64decode(value.get_secret_value(), validate=True)
        except ValueError as exc:
            raise ValueError("must be base64") from exc
        if len(raw) != 32:
            raise ValueError("must be 32 bytes, base64-encoded (openssl rand -base64 32)")
        return value

    @field_validator("neo4j_uri")
    @classmethod
    def _bolt_uri(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in BOLT_SCHEMES or not parts.hostname:
            raise ValueError("must be a bolt:// or neo4j:// URI such as bolt://127.0.0.1:7687")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise ValueError("has a port that is not a number between 1 and 65535") from exc
        return value

    @field_validator("console_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            parts = urlsplit(item)
            if (parts.scheme not in ("http", "https") or not parts.netloc
                    or parts.path not in ("", "/") or parts.query or parts.fragment):
                raise ValueError(f"{item!r} is not an origin such as https://hub.example.cn")
        return value

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env != "prod":
            return self
        if not self.auth_enabled:
            raise ValueError("HUB_AUTH_ENABLED=false is refused in production (HUB_ENV=prod)")
        if not self.audit_enabled:
            raise ValueError("HUB_AUDIT_ENABLED=false is refused in production (HUB_ENV=prod)")
        if self.webhook_retry_window_seconds < 24 * 3600:
            raise ValueError("HUB_WEBHOOK_RETRY_WINDOW_SECONDS: webhooks are retried for at "
                             "least 24 hours in production (HUB_ENV=prod)")
        if self.audit_retention_days < 180:
            raise ValueError("HUB_AUDIT_RETENTION_DAYS: the law asks for at least 180 days online "
                             "in production (HUB_ENV=prod)")
        demo = {
            "HUB_NEO4J_PASSWORD": (self.neo4j_password, LOCAL_DEMO_PASSWORD),
            "HUB_ID_HMAC_KEY": (self.id_hmac_key, LOCAL_DEMO_ID_HMAC_KEY),
            "HUB_ID_ENCRYPTION_KEY": (self.id_encryption_key, LOCAL_DEMO_ID_ENCRYPTION_KEY),
        }
        unset = [name for name, (value, default) in demo.items()
                 if value.get_secret_value() == default]
        if unset:
            raise ValueError(
                f"{', '.join(unset)} must be set in production (HUB_ENV=prod); "
                "the built-in values are local demo defaults"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _issuer_where_served(cls, data: Any) -> Any:
        """Outside production an unset HUB_ISSUER is the address the hub serves on, so that
        discovery names endpoints that answer (a hub on port 8100 advertised :8000 before)."""
        if not isinstance(data, dict) or data.get("issuer") or data.get("env", "prod") == "prod":
            return data
        host = str(data.get("host") or "127.0.0.1")
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - listening everywhere: reach it locally
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return {**data, "issuer": f"http://{host}:{data.get('port') or 8000}"}

    @model_validator(mode="after")
    def _production_issuer(self) -> Settings:
        """In production HUB_ISSUER is what clients are told to trust and where to send
        secrets: set on purpose, https, and not a loopback address (RFC 8414 §2: https, no
        query or fragment). Whether it is the name clients really use cannot be checked from
        inside; discovery logs a warning when asked under another host (auth/discovery.py)."""
        if self.env != "prod":
            return self
        if "issuer" not in self.model_fields_set:
            raise ValueError("HUB_ISSUER must be set in production (HUB_ENV=prod) to the hub's "
                             "public https URL, e.g. https://hub.example.cn")
        problem = issuer_problem(self.issuer)
        if problem:
            raise ValueError(f"HUB_ISSUER {self.issuer!r}: {problem}")
        return self

    @property
    def introspection(self) -> bool:
        if self.graphql_introspection is None:
            return self.env == "dev"
        return self.graphql_introspection

    @property
    def console_origin_set(self) -> frozenset[str]:
        """Where the console may be served: the issuer's origin and HUB_CONSOLE_ORIGINS."""
        given = [part.strip() for part in self.console_origins.split(",") if part.strip()]
        return frozenset(origin_of(url) for url in [self.issuer, *given])

    @property
    def bolt_host(self) -> str:
        return urlsplit(self.neo4j_uri).hostname or "127.0.0.1"

    @property
    def bolt_port(self) -> int:
        return urlsplit(self.neo4j_uri).port or 7687


def load_settings() -> Settings:
    """Reads the environment; turns pydantic's report into one line per bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            name = f"HUB_{field.upper()}" if field else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise SettingsError("; ".join(lines)) from None


@cache
def get_settings() -> Settings:
    return load_settings()

"""What operators watch 运行指标: the hub's Prometheus series, in this process's registry.

Labels are bounded by the code, never by what a client sends: a route is one of the app's
routes, an operation is the GraphQL operation type and its root fields (names in the schema),
never the client's operation name; no label carries an id, a name or any personal data.

With several worker processes (``hub serve --workers N``) set ``PROMETHEUS_MULTIPROC_DIR`` to
an empty directory per start: ``/metrics`` then sums every process's counters and histograms
(prometheus_client's multiprocess mode; gauges read at scrape time are this process's).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a cached page (a few ms) to the read timeout (10 s).
_LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "hub_http_requests", "HTTP 请求 requests by route, method and status",
    ["route", "method", "status"])
HTTP_SECONDS = Histogram(
    "hub_http_request_duration_seconds", "HTTP 请求耗时 request latency by route",
    ["route"], buckets=_LATENCY)
GRAPHQL_OPERATIONS = Counter(
    "hub_graphql_operations", "GraphQL 操作 operations by type, root fields and outcome",
    ["operation", "outcome"])
GRAPHQL_SECONDS = Histogram(
    "hub_graphql_operation_duration_seconds", "GraphQL 操作耗时 operation latency",
    ["operation"], buckets=_LATENCY)
NEO4J_QUERIES = Counter(
    "hub_neo4j_queries", "Neo4j 查询 round trips by access mode", ["access"])
NEO4J_SECONDS = Histogram(
    "hub_neo4j_query_duration_seconds", "Neo4j 查询耗时 round trip latency by access mode",
    ["access"], buckets=_LATENCY)
NEO4J_ERRORS = Counter(
    "hub_neo4j_errors", "Neo4j 错误 failed round trips by error class", ["error"])
NEO4J_SESSIONS = Gauge(
    "hub_neo4j_sessions_in_use", "Neo4j 占用的连接 sessions (pool connections) in use",
    multiprocess_mode="livesum")
NEO4J_POOL_SIZE = Gauge(
    "hub_neo4j_pool_max_size", "Neo4j 连接池上限 the driver's connection pool size",
    multiprocess_mode="max")
AUDIT_UNSHIPPED = Gauge(
    "hub_audit_journal_unshipped_events", "审计日志待入库 journalled events not yet in the graph",
    multiprocess_mode="livesum")
AUDIT_LAG_SECONDS = Gauge(
    "hub_audit_journal_lag_seconds", "审计日志滞后 how long the oldest unshipped event has waited",
    multiprocess_mode="livemax")
# The graph's own count (every hub reports the same figure): read at scrape time.
WEBHOOK_QUEUE = Gauge(
    "hub_webhook_queue", "变更通知队列 outbox events not fanned out (events), deliveries waiting "
    "or retrying (pending), given up after the retry window (failed)", ["state"],
    multiprocess_mode="max")
# GraphQL subscriptions (notify/): open in this process (read at scrape time), and events by
# what became of them when they were due to be sent to a subscription.
SUBSCRIPTIONS = Gauge(
    "hub_subscriptions", "GraphQL 订阅 subscriptions listening to the outbox",
    multiprocess_mode="livesum")
SUBSCRIPTION_EVENTS = Counter(
    "hub_subscription_events", "订阅事件 events sent to a subscription (sent) or not, being "
    "outside its subject's scope (out_of_scope)", ["outcome"])

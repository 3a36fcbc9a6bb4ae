"""Change notifications 变更通知: signed webhooks and GraphQL subscriptions from the outbox
(issue 16 item 4).

The kernel writes each event to the outbox in the transaction of its change (hub/outbox.py);
this folder subscribes department systems (``subscriptions``), decides who may be told
(``audience``: the subscriber's own row scope, auth/scope.py), and delivers, signs, retries and
audits (``delivery``, ``worker``). The same events go to GraphQL subscriptions over WebSocket
(``graphql_ws``: the connection, its token and limits; ``slots``: connections per client;
``stream``: one outbox poller per process; ``feed``: one subscription's events, in scope and
audited). It stands above schema/ (it serves schema/'s ``Subscription`` and imports its
context), the kernel, auth and the audit; only the shell imports it.
"""

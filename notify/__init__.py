"""Change notifications 变更通知: signed webhooks from the outbox (issue 16 item 4).

The kernel writes each event to the outbox in the transaction of its change (hub/outbox.py);
this folder subscribes department systems (``subscriptions``), decides who may be told
(``audience``: the subscriber's own row scope, auth/scope.py), and delivers, signs, retries and
audits (``delivery``, ``worker``). It stands beside schema/: it imports the kernel, auth and the
audit, and only the shell imports it.
"""

// Change notifications (issue 16 item 4): the outbox each change writes in its own transaction,
// the webhook subscriptions of department systems and one delivery per (event, subscription).
CREATE CONSTRAINT outbox_event_id IF NOT EXISTS FOR (e:OutboxEvent) REQUIRE e.id IS UNIQUE;
// Events not yet fanned out to subscriptions carry `pending: true` (removed when they are):
// the worker seeks them, never scans the whole outbox.
CREATE INDEX outbox_event_pending IF NOT EXISTS FOR (e:OutboxEvent) ON (e.pending);
CREATE CONSTRAINT webhook_subscription_id IF NOT EXISTS FOR (s:WebhookSubscription) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT webhook_delivery_id IF NOT EXISTS FOR (d:WebhookDelivery) REQUIRE d.id IS UNIQUE;
// One delivery per event and subscription, whichever worker fans the event out.
CREATE CONSTRAINT webhook_delivery_key IF NOT EXISTS FOR (d:WebhookDelivery) REQUIRE d.key IS UNIQUE;
CREATE INDEX webhook_delivery_due IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.status, d.nextAttemptAt);
CREATE INDEX webhook_delivery_event IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.eventId);

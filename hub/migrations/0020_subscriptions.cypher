// GraphQL subscriptions (issue 16 item 4, notify/stream.py, notify/slots.py).
// Each hub process follows the outbox by the time events occurred: a range seek from its cursor,
// never a scan of the whole outbox (which keeps every event).
CREATE INDEX outbox_event_occurred IF NOT EXISTS FOR (e:OutboxEvent) ON (e.occurredAt);
// The open subscription connections of one client or person, counted by every hub process
// together against HUB_SUBSCRIPTION_MAX_CONNECTIONS: one node per subject, found by its key.
CREATE CONSTRAINT subscription_slots_key IF NOT EXISTS FOR (s:SubscriptionSlots) REQUIRE s.key IS UNIQUE;

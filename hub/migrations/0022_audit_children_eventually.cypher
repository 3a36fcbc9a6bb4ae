// The full-text index on the children an audit event disclosed (0007) was updated inside each
// audit write: Lucene's refresh on every commit cost ≈ 2.5 ms of database CPU an event, more
// than the query being audited (issue 14: the hub's throughput with the audit on was half of it
// off). Eventually consistent, the index is updated by a background thread in batches; the
// auditors' reads (audit/reports.py CHILD_EVENTS) first wait for it to catch up
// (db.index.fulltext.awaitEventuallyConsistentIndexRefresh), so what they see is unchanged.
DROP INDEX audit_event_children IF EXISTS;
CREATE FULLTEXT INDEX audit_event_children IF NOT EXISTS
FOR (e:AuditEvent) ON EACH [e.children]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword', `fulltext.eventually_consistent`: true}};

// The access audit log (audit/, docs/audit.md).
// One head: the last sequence number and hash, locked by every append.
CREATE CONSTRAINT audit_head_id IF NOT EXISTS FOR (h:AuditHead) REQUIRE h.id IS UNIQUE;
// The sequence is the log's order: a second event with the same number cannot be committed.
CREATE CONSTRAINT audit_event_seq IF NOT EXISTS FOR (e:AuditEvent) REQUIRE e.seq IS UNIQUE;
CREATE CONSTRAINT audit_event_id IF NOT EXISTS FOR (e:AuditEvent) REQUIRE e.id IS UNIQUE;
CREATE INDEX audit_event_time IF NOT EXISTS FOR (e:AuditEvent) ON (e.time);
CREATE INDEX audit_event_subject IF NOT EXISTS FOR (e:AuditEvent) ON (e.subjectId);
CREATE INDEX audit_event_department IF NOT EXISTS FOR (e:AuditEvent) ON (e.department);
CREATE INDEX audit_checkpoint_size IF NOT EXISTS FOR (c:AuditCheckpoint) ON (c.size);

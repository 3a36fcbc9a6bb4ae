// Which events disclosed a child: the auditors' `childId` filter and the child's access report
// look events up by an element of `children`, which a range index cannot do. A full-text index
// with the keyword analyzer keeps each id whole; it is updated in the writing transaction.
CREATE FULLTEXT INDEX audit_event_children IF NOT EXISTS
FOR (e:AuditEvent) ON EACH [e.children]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}};

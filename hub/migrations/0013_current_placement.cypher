// The current placement becomes a maintained pointer (:Child)-[:CURRENT_PLACEMENT]->(:Placement)
// that queries expand instead of testing every placement for a missing endDate (issue 13).
// The pointer is derived by the rule hub/current.py owns, so this file copies no Cypher of it:
// hub/migrate.py STEPS runs hub.current.sync_all after these statements, which builds the
// pointer of every child and drops stray ones; it is idempotent, so a re-run changes nothing.
// Relationship-type lookups use the token lookup index every database has: no index to add.

// The migration ledger itself: one node per applied version.
CREATE CONSTRAINT migration_version IF NOT EXISTS
FOR (m:Migration) REQUIRE m.version IS UNIQUE;

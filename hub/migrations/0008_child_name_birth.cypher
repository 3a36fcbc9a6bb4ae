// Near-match lookups (hub/linkage.py, _SAME_NAME_BIRTH, once per ingest batch) match children by
// name AND birth date. With only the single-property indexes the planner seeks one (a common name
// or a birth date each match tens of children) and filters on the other; the composite index
// finds the few children with both in one seek.
CREATE INDEX child_name_birth_date IF NOT EXISTS FOR (c:Child) ON (c.name, c.birthDate);

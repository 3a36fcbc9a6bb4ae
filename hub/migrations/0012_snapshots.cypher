// School-status snapshots (edu-status --as-of, issue 13). Classes from 年级/班级 are one per
// school, school year, grade and name: the connector finds them by that key.
CREATE CONSTRAINT school_class_key IF NOT EXISTS FOR (k:SchoolClass) REQUIRE k.key IS UNIQUE;

// An edu-status placement was one per 学籍号 (sourceRef edu-status/<key>); the 学籍号 follows the
// pupil, so a snapshot now keys a placement per school, stage and placement type as well.
MATCH (f:Placement {source: 'edu-status'})-[:AT]->(s:School)
WHERE f.sourceRef = 'edu-status/' + f.sourceKey
SET f.sourceRef = f.sourceRef + '/' + s.code + '/' + f.stage + '/' + f.type;

// The school register (schools) names a resource centre by its host school's 学校标识码.
CREATE CONSTRAINT resource_center_code IF NOT EXISTS FOR (c:ResourceCenter) REQUIRE c.code IS UNIQUE;

// Names are matched by their simplified form (hub/linkage.py name_key): 陳 and 陈 are one name.
CREATE INDEX child_name_key_birth_date IF NOT EXISTS FOR (c:Child) ON (c.nameKey, c.birthDate);

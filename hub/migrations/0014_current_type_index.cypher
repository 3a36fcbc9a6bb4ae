// The current placement's type and stage, mirrored on the child (hub/current.py) beside the
// pointer, with composite indexes for the children filter (issue 14): a county's children of one
// placement type are then one index seek, their ids read from the index, where a hop from each
// child to its current placement read ~22 relationships per child. The mirror is derived by the
// rule hub/current.py owns: hub/migrate.py STEPS runs hub.current.sync_all after these
// statements (idempotent).
CREATE INDEX child_current_type IF NOT EXISTS FOR (c:Child) ON (c.currentType, c.regionCode, c.id);
CREATE INDEX child_current_stage IF NOT EXISTS FOR (c:Child) ON (c.currentStage, c.regionCode, c.id);
CREATE INDEX child_region_id IF NOT EXISTS FOR (c:Child) ON (c.regionCode, c.id);

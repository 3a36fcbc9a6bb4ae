// Indicators filter placements by type and status and sessions by kind over whole regions.
CREATE INDEX placement_type IF NOT EXISTS FOR (p:Placement) ON (p.type);
CREATE INDEX placement_status IF NOT EXISTS FOR (p:Placement) ON (p.status);
CREATE INDEX session_kind IF NOT EXISTS FOR (s:ServiceSession) ON (s.kind);

// Indicators (issue 14): every placement with no end date carries the label OpenPlacement, kept
// by hub/current.py with the current-placement pointer (the same writes). The census-day pass
// then finds the open placements by their label and the ended ones still in force by the end
// day's index (0002), instead of reading every placement begun by the census day and testing
// its end date (an open placement has none, and reading a missing property walks all of them).
// The label is derived by the rule hub/current.py owns, so this file copies no Cypher of it:
// hub/migrate.py STEPS runs hub.current.label_all after these statements (idempotent). Label
// scans use the token lookup index every database has: no index to add.
// Home delivery (issue 14): the year's HOME_DELIVERY sessions are sought by kind and day, then
// walked to their child, instead of walking every fact of each pupil to find them.
CREATE INDEX session_kind_date IF NOT EXISTS FOR (s:ServiceSession) ON (s.kind, s.date);

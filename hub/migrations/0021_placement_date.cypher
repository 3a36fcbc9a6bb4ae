// Indicators (issue 14): the census-day pass reads every placement begun by the census day. A
// range index on the start day gives it from the index (the seek returns the value with the
// node) instead of reading it from each placement's store, about a third of the pass's reads;
// the planner picks the seek by itself. Open placements have no end date, so the end day's
// index (0002) cannot find them: the start day is the one every placement has.
CREATE INDEX placement_date IF NOT EXISTS FOR (p:Placement) ON (p.date);

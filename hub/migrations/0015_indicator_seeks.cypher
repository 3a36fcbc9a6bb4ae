// Indicators (issue 14): transitions completed in a school year are found by their completion
// day, not by reading every transition's status and day (most are completed, in other years).
CREATE INDEX transition_completed_on IF NOT EXISTS FOR (t:Transition) ON (t.completedOn);

// Search that finds (issue 15): a child by any part of the name, its pinyin or its initials, and
// by the last four characters of the ID number.
// Child.nameSearch is derived from the name by hub/names.py (pinyin needs pypinyin, not Cypher):
// hub/migrate.py STEPS runs hub.names.backfill after these statements, which writes it for every
// child that has a name and none yet; idempotent, so a re-run changes nothing.
// Text indexes (trigram, text-2.0) answer CONTAINS and ENDS WITH without reading every child.
CREATE TEXT INDEX child_name_search IF NOT EXISTS FOR (c:Child) ON (c.nameSearch);
CREATE TEXT INDEX child_id_masked IF NOT EXISTS FOR (c:Child) ON (c.idMasked);

-- Search finds a guild's newest matches first without visiting older ones. The index of
-- search terms also indexes each paragraph's bucket, `id >> 14`: a guild's paragraphs in runs
-- of 16,384 (paragraph ids are the guild's slot, then its sequence, so a bucket belongs to
-- one guild and newer buckets are higher). A search asks for its terms in the guild's newest
-- buckets, `ARRAY[id >> 14] && '{...}'`, and the index alone finds the matching paragraphs
-- there: a term in 2% of a million paragraphs costs a few thousand rows read, not 20,000.
-- It replaces the index of terms alone (a query on `terms` alone uses this one as well).

CREATE INDEX paragraphs_search ON paragraphs USING gin (terms, (ARRAY[id >> 14]));
DROP INDEX paragraphs_terms;

-- A search weighs each term by how many paragraphs hold it, estimated from the planner's
-- statistics once the table is large; beyond the statistics' most common terms every term
-- gets one default estimate. Ten times the default target keeps ten thousand terms' counts.
ALTER TABLE paragraphs ALTER COLUMN terms SET STATISTICS 1000;

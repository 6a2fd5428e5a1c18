-- Articles get a language; search indexes the terms storage/query.py computes; slots are
-- handed out once per guild.
--
-- Search: the FTS5 index holds each paragraph's search terms (storage.query.index_terms:
-- folded, stemmed words; characters and character pairs of Chinese, Japanese, Thai...),
-- separated by spaces, so the `ascii` tokenizer takes them as they are and both stores index
-- exactly the same terms. It is contentless: the store writes and deletes its rows, with the
-- terms computed from paragraphs.text by the function `digestbot_search_form`, which every
-- connection that writes registers. `search_index.version` is the storage.query
-- SEARCH_VERSION the index was built with; at open, an index of another version (0 here:
-- empty) is rebuilt from the paragraphs.

ALTER TABLE articles ADD COLUMN language TEXT;  -- ISO 639-1 code ("en", "zh"), or NULL

DROP TRIGGER paragraphs_fts_insert;
DROP TRIGGER paragraphs_fts_delete;
DROP TRIGGER paragraphs_fts_update;
DROP TABLE paragraph_fts;

CREATE VIRTUAL TABLE paragraph_fts USING fts5 (terms, content = '', tokenize = 'ascii');

CREATE TABLE search_index (
    version INTEGER NOT NULL
);
INSERT INTO search_index (version) VALUES (0);

-- Every settings change and every post used to take a new value of the guilds AUTOINCREMENT
-- counter (an upsert takes one even when it updates). Slots are the high bits of paragraph
-- ids, so the ones taken stay; the counter restarts after the highest slot in use.
UPDATE sqlite_sequence SET seq = (SELECT coalesce(max(slot), 0) FROM guilds)
WHERE name = 'guilds';

-- The first schema: guilds, articles, their bodies and paragraphs, the FTS5 index, links.
--
-- Every article row carries its guild id, and every read filters on it. Paragraph ids (the
-- FTS5 rowids) are (guild slot << 40) | per-guild sequence, so one guild's paragraphs fill one
-- contiguous rowid range and a search reads only that range of the index.

CREATE TABLE guilds (
    slot INTEGER PRIMARY KEY AUTOINCREMENT,  -- small internal id: the high bits of paragraph ids
    guild_id INTEGER NOT NULL UNIQUE,
    next_number INTEGER NOT NULL DEFAULT 1,     -- next article number (#1, #2, ...); never reused
    next_paragraph INTEGER NOT NULL DEFAULT 1,  -- next per-guild paragraph sequence
    article_count INTEGER NOT NULL DEFAULT 0,
    moderator_role_id INTEGER,
    discussion_threads INTEGER NOT NULL DEFAULT 1 CHECK (discussion_threads IN (0, 1))
);

-- What a listing or an autocomplete reads: small rows, so scanning a guild's list is cheap.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds (guild_id),
    number INTEGER NOT NULL,
    channel_id INTEGER,
    author_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,  -- microseconds since 1970-01-01 UTC
    source_kind TEXT NOT NULL CHECK (source_kind IN ('text', 'file', 'message', 'url')),
    paragraph_count INTEGER NOT NULL,
    title TEXT,
    title_fold TEXT NOT NULL,  -- lower-cased title, for case-insensitive autocomplete
    source_ref TEXT,
    text_hash BLOB NOT NULL,  -- SHA-256 of the whitespace-normalised text: duplicates
    UNIQUE (guild_id, number),
    UNIQUE (guild_id, text_hash)
);

CREATE INDEX articles_by_channel ON articles (guild_id, channel_id, number);

-- The large parts, read only when one article is shown.
CREATE TABLE article_bodies (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    engine_version TEXT NOT NULL,
    meta TEXT NOT NULL,      -- JSON object
    analysis TEXT NOT NULL,  -- JSON object: the engine's Digest.to_dict()
    text TEXT NOT NULL       -- the original text, verbatim
);

CREATE TABLE paragraphs (
    id INTEGER PRIMARY KEY,  -- (guild slot << 40) | per-guild sequence; the FTS5 rowid
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    heading TEXT,
    text TEXT NOT NULL,
    UNIQUE (article_id, number)
);

-- External-content index over paragraphs.text, kept in step by the triggers below.
CREATE VIRTUAL TABLE paragraph_fts USING fts5 (
    text,
    content = 'paragraphs',
    content_rowid = 'id',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER paragraphs_fts_insert AFTER INSERT ON paragraphs BEGIN
    INSERT INTO paragraph_fts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER paragraphs_fts_delete AFTER DELETE ON paragraphs BEGIN
    INSERT INTO paragraph_fts (paragraph_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER paragraphs_fts_update AFTER UPDATE ON paragraphs BEGIN
    INSERT INTO paragraph_fts (paragraph_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO paragraph_fts (rowid, text) VALUES (new.id, new.text);
END;

-- A bot message (digest, answer) about an article: "reply to the digest" finds the article.
CREATE TABLE message_links (
    guild_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (guild_id, message_id)
) WITHOUT ROWID;

CREATE INDEX message_links_by_article ON message_links (article_id);

-- The discussion thread opened for an article.
CREATE TABLE thread_links (
    guild_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (guild_id, thread_id)
) WITHOUT ROWID;

CREATE INDEX thread_links_by_article ON thread_links (article_id);

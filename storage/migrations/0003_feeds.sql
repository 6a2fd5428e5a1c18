-- Feeds: a channel follows a site's feed (bot/feeds, cogs/feeds.py; storage/feeds.py).
--
-- feeds: what each guild follows, with its polling state on the same row. feed_seen: per
-- guild and channel, the 16-byte keys of every item handled (guid, link, content), kept
-- when a feed is removed, so an item is never posted twice in a channel. feed_posts: the
-- outbox; a post is recorded before it is sent and marked once sent, and an article is
-- posted at most once per channel.

CREATE TABLE feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a check in flight names its feed
    guild_id INTEGER NOT NULL,
    number INTEGER NOT NULL,            -- per guild, as users see it
    channel_id INTEGER NOT NULL,
    url TEXT NOT NULL,                  -- the feed's own address
    title TEXT,
    site_url TEXT,
    added_by INTEGER NOT NULL,
    added_at INTEGER NOT NULL,          -- microseconds since 1970-01-01 UTC, as all times here
    compact INTEGER NOT NULL DEFAULT 0 CHECK (compact IN (0, 1)),
    every_seconds INTEGER NOT NULL,     -- between checks, as the moderators chose
    paused TEXT CHECK (paused IN ('user', 'failing', 'gone', 'channel')),  -- NULL: active
    notified INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1)),
    etag TEXT,
    last_modified TEXT,
    body_hash BLOB,                     -- SHA-256 of the last body: an unchanged 200 is skipped
    min_interval INTEGER NOT NULL DEFAULT 0,  -- seconds: the publisher's ttl / max-age
    next_check_at INTEGER NOT NULL,
    last_check_at INTEGER,
    last_success_at INTEGER,
    last_item_at INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (guild_id, number),
    UNIQUE (guild_id, url)
);

CREATE INDEX feeds_due ON feeds (next_check_at) WHERE paused IS NULL;

CREATE TABLE feed_seen (
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    key BLOB NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id, key)
) WITHOUT ROWID;

CREATE TABLE feed_posts (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    feed_id INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    number INTEGER,                     -- the article; NULL: a link-only post
    item TEXT NOT NULL,                 -- JSON: link, title, date, notes
    nonce TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'posted', 'dropped')),
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER NOT NULL,
    finished_at INTEGER,
    message_id INTEGER
);

CREATE UNIQUE INDEX feed_posts_once ON feed_posts (guild_id, channel_id, number)
WHERE number IS NOT NULL;
CREATE INDEX feed_posts_pending ON feed_posts (next_try_at) WHERE state = 'pending';
CREATE INDEX feed_posts_by_feed ON feed_posts (feed_id);

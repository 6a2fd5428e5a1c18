"""Settings from the environment and a `.env` file, validated once at start.

`load_settings()` reads the process environment over a `.env` file (python-dotenv; the
environment wins, `os.environ` is never modified) and returns a frozen `Settings`, or raises
`ConfigError` listing *every* problem at once. Each variable is documented in `.env.example`.
The bot (`bot.runner`) and the offline CLI (`bot.cli`, for a URL's fetch settings) both read
their settings here, and only here.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import dotenv_values

from storage.location import parse_location

from .errors import ConfigError

if TYPE_CHECKING:
    from .web import FetchSettings

DEFAULT_DB = Path("data") / "digestbot.sqlite3"
DEFAULT_MAX_ARTICLE_BYTES = 512_000
DEFAULT_ANALYSIS_WORKERS = 2
DEFAULT_ANSWER_WORKERS = 2
DEFAULT_ANALYSIS_TIMEOUT = 30.0
DEFAULT_ANSWER_TIMEOUT = 10.0
DEFAULT_WORKER_MEMORY_MB = 1024
MIN_WORKER_MEMORY_MB = 128
DEFAULT_FETCH_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_FETCH_TIMEOUT = 30.0
DEFAULT_FEED_MIN_INTERVAL = 5  # minutes
DEFAULT_FEED_MAX_PER_GUILD = 20
DEFAULT_FEED_CONCURRENCY = 8
MAX_SHARD_COUNT = 10_000  # more than Discord gives any bot

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot reads from its environment. Build with `load_settings()`."""

    token: str | None = field(default=None, repr=False)  # a secret: never in a log line
    db_path: Path = DEFAULT_DB
    db_url: str | None = field(default=None, repr=False)  # PostgreSQL, instead of db_path
    command_prefix: str = "!"
    moderator_role: int | str | None = None  # a role id, or a role name (case-insensitive)
    dev_guild_id: int | None = None
    owner_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    message_content: bool = False
    api_base: str | None = None  # e.g. "http://127.0.0.1:8080/api/v10"
    gateway_url: str | None = None  # e.g. "ws://127.0.0.1:8080/"
    fetch_allow_hosts: frozenset[str] = frozenset()  # hosts/IPs/CIDRs fetchable though private
    fetch_max_bytes: int = DEFAULT_FETCH_MAX_BYTES  # a web page's size cap
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT  # seconds for a whole fetch
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
    analysis_workers: int = DEFAULT_ANALYSIS_WORKERS  # processes: posted articles, web pages
    answer_workers: int = DEFAULT_ANSWER_WORKERS  # processes: /ask, /summary, /facts
    analysis_timeout: float = DEFAULT_ANALYSIS_TIMEOUT  # seconds for one article or page
    answer_timeout: float = DEFAULT_ANSWER_TIMEOUT  # seconds for one answer, summary, facts
    worker_memory_mb: int = DEFAULT_WORKER_MEMORY_MB  # address space of each worker process
    feeds_enabled: bool = True  # the feed scheduler runs (the /feed commands exist anyway)
    feed_min_interval: int = DEFAULT_FEED_MIN_INTERVAL  # minutes between checks, at least
    feed_max_per_guild: int = DEFAULT_FEED_MAX_PER_GUILD
    feed_concurrency: int = DEFAULT_FEED_CONCURRENCY  # feeds checked at once
    shard_count: int | None = None  # SHARD_COUNT: with shard_ids, the bot runs these shards
    shard_ids: tuple[int, ...] = ()  # SHARD_IDS, ascending; () when not sharded

    @property
    def shards(self) -> tuple[int, frozenset[int]] | None:
        """(shard count, the shard ids this process runs), or None when not sharded."""
        if self.shard_count is None:
            return None
        return self.shard_count, frozenset(self.shard_ids)

    @property
    def all_shards(self) -> bool:
        """Whether this process holds every shard (not sharded, or all of them)."""
        return self.shard_count is None or len(self.shard_ids) == self.shard_count

    @property
    def database(self) -> str:
        """What `storage.open_store` opens: the PostgreSQL URL, else the SQLite path."""
        return self.db_url if self.db_url is not None else str(self.db_path)

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))

    def fetch_settings(self) -> FetchSettings:
        """The web fetcher's limits (`bot.web.FetchSettings`) from these settings: what the
        bot and the offline CLI fetch with."""
        from .web import FetchSettings

        return FetchSettings(
            allow_hosts=self.fetch_allow_hosts,
            max_bytes=self.fetch_max_bytes,
            total_timeout=self.fetch_timeout,
        )


def _bool(name: str, raw: str, problems: list[str]) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    problems.append(f"{name} must be true or false (got {raw!r}).")
    return False


def _snowflake(name: str, raw: str, problems: list[str]) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 2**64:
        problems.append(f"{name} must be a Discord id: digits only (got {raw!r}).")
        return None
    return int(value)


def _positive(name: str, raw: str, default: int, problems: list[str]) -> int:
    value = raw.strip()
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        problems.append(f"{name} must be a positive whole number (got {raw!r}).")
        return default
    return int(value)


def _seconds(name: str, raw: str, default: float, most: float, problems: list[str]) -> float:
    value = raw.strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= most:
        problems.append(f"{name} must be seconds between 0 and {most:g} (got {raw!r}).")
        return default
    return seconds


def _allow_hosts(raw: str, problems: list[str]) -> frozenset[str]:
    """`FETCH_ALLOW_HOSTS`, checked as the fetcher will read it (`bot.web.AllowList`)."""
    hosts = frozenset(h.lower() for h in raw.replace(",", " ").split())
    if not hosts:
        return hosts
    from .web.guard import AllowList  # only then: importing bot.web loads the extractor

    bad = set()
    for host in sorted(hosts):
        try:
            AllowList.parse([host])
        except ValueError:
            bad.add(host)
            problems.append(
                f"FETCH_ALLOW_HOSTS: {host!r} is not a host name, an IP address or a network "
                "like 10.1.0.0/16."
            )
    return hosts - bad


def _url(name: str, raw: str, schemes: tuple[str, ...], example: str, problems: list[str]) -> str:
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    if not re.match(rf"^({'|'.join(schemes)})://[^/\s]+", value):
        problems.append(
            f"{name} must be a {' or '.join(schemes)} URL like {example} (got {raw!r})."
        )
        return ""
    return value


def _shard_ids(raw: str, count: int, problems: list[str]) -> tuple[int, ...]:
    """`SHARD_IDS`: ids and ranges, comma-separated (`0,1`, `0-3`, `0-3,8,10-11`), each below
    `count`, none twice."""
    ids: list[int] = []
    for part in raw.replace(" ", "").split(","):
        match = re.fullmatch(r"(\d{1,6})(?:-(\d{1,6}))?", part)
        if match is None:
            problems.append(
                f"SHARD_IDS must be shard ids and ranges like 0,1 or 0-3 (got {raw!r})."
            )
            return ()
        first = int(match[1])
        last = first if match[2] is None else int(match[2])
        if last < first:
            problems.append(f"SHARD_IDS: the range {part} is backwards (got {raw!r}).")
            return ()
        if last >= count:
            problems.append(
                f"SHARD_IDS: shard {last} does not exist with SHARD_COUNT={count} "
                f"(ids go from 0 to {count - 1})."
            )
            return ()
        ids.extend(range(first, last + 1))
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    if twice:
        problems.append(f"SHARD_IDS names shard {twice[0]} more than once (got {raw!r}).")
        return ()
    return tuple(sorted(ids))


def _shards(
    count_raw: str, ids_raw: str, problems: list[str]
) -> tuple[int | None, tuple[int, ...]]:
    """`SHARD_COUNT` and `SHARD_IDS`: both empty (not sharded), a count alone (every shard),
    or both."""
    count_raw, ids_raw = count_raw.strip(), ids_raw.strip()
    if not count_raw:
        if ids_raw:
            problems.append("SHARD_IDS needs SHARD_COUNT: how many shards the bot has in all.")
        return None, ()
    if not count_raw.isdigit() or not 1 <= int(count_raw) <= MAX_SHARD_COUNT:
        problems.append(
            f"SHARD_COUNT must be a whole number from 1 to {MAX_SHARD_COUNT} (got {count_raw!r})."
        )
        return None, ()
    count = int(count_raw)
    if not ids_raw:
        return count, tuple(range(count))
    ids = _shard_ids(ids_raw, count, problems)
    return (count, ids) if ids else (None, ())


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: str | Path | None = ".env",
    create_dirs: bool = True,
) -> Settings:
    """Read and validate the settings. Raises `ConfigError` naming every problem found.

    `environ` defaults to `os.environ`; values in it override those of `env_file` (skipped
    when `None` or missing). The database's directory is created when `create_dirs`.
    """
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default)

    problems: list[str] = []

    token: str | None = get("DISCORD_TOKEN").strip() or None
    if token is not None:
        token = token.removeprefix("Bot ").strip()
        if any(ch.isspace() for ch in token):
            problems.append("DISCORD_TOKEN must be the bot token alone, without spaces.")

    db_raw = get("DIGESTBOT_DB").strip()
    db_path, db_url = DEFAULT_DB, None
    if db_raw:
        try:
            location = parse_location(db_raw)
        except ValueError as exc:
            problems.append(f"DIGESTBOT_DB: {exc}.")
        else:
            db_url = location.url
            db_path = location.path or DEFAULT_DB
    if create_dirs and db_url is None:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problems.append(f"DIGESTBOT_DB: cannot create directory {db_path.parent}: {exc}.")

    prefix = get("COMMAND_PREFIX", "!")
    if not prefix.strip() or len(prefix) > 10 or any(ch.isspace() for ch in prefix):
        problems.append(f"COMMAND_PREFIX must be 1-10 characters without spaces (got {prefix!r}).")

    role_raw = get("MODERATOR_ROLE").strip()
    moderator_role: int | str | None = None
    if role_raw:
        moderator_role = int(role_raw) if role_raw.isdigit() else role_raw.lstrip("@")

    owner_ids: set[int] = set()
    for part in get("OWNER_IDS").replace(",", " ").split():
        owner = _snowflake("OWNER_IDS", part, problems)
        if owner is not None:
            owner_ids.add(owner)

    level = get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in _LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(_LEVELS)} (got {level!r}).")
        level = "INFO"

    api = "DISCORD_API_BASE"
    gw = "DISCORD_GATEWAY_URL"
    api_base = _url(api, get(api), ("http", "https"), "http://127.0.0.1:8080/api/v10", problems)
    gateway = _url(gw, get(gw), ("ws", "wss"), "ws://127.0.0.1:8080/", problems)

    hosts = _allow_hosts(get("FETCH_ALLOW_HOSTS"), problems)
    fetch_timeout = _seconds(
        "FETCH_TIMEOUT", get("FETCH_TIMEOUT"), DEFAULT_FETCH_TIMEOUT, 300, problems
    )
    memory_mb = _positive(
        "WORKER_MEMORY_MB", get("WORKER_MEMORY_MB"), DEFAULT_WORKER_MEMORY_MB, problems
    )
    if memory_mb < MIN_WORKER_MEMORY_MB:
        problems.append(
            f"WORKER_MEMORY_MB must be at least {MIN_WORKER_MEMORY_MB} (got {memory_mb})."
        )
        memory_mb = DEFAULT_WORKER_MEMORY_MB

    feed_min = _positive(
        "FEED_MIN_INTERVAL", get("FEED_MIN_INTERVAL"), DEFAULT_FEED_MIN_INTERVAL, problems
    )
    if feed_min < DEFAULT_FEED_MIN_INTERVAL or feed_min > 1440:
        problems.append(f"FEED_MIN_INTERVAL must be minutes from 5 to 1440 (got {feed_min}).")
        feed_min = DEFAULT_FEED_MIN_INTERVAL

    shard_count, shard_ids = _shards(get("SHARD_COUNT"), get("SHARD_IDS"), problems)
    if shard_count is not None and db_url is None and len(shard_ids) < shard_count:
        problems.append(
            f"SHARD_IDS={get('SHARD_IDS').strip()} runs {len(shard_ids)} of {shard_count} "
            "shards: the other processes cannot share a SQLite database; set DIGESTBOT_DB to "
            "a PostgreSQL URL (see README, Running at scale)."
        )

    settings = Settings(
        token=token,
        db_path=db_path,
        db_url=db_url,
        command_prefix=prefix,
        moderator_role=moderator_role,
        dev_guild_id=_snowflake("DEV_GUILD_ID", get("DEV_GUILD_ID"), problems),
        owner_ids=frozenset(owner_ids),
        log_level=level,
        message_content=_bool("MESSAGE_CONTENT", get("MESSAGE_CONTENT"), problems),
        api_base=api_base or None,
        gateway_url=gateway or None,
        fetch_allow_hosts=hosts,
        fetch_max_bytes=_positive(
            "FETCH_MAX_BYTES", get("FETCH_MAX_BYTES"), DEFAULT_FETCH_MAX_BYTES, problems
        ),
        fetch_timeout=fetch_timeout,
        max_article_bytes=_positive(
            "ARTICLE_MAX_BYTES", get("ARTICLE_MAX_BYTES"), DEFAULT_MAX_ARTICLE_BYTES, problems
        ),
        analysis_workers=_positive(
            "ANALYSIS_WORKERS", get("ANALYSIS_WORKERS"), DEFAULT_ANALYSIS_WORKERS, problems
        ),
        answer_workers=_positive(
            "ANSWER_WORKERS", get("ANSWER_WORKERS"), DEFAULT_ANSWER_WORKERS, problems
        ),
        analysis_timeout=_seconds(
            "ANALYSIS_TIMEOUT", get("ANALYSIS_TIMEOUT"), DEFAULT_ANALYSIS_TIMEOUT, 600, problems
        ),
        answer_timeout=_seconds(
            "ANSWER_TIMEOUT", get("ANSWER_TIMEOUT"), DEFAULT_ANSWER_TIMEOUT, 600, problems
        ),
        worker_memory_mb=memory_mb,
        feeds_enabled=_bool("FEEDS_ENABLED", get("FEEDS_ENABLED", "true"), problems),
        feed_min_interval=feed_min,
        feed_max_per_guild=_positive(
            "FEED_MAX_PER_GUILD", get("FEED_MAX_PER_GUILD"), DEFAULT_FEED_MAX_PER_GUILD, problems
        ),
        feed_concurrency=_positive(
            "FEED_CONCURRENCY", get("FEED_CONCURRENCY"), DEFAULT_FEED_CONCURRENCY, problems
        ),
        shard_count=shard_count,
        shard_ids=shard_ids,
    )
    if problems:
        raise ConfigError(problems)
    return settings

"""Where the database is: `DIGESTBOT_DB` as a SQLite file or a PostgreSQL server.

./data/digestbot.sqlite3                     a SQLite file (a path, relative or absolute)
sqlite:///data/digestbot.sqlite3             the same, as a URL (relative: three slashes)
sqlite:////var/lib/digestbot/db.sqlite3      an absolute path (four slashes)
postgresql://user:password@host:5432/name    a PostgreSQL database (postgres:// too)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["Location", "parse_location"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True, slots=True)
class Location:
    """A parsed `DIGESTBOT_DB`: `path` for SQLite, `url` for PostgreSQL."""

    path: Path | None = None
    url: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.url is not None

    def describe(self) -> str:
        """For messages and logs: the path, or the URL without its password."""
        if self.url is not None:
            from .postgres import redact_url

            return redact_url(self.url)
        return str(self.path)


def parse_location(value: str | os.PathLike[str]) -> Location:
    """Parse a path or URL; raises `ValueError` with a message fit for a settings error."""
    if not isinstance(value, str):
        return Location(path=Path(value))
    text = value.strip()
    scheme = _SCHEME.match(text)
    if scheme is None:
        if not text:
            raise ValueError("the database location is empty")
        return Location(path=Path(text).expanduser())
    name = scheme[1].lower()
    if name == "sqlite":
        path = text[len("sqlite:///") :] if text.lower().startswith("sqlite:///") else ""
        if not path:
            raise ValueError(
                "a sqlite URL needs a path: sqlite:///relative/path or sqlite:////absolute/path"
            )
        return Location(path=Path(path).expanduser())
    if name in ("postgresql", "postgres"):
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
        except ValueError as exc:
            raise ValueError(f"not a valid PostgreSQL URL ({exc})") from exc
        if not parts.netloc and "host=" not in parts.query:
            raise ValueError(
                "a PostgreSQL URL needs a server: postgresql://user:password@host:5432/database"
            )
        return Location(url=text)
    raise ValueError(
        f"unknown database scheme {scheme[1]!r}: use a file path, sqlite:///path or "
        f"postgresql://user:password@host:5432/database"
    )

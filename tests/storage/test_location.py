"""`DIGESTBOT_DB`: a SQLite path or URL, or a PostgreSQL URL; anything else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from storage import parse_location
from storage.postgres import redact_url


@pytest.mark.parametrize(
    ("value", "path", "url"),
    [
        ("data/x.sqlite3", Path("data/x.sqlite3"), None),
        ("/var/lib/x.sqlite3", Path("/var/lib/x.sqlite3"), None),
        ("sqlite:///data/x.sqlite3", Path("data/x.sqlite3"), None),
        ("sqlite:////var/lib/x.sqlite3", Path("/var/lib/x.sqlite3"), None),
        ("postgresql://u:p@db:5432/bot", None, "postgresql://u:p@db:5432/bot"),
        ("postgres://u@db/bot", None, "postgres://u@db/bot"),
        ("postgresql:///bot?host=/run/postgresql", None, "postgresql:///bot?host=/run/postgresql"),
    ],
)
def test_locations(value: str, path: Path | None, url: str | None) -> None:
    location = parse_location(value)
    assert (location.path, location.url) == (path, url)
    assert location.is_postgres == (url is not None)


@pytest.mark.parametrize(
    "value",
    ["", "sqlite://", "sqlite:///", "mysql://h/db", "postgresql://h:port/db", "postgresql://"],
)
def test_bad_locations(value: str) -> None:
    with pytest.raises(ValueError):
        parse_location(value)


def test_settings_take_a_url_and_never_show_its_password(tmp_path: Path) -> None:
    url = "postgresql://bot:s3cret@db.internal:5432/digestbot"
    settings = load_settings({"DIGESTBOT_DB": url}, env_file=None)
    assert settings.db_url == url and settings.database == url
    assert "s3cret" not in repr(settings)
    assert parse_location(url).describe() == "postgresql://bot:***@db.internal:5432/digestbot"
    assert redact_url("postgresql://db/x") == "postgresql://db/x"
    path = tmp_path / "d" / "x.sqlite3"
    settings = load_settings({"DIGESTBOT_DB": f"sqlite:///{path}"}, env_file=None)
    assert settings.db_url is None and settings.db_path == path and path.parent.is_dir()
    with pytest.raises(ConfigError, match="DIGESTBOT_DB: unknown database scheme"):
        load_settings({"DIGESTBOT_DB": "mongodb://x/y"}, env_file=None)

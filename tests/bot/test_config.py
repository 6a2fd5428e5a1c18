"""Settings: defaults, parsing, and every problem reported at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import DEFAULT_DB, Settings, load_settings
from bot.errors import ConfigError


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=None, create_dirs=False)
    assert settings == Settings()
    assert settings.token is None and settings.db_path == DEFAULT_DB
    assert settings.command_prefix == "!" and not settings.message_content


def test_values_are_parsed(tmp_path: Path) -> None:
    env = {
        "DISCORD_TOKEN": "Bot abc.def.ghi",
        "DIGESTBOT_DB": str(tmp_path / "nested" / "db.sqlite3"),
        "COMMAND_PREFIX": "?",
        "MODERATOR_ROLE": "@Editors",
        "DEV_GUILD_ID": "123456789012345678",
        "OWNER_IDS": "1, 2 3",
        "LOG_LEVEL": "debug",
        "MESSAGE_CONTENT": "yes",
        "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
        "FETCH_ALLOW_HOSTS": "127.0.0.1, example.test 10.0.0.0/8",
        "ARTICLE_MAX_BYTES": "1000",
    }
    s = load_settings(env, env_file=None)
    assert s.token == "abc.def.ghi"
    assert s.db_path.parent.is_dir()  # created
    assert s.command_prefix == "?" and s.moderator_role == "Editors"
    assert s.dev_guild_id == 123456789012345678 and s.owner_ids == {1, 2, 3}
    assert s.log_level == "DEBUG" and s.log_level_number == 10 and s.message_content
    assert s.api_base == "http://127.0.0.1:8080/api/v10"
    assert s.gateway_url == "ws://127.0.0.1:8080/gateway"
    assert s.fetch_allow_hosts == {"127.0.0.1", "example.test", "10.0.0.0/8"}
    assert s.max_article_bytes == 1000
    assert load_settings({"MODERATOR_ROLE": "42"}, env_file=None).moderator_role == 42


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("DISCORD_TOKEN=from-file\nCOMMAND_PREFIX=$\n")
    s = load_settings({"COMMAND_PREFIX": "%"}, env_file=dotenv, create_dirs=False)
    assert s.token == "from-file" and s.command_prefix == "%"


def test_every_problem_is_reported_at_once() -> None:
    env = {
        "DISCORD_TOKEN": "has spaces in it",
        "COMMAND_PREFIX": "two words",
        "DEV_GUILD_ID": "my-server",
        "LOG_LEVEL": "LOUD",
        "MESSAGE_CONTENT": "maybe",
        "DISCORD_API_BASE": "127.0.0.1:8080",
        "DISCORD_GATEWAY_URL": "http://127.0.0.1/gateway",
        "ARTICLE_MAX_BYTES": "-5",
        "FETCH_TIMEOUT": "forever",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env, env_file=None, create_dirs=False)
    problems = caught.value.problems
    assert len(problems) == len(env)
    text = str(caught.value)
    for name in env:
        assert name in text
    assert "must be true or false" in text and "digits only" in text


def test_unwritable_database_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="DIGESTBOT_DB"):
        load_settings({"DIGESTBOT_DB": str(blocker / "db.sqlite3")}, env_file=None)


def test_env_example_documents_every_setting_and_loads() -> None:
    example = Path(__file__).parents[2] / ".env.example"
    names = {line.split("=")[0].lstrip("# ") for line in example.read_text().splitlines()}
    source = (Path(__file__).parents[2] / "bot" / "config.py").read_text()
    used = set(re.findall(r'"([A-Z][A-Z_]+)"', source)) - {"INFO", "DEBUG", "WARNING", "ERROR"}
    used -= {"CRITICAL"}
    assert used <= names, used - names
    settings = load_settings({}, env_file=example, create_dirs=False)
    assert settings.token is None and settings.command_prefix == "!"


def test_the_workers_settings() -> None:
    env = {
        "ANALYSIS_WORKERS": "3",
        "ANSWER_WORKERS": "1",
        "ANALYSIS_TIMEOUT": "12.5",
        "ANSWER_TIMEOUT": "4",
        "WORKER_MEMORY_MB": "512",
    }
    s = load_settings(env, env_file=None, create_dirs=False)
    assert (s.analysis_workers, s.answer_workers) == (3, 1)
    assert (s.analysis_timeout, s.answer_timeout, s.worker_memory_mb) == (12.5, 4.0, 512)
    bad = {
        "ANSWER_WORKERS": "0",
        "ANALYSIS_TIMEOUT": "0",
        "ANSWER_TIMEOUT": "soon",
        "WORKER_MEMORY_MB": "64",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(bad, env_file=None, create_dirs=False)
    assert len(caught.value.problems) == len(bad)
    assert "at least 128" in str(caught.value)


def test_an_invalid_fetch_allow_hosts_is_reported_with_the_rest() -> None:
    env = {"FETCH_ALLOW_HOSTS": "wiki.internal, bad!host, 10.0.0.0/33", "LOG_LEVEL": "LOUD"}
    with pytest.raises(ConfigError) as caught:
        load_settings(env, env_file=None, create_dirs=False)
    text = str(caught.value)
    assert len(caught.value.problems) == 3 and "LOG_LEVEL" in text
    assert "'bad!host'" in text and "'10.0.0.0/33'" in text and "wiki.internal" not in text
    good = load_settings({"FETCH_ALLOW_HOSTS": "Wiki.Internal, ::1"}, env_file=None)
    assert good.fetch_allow_hosts == {"wiki.internal", "::1"}
    assert good.fetch_settings().allow.allows_name("wiki.internal")


def test_the_token_never_shows_in_a_repr() -> None:
    settings = load_settings({"DISCORD_TOKEN": "MTIz.secret-token"}, env_file=None)
    assert settings.token == "MTIz.secret-token"
    assert "secret-token" not in repr(settings) and "secret-token" not in str(settings)
    assert "db_path" in repr(settings)  # the rest is there to read


# --- shards --------------------------------------------------------------------------------

PG = "postgresql://bot:pw@127.0.0.1:5432/digestbot"


def _shards(**env: str) -> Settings:
    return load_settings({"DIGESTBOT_DB": PG, **env}, env_file=None, create_dirs=False)


def _shard_problems(**env: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _shards(**env)
    return caught.value.problems


def test_not_sharded_by_default() -> None:
    settings = load_settings({}, env_file=None, create_dirs=False)
    assert settings.shard_count is None and settings.shard_ids == ()
    assert settings.shards is None and settings.all_shards


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("2", "0", (0,)),
        ("2", "1", (1,)),
        ("4", "0,1", (0, 1)),
        ("4", "0-3", (0, 1, 2, 3)),
        ("16", " 8-9, 0,3 - 4 ,15", (0, 3, 4, 8, 9, 15)),
        ("3", "2-2", (2,)),
        ("3", "", (0, 1, 2)),  # a count alone: every shard
    ],
)
def test_shard_ids_are_parsed(count: str, ids: str, expected: tuple[int, ...]) -> None:
    settings = _shards(SHARD_COUNT=count, SHARD_IDS=ids)
    assert settings.shard_count == int(count) and settings.shard_ids == expected
    assert settings.shards == (int(count), frozenset(expected))
    assert settings.all_shards == (len(expected) == int(count))


@pytest.mark.parametrize(
    ("count", "ids", "problem"),
    [
        ("2", "2", "SHARD_IDS: shard 2 does not exist with SHARD_COUNT=2 (ids go from 0 to 1)."),
        ("4", "0-4", "SHARD_IDS: shard 4 does not exist with SHARD_COUNT=4"),
        ("4", "0,1,1", "SHARD_IDS names shard 1 more than once"),
        ("8", "0-3,2-5", "SHARD_IDS names shard 2 more than once"),
        ("4", "3-1", "SHARD_IDS: the range 3-1 is backwards"),
        ("4", "zero", "SHARD_IDS must be shard ids and ranges like 0,1 or 0-3"),
        ("4", "0,,1", "SHARD_IDS must be shard ids and ranges"),
        ("4", "-1", "SHARD_IDS must be shard ids and ranges"),
        ("4", "0-", "SHARD_IDS must be shard ids and ranges"),
        ("0", "0", "SHARD_COUNT must be a whole number from 1 to 10000 (got '0')."),
        ("two", "0", "SHARD_COUNT must be a whole number from 1 to 10000"),
        ("99999", "", "SHARD_COUNT must be a whole number from 1 to 10000"),
        ("", "0,1", "SHARD_IDS needs SHARD_COUNT"),
    ],
)
def test_bad_shard_settings_are_one_clear_line(count: str, ids: str, problem: str) -> None:
    problems = _shard_problems(SHARD_COUNT=count, SHARD_IDS=ids)
    assert len(problems) == 1 and problems[0].startswith(problem), problems
    assert "\n" not in problems[0]


def test_bad_shard_settings_are_reported_with_the_rest() -> None:
    problems = _shard_problems(SHARD_COUNT="2", SHARD_IDS="5", LOG_LEVEL="loud")
    assert any(p.startswith("LOG_LEVEL") for p in problems)
    assert any(p.startswith("SHARD_IDS: shard 5") for p in problems)


def test_some_shards_on_sqlite_are_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"DIGESTBOT_DB": db, "SHARD_COUNT": "2", "SHARD_IDS": "1"},
            env_file=None,
            create_dirs=False,
        )
    [problem] = caught.value.problems
    assert "SHARD_IDS=1 runs 1 of 2 shards" in problem and "PostgreSQL" in problem
    # every shard in one process may keep SQLite: no other process shares it
    for env in ({"SHARD_COUNT": "2"}, {"SHARD_COUNT": "2", "SHARD_IDS": "0-1"}):
        settings = load_settings({"DIGESTBOT_DB": db, **env}, env_file=None, create_dirs=False)
        assert settings.shards == (2, frozenset({0, 1})) and settings.db_url is None
    assert _shards(SHARD_COUNT="2", SHARD_IDS="1").shards == (2, frozenset({1}))

"""`python -m storage copy`: a filled SQLite database moved to PostgreSQL and back answers
every read as before; a second run changes nothing; an interrupted copy is finished by running
it again; a target that disagrees with the source is refused untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storage import StorageError, open_store
from storage.common import ArticleRecord
from storage.copy import copy_store

from .conftest import AnyStore, Backend, article, new_backend

REPO = Path(__file__).resolve().parents[2]
GUILDS = [101, 202, 303]
CHANNELS = [11, 12]
QUERIES = ["river", "bridge budget", "特斯拉", "去世", "Москва", "quartermaster", "zzz"]


async def fill(store: AnyStore) -> None:
    """Three guilds: articles (some deleted, so numbers have gaps), settings, links."""
    texts = [
        "The council approved the bridge over the river.\n\nThe budget is £40m.",
        "特斯拉于1943年1月7日在纽约去世。\n\n他的交流电系统至今仍在使用。",
        "Москва́ — столица России.\n\nКремль находится в центре.",
        "A quartermaster memo \x00 with a NUL.\n\nAnd \uffff a noncharacter.",
        "Short one.",
    ]
    for g, guild in enumerate(GUILDS):
        for i in range(12):
            text = f"{texts[(i + g) % len(texts)]}\n\nGuild {guild} article {i}."
            await store.add_article(
                article(
                    guild,
                    text,
                    title=f"Title {i} of {guild}" if i % 3 else None,
                    channel_id=CHANNELS[i % 2] if i % 4 else None,
                    headings={2: f"Part {i}"},
                    language=("en", "zh", "ru", None, "en")[(i + g) % 5],
                    meta={"i": i, "site": "example.com"},
                    analysis={"summary": {"tldr": [text[:20]]}, "facts": [{"paragraph": 1}]},
                    source_kind=("text", "file", "message", "url")[i % 4],
                    source_ref=f"https://example.com/{i}" if i % 2 else None,
                )
            )
        for number in (3, 12):  # the last one too: its number is never handed out again
            await store.delete_article(guild, number)
        await store.link_message(guild, 5000 + g, 2)
        await store.link_message(guild, 6000 + g, 5)
        await store.link_thread(guild, 7000 + g, 7)
    await store.update_settings(GUILDS[0], moderator_role_id=999, discussion_threads=False)
    await store.update_settings(404, discussion_threads=False)  # settings, no article


async def reads(store: AnyStore) -> list[Any]:
    """Every read of every guild, in a comparable form."""
    out: list[Any] = []
    for guild in [*GUILDS, 404, 505]:
        page = await store.list_articles(guild, limit=100)
        out.append(
            (
                "list",
                guild,
                page.total,
                [
                    (
                        i.number,
                        i.title,
                        i.paragraph_count,
                        i.created_at,
                        i.channel_id,
                        i.source_kind,
                        i.source_ref,
                    )
                    for i in page.items
                ],
            )
        )
        for info in page.items:
            out.append(("get", guild, await store.get_article(guild, info.number)))
        out.append(("latest", guild, await store.latest_article(guild)))
        for channel in CHANNELS:
            out.append(
                ("latest", guild, channel, await store.latest_article(guild, channel_id=channel))
            )
        out.append(("titles", guild, [i.number for i in await store.find_titles(guild, "title")]))
        out.append(("settings", guild, await store.get_settings(guild)))
        for key in (5000, 5001, 5002, 6000, 6001, 6002, 7000, 7001, 7002):
            out.append(
                (
                    "links",
                    guild,
                    key,
                    await store.article_for_message(guild, key),
                    await store.article_for_thread(guild, key),
                )
            )
        for query in QUERIES:
            hits = await store.search(guild, query)
            out.append(
                (
                    "search",
                    guild,
                    query,
                    sorted((h.number, h.paragraph, h.title, h.snippet) for h in hits),
                )
            )
    return out  # fmt: skip


@pytest.fixture
async def filled(tmp_path: Path) -> Path:
    path = tmp_path / "source.sqlite3"
    async with await open_store(path) as store:
        await fill(store)
    return path


async def test_copy_to_postgresql_and_back(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    async with await open_store(filled) as source:
        expected = await reads(source)
        async with await pg.open() as target:
            report = await copy_store(source, target, batch=5)
            assert report.mismatches == [] and report.articles_copied == 30
            assert await reads(target) == expected
            again = await copy_store(source, target)
            assert not again.changed and again.articles_skipped == 30 and again.mismatches == []
            # The numbering carries on where it was, in both.
            for store in (source, target):
                added = await store.add_article(article(GUILDS[0], "After the move."))
                assert added.article.number == 13
    back = tmp_path / "back.sqlite3"
    async with await open_store(filled) as source:
        await source.delete_article(GUILDS[0], 13)
        expected = await reads(source)
    async with await pg.open() as pg_store, await open_store(back) as copy_back:
        await pg_store.delete_article(GUILDS[0], 13)
        report = await copy_store(pg_store, copy_back)
        assert report.mismatches == []
        assert await reads(copy_back) == expected


class Interrupted(Exception):
    pass


async def test_an_interrupted_copy_is_finished_by_running_it_again(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    async with await open_store(filled) as source, await pg.open() as target:
        calls = 0
        real = target.import_articles

        async def failing(guild_id: int, records: list[ArticleRecord]) -> None:
            nonlocal calls
            calls += 1
            if calls == 4:
                raise Interrupted
            await real(guild_id, records)

        target.import_articles = failing  # type: ignore[method-assign]
        with pytest.raises(Interrupted):
            await copy_store(source, target, batch=4)
        target.import_articles = real  # type: ignore[method-assign]
        assert 0 < await pg.count("articles") < 30
        report = await copy_store(source, target, batch=4)
        assert report.mismatches == [] and report.articles_skipped == 10  # guild 101, whole
        assert await reads(target) == await reads(source)


async def test_a_target_that_disagrees_is_refused_untouched(
    filled: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    for kind in ("sqlite", "postgresql"):
        backend: Backend = new_backend(kind, tmp_path / kind, request)
        async with await backend.open() as target:
            await target.add_article(article(GUILDS[1], "Not from the source."))
            before = await reads(target)
            async with await open_store(filled) as source:
                with pytest.raises(StorageError, match="copy into an empty database"):
                    await copy_store(source, target)
            assert await reads(target) == before


def test_the_command_line(filled: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    pg = new_backend("postgresql", tmp_path, request)
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "storage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    done = run("copy", str(filled), pg.location, "--batch", "7")
    assert done.returncode == 0, done.stderr
    assert "30 articles copied" in done.stdout and "verified" in done.stdout
    assert "copied 30 of 30 articles (100%)" in done.stderr  # plain lines: not a terminal
    assert pg.server is not None and pg.server.password not in done.stdout + done.stderr
    done = run("copy", str(filled), pg.location)
    assert done.returncode == 0 and "0 articles copied, 30 already there" in done.stdout
    assert run("copy", str(filled), str(filled)).returncode == 2
    assert run("copy", str(filled), "mysql://x/y").returncode == 2
    wrong = pg.location.replace(pg.server.password, "wrong")
    done = run("copy", str(filled), wrong)
    assert done.returncode == 1 and "refused the password" in done.stderr

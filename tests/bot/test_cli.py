"""The offline CLI: the same ¶ references as the bot, from the engine's numbers; a URL fetched
with the bot's settings, `.env` included."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.article import Digest, Fact, SectionSummary, Summary, parse
from bot.cli import render_digest

REPEATED = "Prices rose 5% in May."
TEXT = f"{REPEATED} Then calm.\n\nAnother point here.\n\nLater on: {REPEATED}"


def test_the_digest_shows_the_paragraph_the_engine_took_each_sentence_from() -> None:
    article = parse(TEXT)
    summary = Summary(
        tldr=[REPEATED],
        tldr_paragraphs=[3],  # the second time the words occur (a search would say ¶1)
        sections=[
            SectionSummary(None, ["Another point here."], [2], [2]),
            SectionSummary("Odd ones", ["Then calm."], [1, 3, 5, 6], [1]),
        ],
    )
    digest = Digest(None, summary, [Fact("Prices rose 5%", 1)], 3, 2, "4", language="zh")
    out = io.StringIO()
    render_digest(article, digest, out)
    text = out.getvalue()
    assert f"  • {REPEATED} (¶3)\n" in text
    assert "3 paragraphs, 2 sections, Chinese\n" in text
    assert "  ¶2\n" in text and "  Odd ones (¶1, ¶3, ¶5–6)\n" in text  # `bot.refs.para_ref`
    assert "  • Prices rose 5% (¶1)\n" in text


ARTICLE_HTML = b"""<!doctype html><html><head><title>Bridge repairs approved</title></head>
<body><article><h1>Bridge repairs approved</h1>
<p>The city council approved a $48 million plan on Tuesday to repair the old river bridge,
which has been closed to trucks since March.</p>
<p>Work starts in June and should finish within two years, the mayor said at the meeting.</p>
</article></body></html>"""


@pytest.fixture
async def site() -> AsyncIterator[str]:
    """An article on 127.0.0.1 (not public: fetched only when FETCH_ALLOW_HOSTS allows it)."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=ARTICLE_HTML, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/bridge", page)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/bridge"
    finally:
        await runner.cleanup()


async def _digest(url: str, cwd: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FETCH_", "DISCORD_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "digest",
        url,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_a_url_is_fetched_with_the_settings_of_the_env_file(
    site: str, tmp_path: Path
) -> None:
    """The README's promise: FETCH_ALLOW_HOSTS in `.env` lets the CLI fetch that host, as it
    lets the bot (the settings are read once, by `load_settings`; no token is needed)."""
    code, _, err = await _digest(site, tmp_path)
    assert code == 2 and "loopback" in err  # refused: 127.0.0.1 is not public
    (tmp_path / ".env").write_text("# local wiki\nFETCH_ALLOW_HOSTS=127.0.0.1\n")
    code, out, err = await _digest(site, tmp_path)
    assert code == 0, err
    assert out.startswith("Bridge repairs approved\n") and "$48 million" in out
    (tmp_path / ".env").write_text("FETCH_ALLOW_HOSTS=127.0.0.1\nFETCH_TIMEOUT=soon\n")
    code, out, err = await _digest(site, tmp_path)  # settings are checked, in one line
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "FETCH_TIMEOUT must be seconds" in err

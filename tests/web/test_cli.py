"""`python -m bot digest|ask` on a URL and on an HTML file, run as a user runs it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from .conftest import FIXTURES, Site

REPO = Path(__file__).resolve().parents[2]


async def run_cli(*args: str, allow: str = "127.0.0.1") -> tuple[int, str, str]:
    env = {**os.environ, "FETCH_ALLOW_HOSTS": allow}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_digest_of_a_url(site: Site) -> None:
    code, out, err = await run_cli("digest", "--json", site.url("/news"))
    assert code == 0, err
    digest = json.loads(out)
    assert digest["title"] == "City council approves $48 million bridge repair plan"
    headings = [s["heading"] for s in digest["summary"]["sections"]]
    assert "Who pays for it" in headings
    text = json.dumps(digest)
    assert "cookie" not in text.lower() and "Subscribe" not in text


async def test_ask_a_url(site: Site) -> None:
    code, out, err = await run_cli("ask", site.url("/news"), "how much do the federal grants cover")
    assert code == 0, err
    assert "bond" in out


async def test_url_failures_are_one_line(site: Site) -> None:
    for url, words in [
        (site.url("/missing"), "404"),
        (site.url("/report.pdf"), "PDF"),
        (site.url("/script-only"), "no article text"),
    ]:
        code, out, err = await run_cli("digest", url)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and words in err, err


async def test_private_addresses_are_refused_without_the_allow_list(site: Site) -> None:
    code, _, err = await run_cli("digest", site.url("/news"), allow="")
    assert code == 2 and "loopback" in err and "Traceback" not in err
    code, _, err = await run_cli("digest", "http://169.254.169.254/latest/meta-data", allow="")
    assert code == 2 and "link-local" in err


async def test_html_file_goes_through_the_extractor() -> None:
    code, out, err = await run_cli("digest", str(FIXTURES / "news.html"))
    assert code == 0, err
    assert out.startswith("City council approves $48 million bridge repair plan\n")
    assert "<" not in out
    code, _, err = await run_cli("digest", str(FIXTURES / "script_only.html"))
    assert code == 2 and "no article text" in err

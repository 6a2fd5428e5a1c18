"""A seeded soak: the real bot under a misbehaving Discord for 5 minutes, ~10 commands a second.

    .venv/bin/python benchmarks/soak.py                      # 300 s, seed 1
    .venv/bin/python benchmarks/soak.py --seconds 60 --seed 7 --rate 10

The bot runs in its own process (this script with `--serve`: what `python -m bot` runs, with
discord.py's `heartbeat_timeout` at 8 s instead of 60 so that a zombie connection is noticed
within the run; it must exceed discord.py's 5 s pause before a new IDENTIFY) against the fake
Discord of `tests/e2e/fakediscord` in this process: one server with three channels,
moderators and 150 members, the message-content intent on.

Commands, from a bounded queue (`--queue`; when it is full the producer waits: the backlog
never grows without bound), each a new one: moderators post new articles (slash and prefix),
members ask (`/ask`, `!ask`), and use `/summary`, `/facts`, `/quote`, `/search`,
`/article show`, `/article list` and the buttons of earlier answers ("More") and listings
("▶"). A command is sent once
the bot has a gateway session (interactions dispatched while its connection is down are
replayed when it RESUMEs, as Discord does), and not while its connection is a zombie: Discord
would hold those until the client gives up on the connection, past their 3 s deadline.

Faults, one every 2-6 s (seeded): gateway closes with resumable codes and 1006, sessions
ended (4007/4009, INVALID_SESSION false), op 7 RECONNECT, INVALID_SESSION true, zombie
connections, events delivered twice on RESUME, 429s per route and global, rate-limit buckets,
500/502/504 (retried by discord.py), 503 (retried by discord.py on interaction routes only),
connections dropped without an answer, answers lost after Discord carried a request out
(a channel message: discord.py's retry repeats its nonce), slow answers, and the thread
permission taken away for a while.

Counted per command once every command had 30 s: "answered" (at least one visible outcome:
a reply, the placeholder's replacement, a private message; a "Discord failed, try again"
notice counts, and so does an apology for a bug of ours, which has a target of its own),
"lost" (none: the user saw nothing, or Discord's "did not respond"), "duplicated" (more than
one: two answers, a second digest, a digest and "already here"), and after the run, articles
stored twice (every posted text is unique). "reconnections": RESUMEs plus new sessions after
the first. Memory: the bot process's resident set after the warm-up (the first 15% of the
run) and at the end. "errors logged": ERROR lines in the bot's log.

Targets: lost 0, duplicated 0, apologies 0, articles stored twice 0, errors logged 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import REPO, table

from bot.client import GENERIC_APOLOGY
from bot.interactions import DISCORD_FAILED

# The fake Discord is in the test tree, which is not an installed package: reach it here.
sys.path.append(str(REPO))
from tests.e2e.fakediscord import (
    BotProcess,
    FakeDiscord,
    FakeInteraction,
    FakeMember,
    P,
    run_bot_process,
)
from tests.e2e.fakediscord.models import FakeChannel, FakeGuild

JSON = dict[str, Any]
HEARTBEAT_INTERVAL = 1.0  # the fake's HELLO
# the bot's discord.py: nothing received for that long -> reconnect. More than the 5 s that
# discord.py waits before a new IDENTIFY (its keep-alive thread runs meanwhile, nothing reads
# the socket, and a shorter timeout kills the connection it is about to identify on).
HEARTBEAT_TIMEOUT = 8.0
SETTLE = 30.0  # seconds a command has for its outcome
MEMBERS = 150
MODERATORS = 4

TOPICS = [
    ("Harbor", "ferries", "the port authority"),
    ("Orchard", "apple growers", "the farmers' union"),
    ("Library", "reading rooms", "the city council"),
    ("Railway", "night trains", "the operator"),
    ("Observatory", "telescope time", "the university"),
    ("Bakery", "sourdough loaves", "the owners"),
    ("Stadium", "season tickets", "the club"),
    ("Clinic", "vaccinations", "the health board"),
]
QUESTIONS = [
    "how much did it cost?",
    "who announced it?",
    "when does it start?",
    "what did the critics say?",
    "how many people are affected?",
]


def article_text(serial: int, rng: random.Random) -> str:
    """A short article (one digest page), unique by its serial number."""
    name, thing, who = rng.choice(TOPICS)
    year = 2020 + serial % 7
    money = rng.randint(2, 900)
    people = rng.randint(100, 90000)
    return (
        f"{name} plan number {serial}\n\n"
        f"{who.capitalize()} announced on Monday a plan worth ${money} million for {thing}, "
        f"the {serial}th such plan since {year}.\n\n"
        f"About {people} people are affected, according to figures published by {who}. "
        f"Work starts in March {year + 1} and ends two years later.\n\n"
        f"Critics said the {thing} budget was too small, while supporters called plan "
        f"{serial} a turning point for the region."
    )


# --- commands and their outcomes ------------------------------------------------------------


@dataclass(eq=False)
class Command:
    kind: str  # "post", "ask", "summary", ..., "!post", "!ask", "more"
    sent_at: float = 0.0
    interaction: FakeInteraction | None = None
    message: JSON | None = None  # a prefix command's message
    text: str | None = None  # a posted article's text
    error: str | None = None  # the fake refused to send it (a test-side problem)

    def outcomes(self, fake: FakeDiscord) -> list[JSON]:
        """The distinct messages the bot showed for this command (current states)."""
        if self.interaction is not None:
            ids = dict.fromkeys(str(m["id"]) for m in self.interaction.messages())
            shown = []
            for message_id in ids:
                with contextlib.suppress(Exception):  # deleted since
                    message = fake.message(message_id)
                    if not message.get("flags", 0) & 128:  # still "thinking"
                        shown.append(message)
            return shown
        assert self.message is not None
        channel = fake.thread(self.message["channel_id"])
        return [
            m
            for m in fake.messages(channel)
            if m["author"].get("bot")
            and (m.get("message_reference") or {}).get("message_id") == self.message["id"]
        ]


@dataclass
class World:
    guild: FakeGuild
    channels: list[FakeChannel]
    mods: list[FakeMember]
    members: list[FakeMember]


def build_world(fake: FakeDiscord) -> World:
    guild = fake.create_guild("Soak")
    role = fake.create_role(guild, "Mods", permissions=P.MANAGE_MESSAGES)
    channels = [fake.create_text_channel(guild, name) for name in ("general", "news", "books")]
    mods = [fake.create_member(guild, f"mod{i}", roles=[role]) for i in range(MODERATORS)]
    members = [fake.create_member(guild, f"member{i}") for i in range(MEMBERS)]
    return World(guild, channels, mods, members)


class Traffic:
    """Makes the commands (seeded) and sends them through the fake."""

    def __init__(self, fake: FakeDiscord, world: World, rng: random.Random) -> None:
        self.fake = fake
        self.world = world
        self.rng = rng
        self.serial = 0
        self.posted = 0  # articles whose post was answered with a digest (numbers 1..)
        # answers and listings with a button to press ("More", "▶"), and who may press it
        self.buttons: list[tuple[FakeMember, FakeChannel, JSON]] = []

    def pick(self) -> str:
        kinds = ["post", "!post", "ask", "!ask", "summary", "facts", "quote", "search"]
        kinds += ["show", "list", "click"]
        weights = [10, 3, 30, 8, 8, 6, 5, 8, 6, 6, 10]
        if self.posted == 0:
            return "post"
        return self.rng.choices(kinds, weights)[0]

    def article(self) -> str:
        return f"#{self.rng.randint(1, self.posted)}"

    async def send(self, kind: str) -> Command:
        rng, fake, world = self.rng, self.fake, self.world
        channel = rng.choice(world.channels)
        member = rng.choice(world.members)
        command = Command(kind, sent_at=time.monotonic())
        if kind in ("post", "!post"):
            self.serial += 1
            command.text = article_text(self.serial, rng)
            mod = rng.choice(world.mods)
            if kind == "post":
                command.interaction = await fake.slash(
                    channel, mod, "article post", {"text": command.text}
                )
            else:
                command.message = await fake.send_user_message(
                    channel, mod, f"!article post {command.text}"
                )
        elif kind == "ask":
            question = rng.choice(QUESTIONS)
            command.interaction = await fake.slash(
                channel, member, "ask", {"question": question, "article": self.article()}
            )
        elif kind == "!ask":
            command.message = await fake.send_user_message(
                channel, member, f"!ask {rng.choice(QUESTIONS)}"
            )
        elif kind in ("summary", "facts"):
            command.interaction = await fake.slash(
                channel, member, kind, {"article": self.article()}
            )
        elif kind == "quote":
            options = {"article": self.article(), "paragraphs": str(rng.randint(1, 3))}
            command.interaction = await fake.slash(channel, member, "quote", options)
        elif kind == "search":
            query = rng.choice(["plan", "critics", "budget", "people affected", "March"])
            command.interaction = await fake.slash(channel, member, "search", {"query": query})
        elif kind == "show":
            command.interaction = await fake.slash(
                channel, member, "article show", {"article": self.article()}
            )
        elif kind == "list":
            command.interaction = await fake.slash(channel, member, "article list")
        elif kind == "click":
            while self.buttons:
                who, where, message = self.buttons.pop(rng.randrange(len(self.buttons)))
                with contextlib.suppress(Exception):  # deleted, or timed out since
                    custom_id = next_button(fake.message(message["id"]))
                    if custom_id is not None:
                        command.interaction = await fake.click(where, who, message, custom_id)
                        return command
            return await self.send("list")
        return command

    def learn(self, command: Command) -> None:
        """What a command's outcome lets later commands use (article numbers, More)."""
        for message in command.outcomes(self.fake):
            text = visible(message)
            found = re.search(r"Article #(\d+)", text)
            if command.kind in ("post", "!post") and found and "TL;DR" in text:
                self.posted = max(self.posted, int(found.group(1)))
            ix = command.interaction
            if ix is not None and next_button(message):
                self.buttons.append((self.member(ix), ix.channel, message))
                del self.buttons[:-50]

    def member(self, ix: FakeInteraction) -> FakeMember:
        return self.world.guild.members[ix.user.id]


def deliverable(fake: FakeDiscord) -> bool | None:
    """A gateway session that will deliver a command now (not a zombie's)."""
    sessions = fake.gateway.live_sessions()
    return any(s.ready and s.connected and not s.silent for s in sessions) or None


def next_button(message: JSON) -> str | None:
    """The custom id of the message's "More" or "▶" button, if it can be pressed."""
    for row in message.get("components") or []:
        for c in row.get("components") or []:
            if c.get("label") in ("More", "▶") and not c.get("disabled"):
                return str(c["custom_id"])
    return None


def visible(message: JSON) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f.get("value") or "" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


# --- faults -----------------------------------------------------------------------------------

ROUTES = {
    "callback": r"/callback$",
    "follow-up": r"^/webhooks/",
    "channel message": r"^/channels/\d+/messages$",
    "thread": r"/threads$",
}
RESUMABLE = [4000, 4001, 4002, 4003, 4005, 4008, 1001, 1006]


class Chaos:
    """Injects one random fault every few seconds (seeded) and counts them by family."""

    def __init__(self, fake: FakeDiscord, world: World, rng: random.Random) -> None:
        self.fake = fake
        self.world = world
        self.rng = rng
        self.counts: Counter[str] = Counter()
        self.undo: list[tuple[float, Callable[[], None]]] = []
        self.verbose = False

    def families(self) -> list[tuple[str, int, Callable[[], Any]]]:
        f, rng = self.fake.faults, self.rng
        route = ROUTES[rng.choice(list(ROUTES))]
        return [
            ("gateway close", 8, lambda: f.close_gateway(rng.choice(RESUMABLE))),
            ("session ended", 2, self.end_session),
            ("op 7 reconnect", 4, f.reconnect),
            ("invalid session (resumable)", 3, lambda: f.invalid_session(resumable=True)),
            ("zombie connection", 3, f.zombie),
            ("events delivered twice", 4, self.replay),
            ("429 on a route", 6, lambda: f.rate_limited(None, route, times=rng.randint(1, 3))),
            ("429 global", 3, lambda: f.rate_limited(None, route, is_global=True)),
            ("rate-limit buckets", 3, self.buckets),
            ("500/502/504", 5, lambda: f.http_error(None, route, rng.choice([500, 502, 504]))),
            ("503", 4, lambda: f.http_error(None, route, 503)),
            ("connection dropped", 3, lambda: f.disconnect(None, route)),
            ("answer lost", 3, self.lost_answer),
            ("slow answers", 4, self.slow),
            ("thread permission taken away", 2, self.no_threads),
        ]

    def end_session(self) -> Any:
        if self.rng.random() < 0.5:
            return self.fake.faults.close_gateway(self.rng.choice([4007, 4009]))
        self.fake.faults.invalid_session(resumable=False)
        return None

    def replay(self) -> None:
        self.fake.faults.duplicate_on_resume(self.rng.randint(1, 30))
        self.fake.faults.reconnect()

    def buckets(self) -> None:
        bucket = self.fake.faults.route_limit(None, ROUTES["follow-up"], limit=3, per=1.0)
        self.later(10, lambda: self.fake.faults.buckets.remove(bucket))

    def lost_answer(self) -> None:
        self.fake.faults.http_error(None, ROUTES["channel message"], 500, after=True)

    def slow(self) -> None:
        route = ROUTES[self.rng.choice(list(ROUTES))]
        rule = self.fake.faults.slow(None, route, self.rng.uniform(0.2, 0.8))
        self.later(5, rule.cancel)

    def no_threads(self) -> None:
        bot = self.fake.bot_member(self.world.guild)
        channel = self.rng.choice(self.world.channels)
        self.fake.set_permissions(channel, bot, deny=P.CREATE_PUBLIC_THREADS)
        self.later(10, lambda: self.fake.set_permissions(channel, bot))

    def later(self, seconds: float, undo: Callable[[], None]) -> None:
        self.undo.append((time.monotonic() + seconds, undo))

    def tick(self) -> None:
        now = time.monotonic()
        due = [u for u in self.undo if u[0] <= now]
        self.undo = [u for u in self.undo if u[0] > now]
        for _, undo in due:
            with contextlib.suppress(ValueError):
                undo()

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(self.rng.uniform(2.0, 6.0))
            self.tick()
            if time.monotonic() >= until:
                break
            families = self.families()
            name, _, inject = self.rng.choices(families, [w for _, w, _ in families])[0]
            result = inject()
            if asyncio.iscoroutine(result):
                await result
            self.counts[name] += 1
            if self.verbose:
                print(f"{time.monotonic():.1f} fault: {name}", file=sys.stderr)
        for _, undo in self.undo:
            with contextlib.suppress(ValueError):
                undo()
        self.fake.faults.clear()


# --- the bot process --------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def logged_errors(bot: BotProcess) -> list[str]:
    """The bot's log lines at ERROR or CRITICAL (discord.py's format, colours removed)."""
    lines = (_ANSI.sub("", line) for line in bot.lines)
    return [line for line in lines if re.search(r"\s(ERROR|CRITICAL)\s", line[:40])]


def serve() -> int:
    """`python -m bot` with discord.py's heartbeat timeout at `HEARTBEAT_TIMEOUT`."""
    import discord

    from bot.config import load_settings
    from bot.runner import serve as serve_bot

    settings = load_settings(create_dirs=False)
    discord.utils.setup_logging(level=settings.log_level_number, root=True)
    return asyncio.run(serve_bot(settings, heartbeat_timeout=HEARTBEAT_TIMEOUT))


# --- the run ----------------------------------------------------------------------------------


async def soak(args: argparse.Namespace) -> list[tuple[str, str]]:
    rng = random.Random(args.seed)
    async with FakeDiscord(heartbeat_interval=HEARTBEAT_INTERVAL) as fake:
        world = build_world(fake)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "soak.sqlite3"
            env = {
                "DIGESTBOT_DB": str(db),
                "DEV_GUILD_ID": str(world.guild.id),
                "MESSAGE_CONTENT": "true",
                "LOG_LEVEL": "INFO",
            }
            child = run_bot_process(
                fake, "--serve", module="soak", env=env, cwd=REPO / "benchmarks", stop_timeout=30
            )
            async with child as bot:
                try:
                    await fake.wait_ready(timeout=60)
                    await fake.wait_for_request("PUT", "/commands$", timeout=60)
                    rows = await drive(fake, world, bot, rng, args)
                except BaseException:
                    sys.stderr.write("".join(bot.lines[-40:]))
                    raise
            stored = await count_stored(db, world.guild.id)
    rows += stored
    return rows


async def drive(
    fake: FakeDiscord,
    world: World,
    bot: BotProcess,
    rng: random.Random,
    args: argparse.Namespace,
) -> list[tuple[str, str]]:
    traffic = Traffic(fake, world, rng)
    chaos = Chaos(fake, world, random.Random(args.seed + 1))
    chaos.verbose = args.verbose
    queue: asyncio.Queue[str] = asyncio.Queue(maxsize=args.queue)
    commands: list[Command] = []
    start = time.monotonic()
    until = start + args.seconds
    warm_rss = 0
    full = 0

    async def produce() -> None:
        nonlocal full
        interval = 1.0 / args.rate
        next_at = time.monotonic()
        while time.monotonic() < until:
            if queue.full():
                full += 1
            await queue.put(traffic.pick())
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def consume() -> None:
        while time.monotonic() < until or not queue.empty():
            try:
                kind = await asyncio.wait_for(queue.get(), 1.0)
            except TimeoutError:
                continue
            await fake.wait_until(lambda: deliverable(fake), timeout=60, what="a session")
            try:
                command = await traffic.send(kind)
            except Exception as exc:  # the fake refused (a harness problem): shown apart
                command = Command(kind, sent_at=time.monotonic(), error=repr(exc))
            commands.append(command)
            if command.interaction is not None or command.kind == "!post":
                asyncio.get_running_loop().call_later(3.0, traffic.learn, command)

    chaos_task = asyncio.create_task(chaos.run(until))
    workers = [asyncio.create_task(produce()), asyncio.create_task(consume())]
    warm_at = start + args.seconds * 0.15
    while time.monotonic() < until:
        await asyncio.sleep(1.0)
        if not warm_rss and time.monotonic() >= warm_at:
            warm_rss = rss_kb(bot.process.pid)
    await asyncio.gather(*workers, chaos_task)
    await fake.wait_ready(timeout=60)
    await asyncio.sleep(SETTLE)  # every command has had its time
    end_rss = rss_kb(bot.process.pid)
    return report(fake, commands, chaos, bot, warm_rss, end_rss, full, time.monotonic() - start)


def report(
    fake: FakeDiscord,
    commands: list[Command],
    chaos: Chaos,
    bot: BotProcess,
    warm_rss: int,
    end_rss: int,
    full: int,
    elapsed: float,
) -> list[tuple[str, str]]:
    sent = [c for c in commands if c.error is None]
    counts = Counter(len(c.outcomes(fake)) for c in sent)
    lost = [c for c in sent if not c.outcomes(fake)]
    duplicated = [c for c in sent if len(c.outcomes(fake)) > 1]
    expired = sum(
        1
        for c in lost
        if c.interaction is not None
        and any(r.code == 10062 for r in fake.find_requests("POST", f"/{c.interaction.id}/"))
    )
    said = Counter(
        kind
        for c in sent
        for m in c.outcomes(fake)
        for kind, text in (("apology", GENERIC_APOLOGY), ("discord failed", DISCORD_FAILED))
        if text in visible(m)
    )
    stats = fake.gateway.stats
    reconnections = stats["resumed"] + max(0, stats["identifies"] - 1)
    rows = [
        ("seconds", f"{elapsed:.0f}"),
        ("commands sent", str(len(sent))),
        ("  by kind", ", ".join(f"{k} {n}" for k, n in Counter(c.kind for c in sent).items())),
        ("answered", str(counts_answered(counts))),
        ('  of them "Discord failed, try again"', str(said["discord failed"])),
        ("  of them apologies for a bug (target 0)", str(said["apology"])),
        ("lost (target 0)", f"{len(lost)} ({expired} expired: 10062)"),
        ("duplicated (target 0)", str(len(duplicated))),
        ("not sent (the fake refused)", str(len(commands) - len(sent))),
        ("queue full (producer waited)", str(full)),
        ("faults injected", str(sum(chaos.counts.values()))),
        *((f"  {name}", str(n)) for name, n in sorted(chaos.counts.items())),
        (
            "reconnections",
            f"{reconnections} ({stats['resumed']} RESUMEs, "
            f"{max(0, stats['identifies'] - 1)} new sessions)",
        ),
        ("bot RSS after warm-up", f"{warm_rss / 1024:.1f} MB"),
        ("bot RSS at the end", f"{end_rss / 1024:.1f} MB"),
        ("memory growth", f"{(end_rss - warm_rss) / 1024:+.1f} MB"),
        ("errors logged (target 0)", str(len(logged_errors(bot)))),
    ]
    for command in (lost + duplicated)[:10]:
        what = "lost" if command in lost else "duplicated"
        where = command.interaction.label if command.interaction else command.kind
        print(f"{what}: {where}: {[visible(m)[:80] for m in command.outcomes(fake)]}")
    for line in logged_errors(bot)[:10]:
        print("bot:", line.rstrip())
    if chaos.verbose:
        for r in fake.requests:
            if r.injected:
                print(f"injected: {r.method} {r.path[:60]} -> {r.status} {r.note}", file=sys.stderr)
    return rows


def counts_answered(counts: Counter[int]) -> int:
    return sum(n for outcomes, n in counts.items() if outcomes > 0)


async def count_stored(db: Path, guild_id: int) -> list[tuple[str, str]]:
    """Articles in the store once the bot stopped, and how many hold a text stored before."""
    from storage import open_store

    store = await open_store(db)
    try:
        total = (await store.list_articles(guild_id, limit=1)).total
        texts = []
        for number in range(1, total + 1):
            stored = await store.get_article(guild_id, number)
            if stored is not None:
                texts.append(stored.text)
    finally:
        await store.close()
    twice = sum(n - 1 for n in Counter(texts).values() if n > 1)
    return [("articles stored", str(len(texts))), ("articles stored twice (target 0)", str(twice))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="length of the run")
    parser.add_argument("--rate", type=float, default=10.0, help="commands per second")
    parser.add_argument("--queue", type=int, default=50, help="commands waiting at most")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true", help="print faults as they come")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        raise SystemExit(serve())
    rows = asyncio.run(soak(args))
    print(table(rows, ["soak", "value"]))


if __name__ == "__main__":
    main()

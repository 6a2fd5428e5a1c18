"""The fake Discord, proven with a plain ``discord.ext.commands.Bot`` (no digestbot code).

The tiny bot below uses what digestbot will: a hybrid command, a slash group with subcommands
and options (text, integer range, attachment, autocomplete), a button/select view, a modal, a
message context menu, defer + follow-up, and a thread started from a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.e2e.bot_fixtures import eventually
from tests.e2e.fakediscord import (
    FakeDiscord,
    FakeDiscordError,
    FakeInteraction,
    P,
    run_bot_process,
)
from tests.e2e.fakediscord.fake import FakeTimeout
from tests.e2e.fakediscord.models import FakeChannel, FakeGuild, FakeMember, FakeRole

# -- the tiny bot -----------------------------------------------------------------------------


class ArticleModal(discord.ui.Modal, title="New article"):
    headline: discord.ui.TextInput[ArticleModal] = discord.ui.TextInput(
        label="Title", custom_id="title", max_length=200
    )
    body: discord.ui.Label[ArticleModal] = discord.ui.Label(
        text="Body",
        component=discord.ui.TextInput(custom_id="body", style=discord.TextStyle.paragraph),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.body.component, discord.ui.TextInput)
        text = self.body.component.value
        await interaction.response.send_message(
            f"saved {self.headline.value!r}: {len(text)} chars", ephemeral=True
        )


class Counter(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=60)
        self.owner_id = owner_id
        self.count = 0

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("not your buttons", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="+1", custom_id="inc", style=discord.ButtonStyle.primary)
    async def inc(
        self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
    ) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"count: {self.count}", view=self)

    @discord.ui.button(label="Done", custom_id="done")
    async def done(
        self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
    ) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        await interaction.response.edit_message(content=f"final: {self.count}", view=self)
        self.stop()

    @discord.ui.select(
        custom_id="pick",
        max_values=2,
        options=[
            discord.SelectOption(label="A", value="a"),
            discord.SelectOption(label="B", value="b"),
        ],
    )
    async def pick(
        self, interaction: discord.Interaction, select: discord.ui.Select[Counter]
    ) -> None:
        await interaction.response.send_message(f"picked {','.join(select.values)}", ephemeral=True)


class Tiny(commands.Cog):
    article = app_commands.Group(name="article", description="Articles")

    def __init__(self, bot: TinyBot) -> None:
        self.bot = bot

    @commands.hybrid_command(description="Say it back")
    async def echo(self, ctx: commands.Context[TinyBot], *, text: str) -> None:
        await ctx.send(f"echo: {text}")

    @article.command(name="post", description="Post an article")
    async def post(
        self,
        interaction: discord.Interaction,
        text: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        if file is not None:
            data = await file.read()
            await interaction.response.send_message(f"{file.filename}: {data.decode()}")
        elif text:
            embed = discord.Embed(title="Article", description=text[:100])
            await interaction.response.send_message(f"posted {len(text)} chars", embed=embed)
        else:
            await interaction.response.send_modal(ArticleModal())

    @article.command(name="show", description="Show an article")
    async def show(
        self,
        interaction: discord.Interaction,
        article: str,
        count: app_commands.Range[int, 1, 5] = 1,
    ) -> None:
        await interaction.response.send_message(f"showing {article} x{count}")

    @show.autocomplete("article")
    async def show_article(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        titles = ["Amazon deal", "Anthropic news", "Zebra facts"]
        return [
            app_commands.Choice(name=t, value=t) for t in titles if current.lower() in t.lower()
        ]

    @app_commands.command(description="A counter with buttons")
    async def buttons(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("count: 0", view=Counter(interaction.user.id))

    @app_commands.command(description="Think, then answer")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await interaction.followup.send("done slowly")
        await interaction.followup.send("and one more")

    @app_commands.command(description="Open a thread on the answer")
    async def discuss(self, interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"Discussing {topic}")
        message = await interaction.original_response()
        thread = await message.create_thread(name=f"Discuss: {topic}")
        await thread.send("Ask away")

    @app_commands.command(description="Misbehave on purpose")
    async def bad(self, interaction: discord.Interaction, how: str) -> None:
        try:
            await self.misbehave(interaction, how)
        except discord.HTTPException as exc:
            await self.bot.http_errors.put(exc)

    async def misbehave(self, interaction: discord.Interaction, how: str) -> None:
        send = interaction.response.send_message
        if how == "long":
            await send("x" * 2001)
        elif how == "fields":
            embed = discord.Embed(title="t")
            for i in range(26):
                embed.add_field(name=f"f{i}", value="v")
            await send(embed=embed)
        elif how == "total":
            await send(embeds=[discord.Embed(description="d" * 4000) for _ in range(2)])
        elif how == "empty":
            await send("")
        elif how == "twice":
            await send("one")
            interaction.response._response_type = None  # let discord.py try again
            await send("two")
        elif how == "late":
            await self.bot.release.wait()
            await send("too late")
        elif how == "defer":
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("deferred answer")
        elif how == "pings":
            await interaction.response.defer()
            channel = interaction.channel
            assert isinstance(channel, discord.TextChannel)
            await channel.send(f"@everyone <@{interaction.user.id}> look")
            await channel.send(
                f"@everyone <@{interaction.user.id}> quiet",
                allowed_mentions=discord.AllowedMentions.none(),
            )
            await interaction.followup.send("sent")


@app_commands.context_menu(name="Save as article")
async def save_as_article(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(
        f"saved {len(message.content)} chars by {message.author.name}", ephemeral=True
    )


class TinyBot(commands.Bot):
    def __init__(
        self, *, message_content: bool = True, members: bool = False, **options: Any
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        intents.members = members
        super().__init__(
            command_prefix="!",
            intents=intents,
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.threads_seen: asyncio.Queue[discord.Thread] = asyncio.Queue()
        self.release = asyncio.Event()
        self.http_errors: asyncio.Queue[discord.HTTPException] = asyncio.Queue()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py waits 5 s before a re-IDENTIFY; not against a fake

    async def setup_hook(self) -> None:
        await self.add_cog(Tiny(self))
        self.tree.add_command(save_as_article)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        await self.seen.put(message)
        await self.process_commands(message)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.threads_seen.put(thread)


@contextlib.asynccontextmanager
async def running(
    bot: discord.Client, fake: FakeDiscord, token: str | None = None
) -> AsyncIterator[Any]:
    """Run ``bot`` against ``fake`` until the block ends; yields once it is ready."""
    with fake.patch_discord_py():
        task = asyncio.create_task(bot.start(token or fake.token))
        ready = asyncio.create_task(_ready(bot, fake))
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=10, return_when="FIRST_COMPLETED")
            if task in done:
                task.result()  # raise why the bot stopped
            assert ready in done, "the bot did not get ready"
            yield bot
        finally:
            ready.cancel()
            await bot.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task


async def _ready(bot: discord.Client, fake: FakeDiscord) -> None:
    await fake.wait_ready(timeout=10)
    await bot.wait_until_ready()


# -- fixtures ---------------------------------------------------------------------------------


@dataclass
class World:
    guild: FakeGuild
    mods: FakeRole
    general: FakeChannel
    alice: FakeMember
    bob: FakeMember


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.create_guild("Guild A")
    mods = fake.create_role(guild, "Mods", permissions=discord.Permissions(manage_messages=True))
    general = fake.create_text_channel(guild, "general")
    alice = fake.create_member(guild, "alice", roles=[mods])
    bob = fake.create_member(guild, "bob")
    return World(guild, mods, general, alice, bob)


@pytest.fixture
async def bot(fake: FakeDiscord, world: World) -> AsyncIterator[TinyBot]:
    async with running(TinyBot(), fake) as started:
        yield started


# -- start-up ---------------------------------------------------------------------------------


async def test_login_identify_and_command_sync(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    paths = [(r.method, r.path) for r in fake.requests]
    assert ("GET", "/users/@me") in paths
    assert ("GET", "/oauth2/applications/@me") in paths
    assert ("PUT", f"/applications/{fake.application_id}/commands") in paths
    assert fake.intents == bot.intents.value
    assert {(c["name"], c["type"]) for c in fake.commands()} == {
        ("echo", 1),
        ("article", 1),
        ("buttons", 1),
        ("slow", 1),
        ("discuss", 1),
        ("bad", 1),
        ("Save as article", 3),
    }
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.get_channel(world.general.id) is not None
    # without the members intent, GUILD_CREATE carries only the bot's own member
    assert guild.member_count == 4 and [m.id for m in guild.members] == [fake.bot_user.id]
    assert guild.me.guild_permissions.send_messages
    assert await bot.is_owner(await bot.fetch_user(fake.app_owner.id))


async def test_members_intent_gets_every_member(fake: FakeDiscord, world: World) -> None:
    async with running(TinyBot(members=True), fake) as bot:
        guild = bot.get_guild(world.guild.id)
        assert guild is not None and guild.chunked
        assert {m.name for m in guild.members} >= {"alice", "bob", fake.bot_user.name}


async def test_wrong_token_is_401(fake: FakeDiscord, world: World) -> None:
    with pytest.raises(discord.LoginFailure):
        async with running(TinyBot(), fake, token="nope"):
            pass
    assert [(r.path, r.status) for r in fake.take_errors()] == [("/users/@me", 401)]


@pytest.mark.fakediscord(privileged_intents_allowed=False)
async def test_privileged_intent_refused_with_4014(fake: FakeDiscord, world: World) -> None:
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(TinyBot(message_content=True), fake):
            pass
    assert [(r.method, r.status) for r in fake.take_errors()] == [("GATEWAY", 4014)]
    async with running(TinyBot(message_content=False), fake) as bot:
        ix = await fake.slash(world.general, world.alice, "echo", {"text": "hi"})
        assert (await ix.wait_response())["content"] == "echo: hi"
        assert bot.is_ready()


async def test_autosharded_bot_asks_gateway_bot(fake: FakeDiscord, world: World) -> None:
    auto = commands.AutoShardedBot(
        command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    async with running(auto, fake):
        assert fake.find_requests("GET", "^/gateway/bot$")
        assert auto.get_guild(world.guild.id) is not None


class ShardTinyBot(TinyBot, commands.AutoShardedBot):
    """`TinyBot` as an `AutoShardedBot`; records the interactions it got."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.interactions_seen: list[discord.Interaction] = []

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.interactions_seen.append(interaction)


def _events(session: Any, event: str) -> list[dict[str, Any]]:
    """The payloads of ``event`` a gateway session was sent."""
    frames = [json.loads(text) for _, text in session.history]
    return [f["d"] for f in frames if f.get("t") == event]


@pytest.mark.fakediscord(shard_count=2)
async def test_each_shard_connection_gets_only_its_guilds(fake: FakeDiscord) -> None:
    guilds = [fake.create_guild(f"Shard {i}", shard=(i, 2)) for i in (0, 1)]
    assert [(g.id >> 22) % 2 for g in guilds] == [0, 1]
    channels = [fake.create_text_channel(g, "general") for g in guilds]
    members = [fake.create_member(g, f"member{i}") for i, g in enumerate(guilds)]
    bots = [ShardTinyBot(shard_count=2, shard_ids=[i]) for i in (0, 1)]
    async with running(bots[0], fake), running(bots[1], fake):
        await fake.wait_ready(shards=[0, 1])
        sessions = [fake.session_for(g) for g in guilds]
        assert [s.identify["shard"] if s else None for s in sessions] == [[0, 2], [1, 2]]
        for i, bot in enumerate(bots):
            assert [g.id for g in bot.guilds] == [guilds[i].id]
            assert bot.shard_ids == [i] and bot.shard_count == 2
        # interactions and messages go on the connection of the guild's shard only
        for i in (1, 0):
            ix = await fake.slash(channels[i], members[i], "echo", {"text": f"to {i}"})
            assert (await ix.wait_response())["content"] == f"echo: to {i}"
            assert [x.id for x in bots[i].interactions_seen] == [ix.id]
            assert not bots[1 - i].interactions_seen
            bots[i].interactions_seen.clear()
            assert (await asyncio.wait_for(bots[i].seen.get(), 5)).content == f"echo: to {i}"
            assert bots[1 - i].seen.empty()
        for i, session in enumerate(sessions):
            assert session is not None
            seen = {d["guild_id"] for d in _events(session, "INTERACTION_CREATE")}
            seen |= {d["guild_id"] for d in _events(session, "MESSAGE_CREATE")}
            assert seen == {str(guilds[i].id)}
            assert [d["id"] for d in _events(session, "GUILD_CREATE")] == [str(guilds[i].id)]
        # a guild joined later appears on its shard's connection only
        late = fake.create_guild("Late", shard=(1, 2))
        await eventually(lambda: bots[1].get_guild(late.id) is not None, "the late guild")
        assert bots[0].get_guild(late.id) is None
    # the recommended count: an AutoShardedBot without one runs both shards itself
    auto = ShardTinyBot()
    async with running(auto, fake):
        await fake.wait_ready(shards=[0, 1])
        assert fake.find_requests("GET", "^/gateway/bot$")
        assert auto.shard_count == 2 and {g.id for g in auto.guilds} == {
            guilds[0].id,
            guilds[1].id,
            late.id,
        }


async def test_an_interaction_needs_a_connection_for_its_shard(fake: FakeDiscord) -> None:
    guilds = [fake.create_guild(f"Shard {i}", shard=(i, 2)) for i in (0, 1)]
    channel = fake.create_text_channel(guilds[1], "general")
    member = fake.create_member(guilds[1], "member")
    async with running(ShardTinyBot(shard_count=2, shard_ids=[0]), fake):
        with pytest.raises(FakeDiscordError, match="for this guild's shard"):
            await fake.slash(channel, member, "echo", {"text": "nobody hears"})


async def test_reconnect_resumes_and_refused_resume_reidentifies(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    await fake.request_reconnect()
    await fake.wait_until(lambda: 6 in _ops(fake) or None, what="a RESUME")
    await fake.send_user_message(world.general, world.alice, "!echo after resume")
    assert (await fake.wait_for_bot_message(world.general))["content"] == "echo: after resume"
    fake.refuse_resume = True
    await fake.request_reconnect()
    await fake.wait_until(lambda: _ops(fake).count(2) == 2 or None, what="a second IDENTIFY")
    await fake.wait_ready()
    await fake.send_user_message(world.general, world.alice, "!echo after identify")
    assert (await fake.wait_for_bot_message(world.general))["content"] == "echo: after identify"


def _ops(fake: FakeDiscord) -> list[int]:
    return [f.get("op", -1) for f in fake.gateway.frames_received]


# -- messages ---------------------------------------------------------------------------------


async def test_hybrid_command_by_prefix_and_by_slash(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    sent = await fake.send_user_message(world.general, world.bob, "!echo hello there")
    reply = await fake.wait_for_bot_message(world.general)
    assert reply["content"] == "echo: hello there"
    assert int(reply["id"]) > int(sent["id"])
    request = fake.find_requests("POST", f"/channels/{world.general.id}/messages$")[-1]
    assert request.json["allowed_mentions"] == {"parse": []}

    ix = await fake.slash(world.general, world.bob, "echo", {"text": "slash"})
    answer = await ix.wait_response()
    assert answer["content"] == "echo: slash"
    assert answer["interaction_metadata"]["name"] == "echo"
    assert ix.responses[0].kind == "callback" and ix.responses[0].type == 4
    assert [m["content"] for m in fake.messages(world.general)][-1] == "echo: slash"


async def test_message_content_intent_rules(fake: FakeDiscord, world: World) -> None:
    async with running(TinyBot(message_content=False), fake) as bot:
        await fake.send_user_message(world.general, world.alice, "!echo secret")
        assert (await asyncio.wait_for(bot.seen.get(), 5)).content == ""
        await fake.send_user_message(
            world.general, world.alice, "what about this?", mentions=[fake.bot_user]
        )
        mentioned = await asyncio.wait_for(bot.seen.get(), 5)
        assert mentioned.content == f"{fake.bot_user.mention} what about this?"
        dm = fake.dm_channel(world.alice)
        await fake.send_user_message(dm, world.alice, "in private")
        assert (await asyncio.wait_for(bot.seen.get(), 5)).content == "in private"
        ix = await fake.slash(world.general, world.alice, "echo", {"text": "still works"})
        assert (await ix.wait_response())["content"] == "echo: still works"
        assert (await asyncio.wait_for(bot.seen.get(), 5)).content == "echo: still works"


async def test_reply_to_the_bot_pings_it_and_references_are_checked(
    fake: FakeDiscord, world: World
) -> None:
    async with running(TinyBot(message_content=False), fake) as bot:
        ix = await fake.slash(world.general, world.alice, "echo", {"text": "digest"})
        digest = await ix.wait_response()
        await bot.seen.get()
        await fake.send_user_message(world.general, world.bob, "why?", reply_to=digest)
        reply = await asyncio.wait_for(bot.seen.get(), 5)
        assert reply.content == "why?"  # the reply pings the bot, so content is visible
        assert reply.reference is not None and reply.reference.message_id == int(digest["id"])
        channel = bot.get_channel(world.general.id)
        assert isinstance(channel, discord.TextChannel)
        answer = await channel.send("because", reference=reply)
        assert answer.reference is not None
        with pytest.raises(discord.HTTPException) as caught:
            lost = discord.MessageReference(message_id=1, channel_id=channel.id)
            await channel.send("lost", reference=lost)
        assert caught.value.code == 50035
        assert [e.code for e in fake.take_errors()] == [50035]


async def test_allowed_mentions_decide_who_is_pinged(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    fake.set_permissions(world.general, fake.bot_member(world.guild), allow=P.MENTION_EVERYONE)
    ix = await fake.slash(world.general, world.alice, "bad", {"how": "pings"})
    await ix.wait_response()
    loud, quiet = fake.messages(world.general)[-3:-1]
    # the bot-wide AllowedMentions.none() still applies: discord.py merges it in
    assert loud["mentions"] == [] and loud["mention_everyone"] is False
    posts = fake.find_requests("POST", f"/channels/{world.general.id}/messages$")
    assert all(r.json["allowed_mentions"]["parse"] == [] for r in posts)
    assert quiet["content"].startswith("@everyone")


async def test_user_messages_compute_mentions(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    sent = await fake.send_user_message(
        world.general, world.alice, f"hey {world.bob.mention} and @everyone"
    )
    assert [u["id"] for u in sent["mentions"]] == [str(world.bob.id)]
    assert sent["mention_everyone"] is False  # alice may not mention everyone


# -- application commands ---------------------------------------------------------------------


async def test_subcommand_with_text_and_with_attachment(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    ix = await fake.slash(world.general, world.alice, "article post", {"text": "A long article."})
    reply = await ix.wait_response()
    assert reply["content"] == "posted 15 chars"
    assert reply["embeds"][0]["description"] == "A long article."
    options = ix.payload["data"]["options"]
    assert options == [{"name": "post", "type": 1, "options": [
        {"name": "text", "type": 3, "value": "A long article."}
    ]}]  # fmt: skip

    ix = await fake.slash(
        world.general,
        world.alice,
        "article post",
        attachments={"file": ("a.txt", b"file body", "text/plain")},
    )
    reply = await ix.wait_response()
    assert reply["content"] == "a.txt: file body"
    resolved = ix.payload["data"]["resolved"]["attachments"]
    assert [a["content_type"] for a in resolved.values()] == ["text/plain; charset=utf-8"]


async def test_integer_range_and_choices_checked_in_the_test(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    ix = await fake.slash(world.general, world.bob, "article show", {"article": "x", "count": 3})
    assert (await ix.wait_response())["content"] == "showing x x3"
    with pytest.raises(FakeDiscordError, match=r"within 1\.\.5"):
        await fake.slash(world.general, world.bob, "article show", {"article": "x", "count": 9})
    with pytest.raises(FakeDiscordError, match="required option 'article'"):
        await fake.slash(world.general, world.bob, "article show", {})
    with pytest.raises(FakeDiscordError, match="no option"):
        await fake.slash(world.general, world.bob, "article show", {"title": "x"})
    with pytest.raises(FakeDiscordError, match="is a group"):
        await fake.slash(world.general, world.bob, "article", {})
    with pytest.raises(FakeDiscordError, match="no command 'nope'"):
        await fake.slash(world.general, world.bob, "nope")


async def test_modal_round_trip(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    ix = await fake.slash(world.general, world.alice, "article post")
    modal = await ix.wait_modal()
    assert modal["title"] == "New article"
    with pytest.raises(FakeDiscordError, match="required"):
        await fake.submit_modal(ix, {"title": "Only a title"})
    submitted = await fake.submit_modal(ix, {"title": "Deal", "body": "Twelve chars"})
    reply = await submitted.wait_response()
    assert reply["content"] == "saved 'Deal': 12 chars"
    assert reply["flags"] & 64  # ephemeral
    assert fake.messages(world.general) == []  # ephemeral replies are not in the channel


async def test_autocomplete(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    choices = await fake.autocomplete(
        world.general, world.bob, "article show", focused="article", value="A"
    )
    assert [c["value"] for c in choices] == ["Amazon deal", "Anthropic news", "Zebra facts"]
    choices = await fake.autocomplete(
        world.general, world.bob, "article show", focused="article", value="zeb"
    )
    assert [c["name"] for c in choices] == ["Zebra facts"]


async def test_context_menu_on_a_message(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    message = await fake.send_user_message(world.general, world.bob, "Some article text")
    ix = await fake.context_menu(world.general, world.alice, "Save as article", message)
    reply = await ix.wait_response()
    assert reply["content"] == "saved 17 chars by bob"


async def test_defer_then_followups(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    ix = await fake.slash(world.general, world.bob, "slow")
    first = await ix.wait_response()
    second = await ix.wait_response(index=1)
    assert ix.deferred and ix.callback_type == 5
    assert first["content"] == "done slowly" and first["flags"] & 64
    assert first["id"] == str(ix.original_message_id)  # the placeholder became the answer
    assert second["content"] == "and one more" and not second["flags"] & 64


async def test_buttons_and_select(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    ix = await fake.slash(world.general, world.alice, "buttons")
    shown = await ix.wait_response()
    press = await fake.click(world.general, world.alice, shown["id"], "inc")
    updated = await press.wait_response()
    assert press.callback_type == 7 and updated["content"] == "count: 1"
    assert updated["id"] == shown["id"]

    refused = await fake.click(world.general, world.bob, shown["id"], "inc")
    assert (await refused.wait_response())["content"] == "not your buttons"
    assert fake.message(shown["id"])["content"] == "count: 1"

    picked = await fake.select(world.general, world.alice, shown["id"], "pick", ["a", "b"])
    assert (await picked.wait_response())["content"] == "picked a,b"

    done = await fake.click(world.general, world.alice, shown["id"], "done")
    assert (await done.wait_response())["content"] == "final: 1"
    with pytest.raises(FakeDiscordError, match="disabled"):
        await fake.click(world.general, world.alice, shown["id"], "inc")


async def test_thread_from_the_bots_message(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    ix = await fake.slash(world.general, world.alice, "discuss", {"topic": "deals"})
    started = await ix.wait_response()
    thread = await asyncio.wait_for(bot.threads_seen.get(), 5)
    assert thread.name == "Discuss: deals" and thread.id == int(started["id"])
    assert [t["name"] for t in fake.threads(world.guild)] == ["Discuss: deals"]
    in_thread = fake.thread(thread.id)
    assert (await fake.wait_for_bot_message(in_thread))["content"] == "Ask away"
    await fake.send_user_message(in_thread, world.bob, "!echo in a thread")
    assert (await fake.wait_for_bot_message(in_thread))["content"] == "echo: in a thread"
    assert fake.message(started["id"])["thread"]["id"] == started["id"]


# -- what Discord rejects ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "code", "field"),
    [
        ("long", 50035, "content"),
        ("fields", 50035, "embeds"),
        ("total", 50035, "embeds"),
        ("empty", 50006, None),
    ],
)
async def test_limits_are_rejected(
    fake: FakeDiscord, world: World, bot: TinyBot, how: str, code: int, field: str | None
) -> None:
    ix = await fake.slash(world.general, world.bob, "bad", {"how": how})
    assert (await asyncio.wait_for(bot.http_errors.get(), 5)).code == code
    (error,) = fake.take_errors()
    assert error.code == code and error.path.endswith("/callback")
    if field is not None:
        assert field in error.response["errors"]["data"]
    assert not ix.acknowledged


async def test_second_response_and_late_response(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    ix = await fake.slash(world.general, world.bob, "bad", {"how": "twice"})
    assert (await asyncio.wait_for(bot.http_errors.get(), 5)).code == 40060
    assert (await ix.wait_response())["content"] == "one"

    late = await fake.slash(world.general, world.bob, "bad", {"how": "late"})
    late.created_at -= fake.interaction_timeout  # as if 3 s went by
    bot.release.set()
    error = await asyncio.wait_for(bot.http_errors.get(), 5)
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert [e.code for e in fake.take_errors()] == [40060, 10062]


async def test_permissions_from_roles_and_overwrites(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    quiet = fake.create_text_channel(
        world.guild, "quiet", overwrites={world.guild.bot_role: (0, P.SEND_MESSAGES)}
    )
    hidden = fake.create_text_channel(
        world.guild, "hidden", overwrites={world.guild.everyone: (0, P.VIEW_CHANNEL)}
    )
    channel = await bot.fetch_channel(quiet.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.Forbidden) as caught:
        await channel.send("hello")
    assert caught.value.code == 50013
    with pytest.raises(discord.Forbidden) as caught:
        await bot.http.send_message(hidden.id, params=_params("hi"))
    assert caught.value.code == 50001
    assert [(e.status, e.code) for e in fake.take_errors()] == [(403, 50013), (403, 50001)]
    fake.set_permissions(quiet, fake.bot_member(world.guild), allow=P.SEND_MESSAGES)
    await channel.send("now I may")  # member overwrites beat role overwrites


def _params(content: str) -> Any:
    return discord.http.handle_message_parameters(content=content)


async def test_injected_429_is_retried(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    fake.fail_next("POST", "/messages$", status=429, retry_after=0.01)
    await fake.send_user_message(world.general, world.bob, "!echo retried")
    assert (await fake.wait_for_bot_message(world.general))["content"] == "echo: retried"
    statuses = [r.status for r in fake.find_requests("POST", "/messages$")]
    assert statuses == [429, 200]
    fake.assert_no_errors()  # injected failures do not count as rejections


async def test_usage_errors_and_timeouts_explain_themselves(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    outsider = fake.create_member(fake.create_guild("Guild B"), "outsider")
    with pytest.raises(FakeDiscordError, match="not a member"):
        await fake.slash(world.general, outsider, "echo", {"text": "x"})
    with pytest.raises(FakeTimeout, match="a bot message in #general"):
        await fake.wait_for_bot_message(world.general, timeout=0.05)
    ix: FakeInteraction = await fake.slash(world.general, world.bob, "echo", {"text": "x"})
    with pytest.raises(FakeDiscordError, match="not a modal"):
        await ix.wait_modal()


# -- the REST surface directly (no bot): error shapes and every limit -------------------------


def _button(custom_id: str, label: str = "b") -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


def _row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


_EMBED_FIELD = {"name": "n", "value": "v"}

INVALID_BODIES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("content", {"content": "x" * 2001}, ("content",)),
    ("11 embeds", {"embeds": [{"title": "t"}] * 11}, ("embeds",)),
    ("title", {"embeds": [{"title": "t" * 257}]}, ("embeds", "0", "title")),
    ("description", {"embeds": [{"description": "d" * 4097}]}, ("embeds", "0", "description")),
    ("26 fields", {"embeds": [{"fields": [_EMBED_FIELD] * 26}]}, ("embeds", "0", "fields")),
    (
        "field value",
        {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
        ("embeds", "0", "fields", "0", "value"),
    ),
    (
        "field name",
        {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
        ("embeds", "0", "fields", "0", "name"),
    ),
    (
        "empty field",
        {"embeds": [{"fields": [{"name": "", "value": "v"}]}]},
        ("embeds", "0", "fields", "0", "name"),
    ),
    (
        "footer",
        {"embeds": [{"footer": {"text": "f" * 2049}}]},
        ("embeds", "0", "footer", "text"),
    ),
    (
        "author",
        {"embeds": [{"author": {"name": "a" * 257}}]},
        ("embeds", "0", "author", "name"),
    ),
    ("6000 total", {"embeds": [{"description": "d" * 4000}] * 2}, ("embeds",)),
    (
        "6 rows",
        {"components": [_row(_button(f"b{i}")) for i in range(6)]},
        ("components",),
    ),
    (
        "6 buttons",
        {"components": [_row(*[_button(f"b{i}") for i in range(6)])]},
        ("components", "0", "components"),
    ),
    (
        "custom_id",
        {"components": [_row(_button("c" * 101))]},
        ("components", "0", "components", "0", "custom_id"),
    ),
    (
        "duplicate custom_id",
        {"components": [_row(_button("same"), _button("same"))]},
        ("components", "0", "components", "1", "custom_id"),
    ),
    (
        "button label",
        {"components": [_row(_button("b", label="l" * 81))]},
        ("components", "0", "components", "0", "label"),
    ),
    (
        "26 options",
        {
            "components": [
                _row(
                    {
                        "type": 3,
                        "custom_id": "s",
                        "options": [{"label": f"o{i}", "value": f"o{i}"} for i in range(26)],
                    }
                )
            ]
        },
        ("components", "0", "components", "0", "options"),
    ),
    (
        "allowed_mentions",
        {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
        ("allowed_mentions",),
    ),
    ("ephemeral in a channel", {"content": "x", "flags": 64}, ("flags",)),
]


@pytest.mark.parametrize(
    ("body", "where"), [(b, w) for _, b, w in INVALID_BODIES], ids=[n for n, _, _ in INVALID_BODIES]
)
async def test_invalid_message_bodies_get_50035_with_the_field(
    fake: FakeDiscord, world: World, body: dict[str, Any], where: tuple[str, ...]
) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
        url = f"{fake.api_base}/channels/{world.general.id}/messages"
        async with http.post(url, json=body) as response:
            assert response.status == 400
            assert response.headers["Content-Type"] == "application/json"
            error = await response.json()
    assert error["code"] == 50035 and error["message"] == "Invalid Form Body"
    node = error["errors"]
    for key in where:
        node = node[key]
    assert node["_errors"][0]["code"]
    assert fake.take_errors()[0].code == 50035


async def test_rest_errors_and_unknowns(fake: FakeDiscord, world: World) -> None:
    base = fake.api_base
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:

        async def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
            async with http.request(method, base + path, **kwargs) as response:
                assert response.headers.get("Content-Type") in ("application/json", None)
                return response.status, await response.json() if response.status != 204 else None

        general = world.general.id
        assert (await call("GET", "/users/@me"))[1]["id"] == str(fake.bot_user.id)
        assert await call("POST", f"/channels/{general}/messages", json={"content": " "}) == (
            400,
            {"message": "Cannot send an empty message", "code": 50006},
        )
        assert (await call("POST", "/channels/1/messages", json={"content": "x"}))[1][
            "code"
        ] == 10003
        assert (await call("GET", f"/channels/{general}/messages/1"))[1]["code"] == 10008
        status, sent = await call("POST", f"/channels/{general}/messages", json={"content": "hi"})
        assert status == 200 and fake.messages(world.general)[-1]["id"] == sent["id"]
        thread_path = f"/channels/{general}/messages/{sent['id']}/threads"
        assert (await call("POST", thread_path, json={"name": "t"}))[0] == 200
        assert (await call("POST", thread_path, json={"name": "t"}))[1]["code"] == 160004
        assert (await call("POST", "/interactions/1/x/callback", json={"type": 4}))[1][
            "code"
        ] == 10062
        followup = f"/webhooks/{fake.application_id}/nope"
        assert (await call("POST", followup, json={"content": "x"}))[1]["code"] == 10015
        assert (await call("GET", "/no/such/route"))[0] == 404
    async with (
        aiohttp.ClientSession(headers={"Authorization": "Bot wrong"}) as http,
        http.get(base + "/users/@me") as response,
    ):
        assert response.status == 401
    codes = [(e.status, e.code) for e in fake.take_errors()]
    assert codes == [
        (400, 50006),
        (404, 10003),
        (404, 10008),
        (400, 160004),
        (404, 10062),
        (404, 10015),
        (404, 0),
        (401, 0),
    ]


# -- a bot process, as a user runs it ---------------------------------------------------------

PROCESS_BOT = """
import os, discord, yarl
discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)

@client.event
async def on_ready():
    print("READY", [g.name for g in client.guilds], flush=True)

@client.event
async def on_message(message):
    if message.author != client.user:
        await message.channel.send("heard you")

client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
"""


async def test_bot_as_a_subprocess(fake: FakeDiscord, world: World, tmp_path: Path) -> None:
    (tmp_path / "procbot.py").write_text(PROCESS_BOT)
    async with run_bot_process(fake, module="procbot", cwd=tmp_path) as proc:
        assert "READY ['Guild A']" in await proc.wait_for_output("READY", timeout=20)
        await fake.send_user_message(world.general, world.bob, "hello")
        assert (await fake.wait_for_bot_message(world.general))["content"] == "heard you"
    assert proc.returncode == 0, proc.output


async def test_timings_for_latency_measurements(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    ix = await fake.slash(world.general, world.bob, "echo", {"text": "fast"})
    await ix.wait_response()
    latency = ix.responses[0].at - ix.created_at
    assert 0 <= latency < fake.interaction_timeout
    assert fake.requests[-1].at >= ix.created_at


# -- faults (fake.faults) ---------------------------------------------------------------------


@pytest.mark.parametrize("code", [4000, 4008, 1001, 1006])
async def test_gateway_close_resumes_and_replays_what_was_missed(
    fake: FakeDiscord, world: World, bot: TinyBot, code: int
) -> None:
    assert await fake.faults.close_gateway(code) == 1
    # produced while the bot is away: kept, and replayed when it RESUMEs
    await fake.send_user_message(world.general, world.alice, "!echo missed")
    ix = await fake.slash(world.general, world.bob, "echo", {"text": "missed too"})
    assert (await fake.wait_for_bot_message(world.general))["content"] == "echo: missed"
    assert (await ix.wait_response())["content"] == "echo: missed too"
    assert _ops(fake).count(2) == 1 and _ops(fake).count(6) == 1
    assert fake.gateway.stats["resumed"] == 1 and fake.gateway.stats["connections"] == 2
    assert [r.status for r in fake.find_requests("GATEWAY", "CLOSE")] == [code]


async def test_session_ending_close_and_invalid_session_reidentify(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    await fake.faults.close_gateway(4009)  # session timed out: RESUME refused, new IDENTIFY
    await fake.wait_until(lambda: _ops(fake).count(2) == 2 or None, what="a second IDENTIFY")
    assert fake.gateway.stats["resumes refused"] == 1
    await fake.wait_ready()
    fake.faults.invalid_session(resumable=True)  # the client closes and RESUMEs
    await fake.wait_until(lambda: fake.gateway.stats["resumed"] == 1 or None, what="a RESUME")
    fake.faults.invalid_session(resumable=False)  # the session is gone: IDENTIFY again
    await fake.wait_until(lambda: _ops(fake).count(2) == 3 or None, what="a third IDENTIFY")
    await fake.wait_ready()
    await fake.send_user_message(world.general, world.alice, "!echo third session")
    assert (await fake.wait_for_bot_message(world.general))["content"] == "echo: third session"


@pytest.mark.fakediscord(heartbeat_interval=0.05)
async def test_zombie_connection_is_noticed_and_resumed(fake: FakeDiscord, world: World) -> None:
    async with running(TinyBot(heartbeat_timeout=0.5), fake):
        fake.faults.zombie()  # open, but no HEARTBEAT_ACK and no events any more
        await fake.send_user_message(world.general, world.alice, "!echo through a zombie")
        reply = await fake.wait_for_bot_message(world.general, timeout=10)
        assert reply["content"] == "echo: through a zombie"
        assert fake.gateway.stats["resumed"] == 1
        assert fake.gateway.stats["client closed 4000"] == 1  # discord.py gave up on it


async def test_duplicate_delivery_on_resume(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    await fake.send_user_message(world.general, world.bob, "said once")
    first = await asyncio.wait_for(bot.seen.get(), 5)
    fake.faults.duplicate_on_resume(1)
    fake.faults.reconnect()
    again = await asyncio.wait_for(bot.seen.get(), 5)
    assert again.id == first.id and again.content == "said once"


async def test_429s_carry_discords_headers_and_are_retried(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    route = fake.faults.rate_limited("POST", "/messages$", retry_after=0.02)
    every = fake.faults.rate_limited("POST", "/messages$", retry_after=0.02, is_global=True)
    await fake.send_user_message(world.general, world.bob, "!echo limited")
    assert (await fake.wait_for_bot_message(world.general))["content"] == "echo: limited"
    assert [r.status for r in fake.find_requests("POST", "/messages$")] == [429, 429, 200]
    assert route.hits == every.hits == 1
    headers = {"Authorization": f"Bot {fake.token}"}
    fake.faults.rate_limited("GET", "/users/@me$", retry_after=1.5)
    fake.faults.rate_limited("GET", "/users/@me$", retry_after=0.2, is_global=True)
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{fake.api_base}/users/@me") as r:
            assert r.status == 429 and r.headers["Via"]
            assert r.headers["Retry-After"] == "2" and r.headers["X-RateLimit-Scope"] == "user"
            assert r.headers["X-RateLimit-Remaining"] == "0"
            assert float(r.headers["X-RateLimit-Reset-After"]) == 1.5
            assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Bucket"} <= set(
                r.headers
            )
            assert await r.json() == {
                "message": "You are being rate limited.",
                "retry_after": 1.5,
                "global": False,
            }
        async with http.get(f"{fake.api_base}/users/@me") as r:
            assert r.headers["X-RateLimit-Global"] == "true"
            assert r.headers["X-RateLimit-Scope"] == "global"
            assert (await r.json())["global"] is True


async def test_route_and_global_buckets(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    bucket = fake.faults.route_limit("POST", r"^/channels/\d+/messages$", limit=2, per=0.3)
    channel = bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    await asyncio.gather(*(channel.send(f"m{i}") for i in range(5)))  # discord.py paces itself
    assert sorted(m["content"] for m in fake.messages(world.general)) == [f"m{i}" for i in range(5)]
    headers = {"Authorization": f"Bot {fake.token}"}
    url = f"{fake.api_base}/channels/{world.general.id}/messages"
    fake.advance(1)  # a fresh window
    async with aiohttp.ClientSession(headers=headers) as http:
        answers = []
        for i in range(3):
            async with http.post(url, json={"content": f"raw {i}"}) as r:
                answers.append((r.status, r.headers.get("X-RateLimit-Remaining")))
                bucket_name = r.headers.get("X-RateLimit-Bucket")
                scope = r.headers.get("X-RateLimit-Scope")
        assert answers == [(200, "1"), (200, "0"), (429, "0")]
        assert bucket_name == bucket.name and scope == "user"
        fake.faults.clear()
        fake.faults.global_limit(limit=1, per=5)
        async with http.get(f"{fake.api_base}/users/@me") as r:
            assert r.status == 200
        async with http.get(f"{fake.api_base}/guilds/{world.guild.id}") as r:
            assert r.status == 429 and (await r.json())["global"] is True


async def test_server_errors_and_lost_answers(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    channel = bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    fake.faults.http_error("POST", "/messages$", 503)
    with pytest.raises(discord.DiscordServerError):  # discord.py does not retry a 503
        await channel.send("not retried")
    # Discord made the message but the answer was lost: discord.py retries (after 1 s); its
    # `send` gives every message a random nonce with enforce_nonce, so Discord answers the
    # retry with the message it made...
    fake.faults.http_error("POST", "/messages$", 500, after=True)
    once = await channel.send("once")
    # ...while a request without a nonce is carried out twice
    fake.faults.http_error("POST", "/messages$", 502, after=True)
    await bot.http.send_message(world.general.id, params=_params("twice"))
    assert [m["content"] for m in fake.messages(world.general)] == ["once", "twice", "twice"]
    assert once.id == int(fake.messages(world.general)[0]["id"])
    statuses = [r.status for r in fake.find_requests("POST", "/messages$")]
    assert statuses == [503, 500, 200, 502, 200]
    # no answer at all: the connection drops (discord.py does not retry that)
    fake.faults.disconnect("POST", "/messages$")
    with pytest.raises(aiohttp.ClientConnectionError):
        await channel.send("dropped")
    fake.faults.disconnect("POST", "/messages$", after=True)
    with pytest.raises(aiohttp.ClientConnectionError):
        await channel.send("made, but no one heard")
    assert fake.messages(world.general)[-1]["content"] == "made, but no one heard"
    assert len(fake.messages(world.general)) == 4
    fake.assert_no_errors()  # injected, so not counted


async def test_slow_answers(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    channel = bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    slow = fake.faults.slow("POST", "/messages$", 0.2, times=1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await channel.send("eventually")
    assert loop.time() - start >= 0.2 and slow.hits == 1 and not slow.active
    assert fake.messages(world.general)[-1]["content"] == "eventually"


async def test_the_clock_expires_interactions(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    fake.faults.before("POST", "/callback$", lambda: fake.advance(3.5))
    await fake.slash(world.general, world.bob, "bad", {"how": "defer"})
    error = await asyncio.wait_for(bot.http_errors.get(), 5)
    assert isinstance(error, discord.NotFound) and error.code == 10062
    fake.faults.before("POST", "/webhooks/", lambda: fake.advance(15 * 60))
    ix = await fake.slash(world.general, world.bob, "bad", {"how": "defer"})
    error = await asyncio.wait_for(bot.http_errors.get(), 5)
    assert error.code == 50027 and ix.callback_type == 5
    assert [e.code for e in fake.take_errors()] == [10062, 50027]


async def test_deleted_channels_and_messages(fake: FakeDiscord, world: World, bot: TinyBot) -> None:
    doomed = fake.create_text_channel(world.guild, "doomed")
    await eventually(lambda: bot.get_channel(doomed.id) is not None, "the channel at the bot")
    fake.faults.before("POST", "/webhooks/", lambda: fake.delete_channel(doomed))
    await fake.slash(doomed, world.bob, "bad", {"how": "defer"})
    error = await asyncio.wait_for(bot.http_errors.get(), 5)
    assert isinstance(error, discord.NotFound) and error.code == 10003
    await eventually(lambda: bot.get_channel(doomed.id) is None, "the bot to see the delete")
    sent = await fake.send_user_message(world.general, world.alice, "soon gone")
    fake.delete_message(sent)
    channel = bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.get_partial_message(int(sent["id"])).reply("too late")
    assert caught.value.code == 50035
    mine = await channel.send("mine")
    fake.delete_message(mine.id)
    with pytest.raises(discord.NotFound) as gone:
        await mine.edit(content="edited")
    assert gone.value.code == 10008
    assert [e.code for e in fake.take_errors()] == [10003, 50035, 10008]


async def test_permissions_taken_away_mid_session(
    fake: FakeDiscord, world: World, bot: TinyBot
) -> None:
    channel = bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    bot_member = fake.bot_member(world.guild)
    fake.faults.before(
        "POST",
        "/messages$",
        lambda: fake.set_permissions(world.general, bot_member, deny=P.SEND_MESSAGES),
    )
    with pytest.raises(discord.Forbidden) as caught:
        await channel.send("allowed a moment ago")
    assert caught.value.code == 50013
    await eventually(
        lambda: not channel.permissions_for(channel.guild.me).send_messages,
        "the bot to see its permissions change",
    )
    assert [e.code for e in fake.take_errors()] == [50013]

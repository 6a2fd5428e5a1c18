"""``FakeDiscord``: the world (guilds, members, channels, messages, commands), the test-facing API
that plays Discord's users, and the bookkeeping every REST/gateway handler shares."""

# A ``timeout=`` argument on waits is this API's contract (as in asyncio.wait_for).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import mimetypes
import re
import secrets
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web

from .errors import FakeDiscordError, FormErrors
from .faults import Faults
from .gateway import HEARTBEAT_INTERVAL, Gateway, GatewaySession, Intents
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    FakeFile,
    FakeInteraction,
    FileSpec,
    OptionBuilder,
    find_option_schema,
)
from .models import (
    JSON,
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Overwrite,
    P,
    Snowflakes,
    iso_now,
    perm_value,
)
from .validate import (
    CHECKBOX,
    CHECKBOX_GROUP,
    FILE_UPLOAD,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MODAL_INPUTS,
    SELECTS,
    TEXT_INPUT,
    check_message,
    is_empty,
)

T = TypeVar("T")
Who = FakeUser | FakeMember
MessageRef = int | JSON

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
FOLLOWUP_WINDOW = 15 * 60.0
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class FakeTimeout(FakeDiscordError, TimeoutError):
    """Waiting for the bot timed out (the message lists what the bot did and what was rejected)."""


def _loop_clock() -> float:
    return asyncio.get_running_loop().time()


@dataclass
class RecordedRequest:
    """One request the bot made (or a gateway rejection, ``method == "GATEWAY"``).

    ``path`` is relative to the API base (``/channels/1/messages``) or, for attachment
    downloads, the CDN path. ``json`` is the body (``payload_json`` for multipart), ``files`` the
    uploaded files. ``response`` is what the fake answered (Discord's error body on a failure).
    ``at``: the fake's clock (:meth:`FakeDiscord.now`) when it arrived (compare with
    ``FakeInteraction.created_at``).
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[FakeFile]
    reason: str | None = None
    status: int = 0
    response: Any = None
    injected: bool = False
    note: str = ""
    seen: bool = False
    at: float = field(default_factory=_loop_clock)

    @property
    def code(self) -> int | None:
        """Discord's error code (50035, 10062...) when the request was rejected."""
        if self.status >= 400 and isinstance(self.response, dict):
            return int(self.response.get("code", 0))
        return None

    def __str__(self) -> str:
        text = f"{self.method} {self.path} -> {self.status}"
        if self.status >= 400:
            text += f" {self.response}"
        return text + (f" ({self.note})" if self.note else "")


@dataclass(eq=False)
class StoredMessage:
    data: JSON
    channel: FakeChannel
    author: FakeUser
    ephemeral_to: int | None = None
    interaction: FakeInteraction | None = None
    deleted: bool = False
    reactions: dict[str, set[int]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def loading(self) -> bool:
        return bool(self.data.get("flags", 0) & FLAG_LOADING)


class FakeDiscord:
    """A Discord (REST v10 + gateway) on 127.0.0.1 for one bot application.

    See the package docstring for a walk-through. Constructor options:

    - ``privileged_intents_allowed``: as if the developer portal allowed the privileged
      intents. When False, IDENTIFY asking for message content / members / presences is closed
      with 4014, and REST message reads come back without content (Discord's rules).
    - ``interaction_timeout``: seconds the bot has for its initial response (Discord: 3).
    - ``bot_permissions``: the default permissions of the bot's managed role in new guilds.
    - ``heartbeat_interval``: seconds, sent in HELLO (Discord: about 41). A test of zombie
      connections makes it small and gives the client a small ``heartbeat_timeout``.
    - ``shard_count``: the shards ``GET /gateway/bot`` recommends (what an ``AutoShardedBot``
      without a ``shard_count`` runs).

    Shards: each IDENTIFY names its ``shard: [id, count]`` (``[0, 1]`` when it names none),
    and its connection gets READY and GUILD_CREATE for that shard's guilds only (Discord's
    rule, ``(guild_id >> 22) % count == id``; DMs on shard 0), and only those guilds' events
    and interactions. ``create_guild(..., shard=(id, count))`` makes a guild on a given shard.
    """

    def __init__(
        self,
        *,
        privileged_intents_allowed: bool = True,
        interaction_timeout: float = 3.0,
        bot_name: str = "digestbot",
        bot_permissions: Any = P.BOT_DEFAULT,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        shard_count: int = 1,
    ) -> None:
        self.privileged_intents_allowed = privileged_intents_allowed
        self.shard_count = shard_count
        self.interaction_timeout = interaction_timeout
        self.heartbeat_interval = heartbeat_interval
        self.default_bot_permissions = perm_value(bot_permissions)
        self._ids = Snowflakes()
        self.bot_user = FakeUser(self._ids.next(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.app_owner = FakeUser(self._ids.next(), "app-owner")
        user_part = base64.b64encode(str(self.bot_user.id).encode()).decode().rstrip("=")
        self.token = f"{user_part}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(27)}"
        self.requests: list[RecordedRequest] = []
        self.interactions: list[FakeInteraction] = []
        self._users: dict[int, FakeUser] = {u.id: u for u in (self.bot_user, self.app_owner)}
        self._guilds: dict[int, FakeGuild] = {}
        self._channels: dict[int, FakeChannel] = {}
        self._messages: dict[int, StoredMessage] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self._commands: dict[int | None, list[JSON]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._interactions: dict[int, FakeInteraction] = {}
        self._tokens: dict[str, FakeInteraction] = {}
        self._cdn: dict[str, tuple[bytes, str]] = {}
        self._user_events: dict[int, int] = {}
        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self._waiters: set[asyncio.Future[None]] = set()
        self._clock_offset = 0.0
        self.gateway = Gateway(self)
        self.faults = Faults(self)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        from .rest import build_app  # the REST layer needs this module's types

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._runner = web.AppRunner(build_app(self), handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be (``http://127.0.0.1:PORT/api/v10``)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be (as ``yarl.URL``)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """Environment for running the bot as a subprocess against this fake."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    @contextlib.contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point an in-process discord.py at this fake (restores the old URLs on exit)."""
        import discord
        import yarl

        old = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old

    # -- the clock ----------------------------------------------------------------------------

    def now(self) -> float:
        """The fake's clock: the event loop's, plus every :meth:`advance` so far. Interaction
        deadlines are measured on it."""
        return asyncio.get_running_loop().time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock ``seconds`` forward: interactions age (past 3 s a first
        response gets 10062, past 15 minutes a follow-up gets 50027) without a test sleeping."""
        if seconds < 0:
            raise FakeDiscordError("the clock only moves forward")
        self._clock_offset += seconds
        self._changed()

    # -- building the world -------------------------------------------------------------------

    def create_user(self, name: str, *, bot: bool = False) -> FakeUser:
        user = FakeUser(self._ids.next(), name, bot=bot)
        self._users[user.id] = user
        return user

    def create_guild(
        self,
        name: str,
        *,
        bot_permissions: Any = None,
        owner: FakeUser | None = None,
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """A guild with @everyone, the bot's managed role and member, and an owner member;
        ``shard=(id, count)``: with an id that puts it on that shard."""
        owner = owner or self.create_user(f"{name.lower().replace(' ', '-')}-owner")
        guild_id = self._ids.next() if shard is None else self._ids.next_on_shard(*shard)
        guild = FakeGuild(guild_id, name, owner)
        guild.roles[guild.id] = FakeRole(guild.id, guild.id, "@everyone", P.EVERYONE_DEFAULT, 0)
        bot_perms = self.default_bot_permissions if bot_permissions is None else bot_permissions
        guild.bot_role = FakeRole(
            self._ids.next(),
            guild.id,
            self.bot_user.name,
            perm_value(bot_perms),
            1,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[guild.bot_role.id] = guild.bot_role
        guild.members[owner.id] = FakeMember(owner, guild)
        guild.members[self.bot_user.id] = FakeMember(self.bot_user, guild, [guild.bot_role])
        self._guilds[guild.id] = guild
        for session in self.gateway.live_sessions():
            if session.handles_guild(guild.id):
                session.dispatch("GUILD_CREATE", self._guild_create_payload(guild, session))
        return guild

    def create_role(
        self, guild: FakeGuild, name: str, permissions: Any = 0, *, mentionable: bool = False
    ) -> FakeRole:
        role = FakeRole(
            self._ids.next(),
            guild.id,
            name,
            perm_value(permissions),
            len(guild.roles),
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        self._dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_dict()}, guild
        )
        return role

    def create_member(
        self,
        guild: FakeGuild,
        user: str | FakeUser,
        *,
        roles: Sequence[FakeRole] = (),
        nick: str | None = None,
    ) -> FakeMember:
        """Add a member; pass a name for a new user, or a :class:`FakeUser` (to have the same
        person in several guilds)."""
        if isinstance(user, str):
            user = self.create_user(user)
        member = FakeMember(user, guild, list(roles), nick)
        guild.members[user.id] = member
        data = member.to_dict() | {"guild_id": str(guild.id)}
        self._dispatch("GUILD_MEMBER_ADD", data, guild)
        return member

    def create_text_channel(
        self,
        guild: FakeGuild,
        name: str,
        *,
        overwrites: Mapping[Who | FakeRole, tuple[Any, Any]] | None = None,
        topic: str | None = None,
    ) -> FakeChannel:
        """A text channel; ``overwrites`` maps a role/member to ``(allow, deny)`` permissions."""
        channel = FakeChannel(
            self._ids.next(),
            ChannelType.TEXT,
            name,
            guild,
            position=len(guild.channels),
            topic=topic,
        )
        for target, (allow, deny) in (overwrites or {}).items():
            kind = 0 if isinstance(target, FakeRole) else 1
            channel.overwrites[target.id] = Overwrite(
                target.id, kind, perm_value(allow), perm_value(deny)
            )
        self._add_channel(channel)
        self._dispatch("CHANNEL_CREATE", channel.to_dict(), guild)
        return channel

    def set_permissions(
        self, channel: FakeChannel, target: Who | FakeRole, *, allow: Any = 0, deny: Any = 0
    ) -> None:
        """Set (replace) a channel overwrite for a role or member, e.g. deny the bot a right."""
        kind = 0 if isinstance(target, FakeRole) else 1
        channel.overwrites[target.id] = Overwrite(
            target.id, kind, perm_value(allow), perm_value(deny)
        )
        self._dispatch("CHANNEL_UPDATE", channel.to_dict(), channel.guild)

    def set_role_permissions(self, role: FakeRole, permissions: Any) -> None:
        role.permissions = perm_value(permissions)
        guild = self._guilds[role.guild_id]
        self._dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_dict()}, guild
        )

    def set_bot_permissions(self, guild: FakeGuild, permissions: Any) -> None:
        """Change what the bot's managed role grants in ``guild``."""
        self.set_role_permissions(guild.bot_role, permissions)

    def create_thread(
        self, parent: FakeChannel, name: str, *, owner: Who | None = None, private: bool = False
    ) -> FakeChannel:
        """A thread started by a user (not from a message)."""
        assert parent.guild is not None
        user = _user(owner) if owner else parent.guild.owner
        thread = self._new_thread(
            parent, self._ids.next(), name, user, ChannelType.PRIVATE_THREAD if private else 11
        )
        return thread

    def dm_channel(self, user: Who) -> FakeChannel:
        """The DM channel between ``user`` and the bot (created on first use)."""
        user = _user(user)
        for channel in self._channels.values():
            if channel.type == ChannelType.DM and channel.recipients[0].id == user.id:
                return channel
        channel = FakeChannel(self._ids.next(), ChannelType.DM, None, None, recipients=[user])
        self._add_channel(channel)
        return channel

    def bot_member(self, guild: FakeGuild) -> FakeMember:
        return guild.members[self.bot_user.id]

    def delete_channel(self, channel: FakeChannel) -> None:
        """Someone deletes ``channel`` (and its threads): CHANNEL_DELETE / THREAD_DELETE are
        dispatched and every request about it gets 10003 Unknown Channel from now on."""
        doomed = [channel] + [c for c in self._channels.values() if c.parent_id == channel.id]
        for gone in reversed(doomed):
            self._channels.pop(gone.id, None)
            if gone.guild is not None:
                gone.guild.channels.pop(gone.id, None)
            if gone.is_thread:
                data = {
                    "id": str(gone.id),
                    "guild_id": str(gone.guild_id),
                    "parent_id": str(gone.parent_id),
                    "type": gone.type,
                }
                self._dispatch("THREAD_DELETE", data, gone.guild)
            else:
                self._dispatch("CHANNEL_DELETE", gone.to_dict(), gone.guild)
        self._changed()

    def delete_message(self, message: MessageRef) -> None:
        """Someone (its author, a moderator) deletes ``message``: MESSAGE_DELETE is dispatched
        and later requests about it get 10008 Unknown Message."""
        self._delete_message(self._stored(_message_id(message)))

    # -- playing Discord's users --------------------------------------------------------------

    async def wait_ready(self, timeout: float = 5.0, *, shards: Iterable[int] = ()) -> None:
        """Until a client identified and was sent READY and a GUILD_CREATE for each guild (of
        each shard in ``shards``: until every one of them has). (An in-process bot still
        needs ``await bot.wait_until_ready()`` for ``on_ready``.)"""
        wanted = set(shards)

        def check() -> bool | None:
            ready = [s for s in self.gateway.live_sessions() if s.ready and s.connected]
            if wanted:
                return wanted <= {s.shard[0] for s in ready} or None
            return bool(ready) or None

        what = f"shards {sorted(wanted)}" if wanted else "a client"
        await self._wait(check, timeout, lambda: f"{what} to IDENTIFY on the gateway")

    def session_for(self, guild: FakeGuild | None) -> GatewaySession | None:
        """The live gateway session that gets ``guild``'s events (None: DMs), if any."""
        guild_id = guild.id if guild is not None else None
        return next((s for s in self.gateway.live_sessions() if s.handles_guild(guild_id)), None)

    @property
    def intents(self) -> int | None:
        """The intents of the latest IDENTIFY (None before any)."""
        return self.gateway.sessions[-1].intents if self.gateway.sessions else None

    async def send_user_message(
        self,
        channel: FakeChannel,
        author: Who,
        content: str = "",
        *,
        attachments: Sequence[FileSpec] = (),
        reply_to: MessageRef | None = None,
        mention_author: bool = True,
        mentions: Sequence[Who] = (),
        embeds: Sequence[JSON] = (),
    ) -> JSON:
        """A user posts a message (MESSAGE_CREATE to the bot, content stripped if the bot has
        no message-content intent and is not mentioned). ``mentions`` not already written in
        ``content`` are prepended as ``<@id>``; a reply pings the replied-to author unless
        ``mention_author=False``. Returns the message dict."""
        user = _user(author)
        if channel.guild is not None:
            member = self._require_member(channel, user)
            needed = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
            if not channel.guild.permissions_in(channel, member) & needed:
                raise FakeDiscordError(f"{user.name} may not post in #{channel.name}")
        for who in mentions:
            if _user(who).mention not in content:
                content = f"{_user(who).mention} {content}"
        payload: JSON = {"content": content, "embeds": list(embeds)}
        if reply_to is not None:
            payload["message_reference"] = {"message_id": str(_message_id(reply_to))}
            if not mention_author:
                payload["allowed_mentions"] = {"parse": ["users", "roles", "everyone"]}
        files = [
            FakeFile(f"files[{i}]", f[0], f[1], _spec_type(f)) for i, f in enumerate(attachments)
        ]
        errors = FormErrors()
        check_message(errors, payload, allow_ephemeral=False)
        if errors or is_empty(payload, n_attachments=len(files)):
            raise FakeDiscordError(f"a Discord client could not send that message: {errors.tree}")
        stored = self._create_message(channel, user, payload, files)
        self._user_events[channel.id] = stored.id
        return copy.deepcopy(stored.data)

    async def slash(
        self,
        channel: FakeChannel,
        user: Who,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        attachments: Mapping[str, FileSpec] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """``/command [group] [sub]`` with ``options`` by name, checked and typed against the
        schema the bot registered. Users/members, roles and channels are passed as fake
        objects; attachment options as ``(filename, bytes[, content_type])`` in ``options`` or
        ``attachments``."""
        words = command.strip().lstrip("/").split()
        cmd, guild_id = self._find_command(channel, words[0], 1)
        self._check_command_access(channel, user, cmd, command)
        schema, wrap = find_option_schema(cmd, words[1:], command)
        builder = OptionBuilder(self, channel, command)
        leaf = builder.options(schema, options or {}, attachments or {})
        data = self._command_data(cmd, guild_id, wrap(leaf), builder.resolved)
        return self._interact(
            APPLICATION_COMMAND, channel, user, data, f"/{command}", locale=locale
        )

    async def context_menu(
        self, channel: FakeChannel, user: Who, name: str, target: MessageRef | Who
    ) -> FakeInteraction:
        """A message command (``target`` a message dict or id) or a user command (``target`` a
        user/member), as registered by the bot."""
        builder = OptionBuilder(self, channel, name)
        if isinstance(target, FakeUser | FakeMember):
            cmd, guild_id = self._find_command(channel, name, 2)
            target_id = builder.resolve_user(target)
        else:
            cmd, guild_id = self._find_command(channel, name, 3)
            stored = self._stored(_message_id(target))
            if stored.channel.id != channel.id:
                raise FakeDiscordError(f"message {stored.id} is not in #{channel.name}")
            target_id = builder.resolve_message(copy.deepcopy(stored.data))
        self._check_command_access(channel, user, cmd, name)
        data = self._command_data(cmd, guild_id, None, builder.resolved)
        data["target_id"] = str(target_id)
        return self._interact(APPLICATION_COMMAND, channel, user, data, f"context menu {name!r}")

    async def autocomplete(
        self,
        channel: FakeChannel,
        user: Who,
        command: str,
        *,
        focused: str,
        value: str = "",
        options: Mapping[str, Any] | None = None,
        timeout: float = 5.0,
    ) -> list[JSON]:
        """The user types ``value`` into option ``focused``; returns the bot's choices."""
        words = command.strip().lstrip("/").split()
        cmd, guild_id = self._find_command(channel, words[0], 1)
        self._check_command_access(channel, user, cmd, command)
        schema, wrap = find_option_schema(cmd, words[1:], command)
        builder = OptionBuilder(self, channel, command)
        given = dict(options or {})
        given[focused] = value
        leaf = builder.options(schema, given, {}, focused=focused)
        data = self._command_data(cmd, guild_id, wrap(leaf), builder.resolved)
        ix = self._interact(AUTOCOMPLETE, channel, user, data, f"autocomplete /{command} {focused}")
        return await ix.wait_choices(timeout)

    async def click(
        self, channel: FakeChannel, user: Who, message: MessageRef, custom_id: str
    ) -> FakeInteraction:
        """The user presses the button ``custom_id`` on ``message``."""
        stored, component = self._component(channel, user, message, custom_id)
        if component.get("type") != 2 or component.get("style") in (5, 6):
            raise FakeDiscordError(f"{custom_id!r} is not a clickable button: {component}")
        data = {"custom_id": custom_id, "component_type": 2}
        if "id" in component:
            data["id"] = component["id"]
        return self._interact(
            MESSAGE_COMPONENT, channel, user, data, f"button {custom_id!r}", message=stored
        )

    async def select(
        self,
        channel: FakeChannel,
        user: Who,
        message: MessageRef,
        custom_id: str,
        values: Sequence[Any],
    ) -> FakeInteraction:
        """The user picks ``values`` in the select menu ``custom_id`` (option values for a
        string select; users/roles/channels for the other selects)."""
        stored, component = self._component(channel, user, message, custom_id)
        kind = component.get("type")
        if kind not in SELECTS:
            raise FakeDiscordError(f"{custom_id!r} is not a select menu: {component}")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise FakeDiscordError(f"select {custom_id!r} takes {low}..{high} values")
        builder = OptionBuilder(self, channel, custom_id)
        if kind == 3:
            allowed = [o["value"] for o in component.get("options", [])]
            if any(v not in allowed for v in values):
                raise FakeDiscordError(f"select {custom_id!r}: values must be among {allowed}")
            raw = [str(v) for v in values]
        else:
            raw = [
                builder.value({"type": _SELECT_OPTION[kind], "name": custom_id}, v, {})
                for v in values
            ]
        data: JSON = {"custom_id": custom_id, "component_type": kind, "values": raw}
        if builder.resolved:
            data["resolved"] = builder.resolved
        return self._interact(
            MESSAGE_COMPONENT, channel, user, data, f"select {custom_id!r}", message=stored
        )

    async def submit_modal(
        self, ix: FakeInteraction, values: Mapping[str, Any], *, timeout: float = 5.0
    ) -> FakeInteraction:
        """Fill in and submit the modal the bot opened in answer to ``ix``, by custom_id: text
        input → str, select → list of values (users/roles/channels for those selects), file
        upload → list of ``(filename, bytes[, type])``, radio group → str, checkbox group →
        list of str, checkbox → bool."""
        modal = await ix.wait_modal(timeout)
        inputs = _modal_inputs(modal)
        unknown = set(values) - set(inputs)
        if unknown:
            raise FakeDiscordError(f"modal {modal['custom_id']!r} has no input {sorted(unknown)}")
        for custom_id, spec in inputs.items():
            if spec.get("type") != TEXT_INPUT:
                continue
            text = values.get(custom_id, spec.get("value") or "")
            if spec.get("required", True) and not text:
                raise FakeDiscordError(f"modal input {custom_id!r} is required")
            low, high = spec.get("min_length", 0), spec.get("max_length", 4000)
            if text and not low <= len(text) <= high:
                raise FakeDiscordError(f"modal input {custom_id!r} takes {low}..{high} characters")
        builder = OptionBuilder(self, ix.channel, f"modal {modal['custom_id']!r}")
        components = [_modal_answer(top, values, builder) for top in modal["components"]]
        data: JSON = {"custom_id": modal["custom_id"], "components": components}
        if builder.resolved:
            data["resolved"] = builder.resolved
        stored = self._messages.get(ix.source_message_id or 0)
        return self._interact(
            MODAL_SUBMIT, ix.channel, ix.user, data, f"modal {modal['custom_id']!r}", message=stored
        )

    async def wait_for_bot_message(
        self,
        channel: FakeChannel,
        predicate: Callable[[JSON], bool] | None = None,
        *,
        after: MessageRef | None = None,
        timeout: float = 5.0,
    ) -> JSON:
        """The first non-ephemeral message by the bot in ``channel`` newer than ``after``
        (default: the latest user message or interaction the fake sent in that channel) that is
        not a "thinking" placeholder and satisfies ``predicate``. Returns its current state."""
        after_id = _message_id(after) if after is not None else self._user_events.get(channel.id, 0)

        def check() -> JSON | None:
            for message_id in self._channel_messages.get(channel.id, []):
                m = self._messages[message_id]
                if (
                    message_id > after_id
                    and m.author.id == self.bot_user.id
                    and not m.deleted
                    and m.ephemeral_to is None
                    and not m.loading
                    and (predicate is None or predicate(m.data))
                ):
                    return copy.deepcopy(m.data)
            return None

        return await self._wait(check, timeout, lambda: f"a bot message in #{channel.name}")

    async def wait_for_request(
        self,
        method: str,
        path: str,
        *,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The first recorded request with ``method`` whose path matches regex ``path``
        (searched, so ``"/commands$"`` works)."""
        pattern = re.compile(path)

        def check() -> RecordedRequest | None:
            for r in self.requests:
                matches = r.method == method and pattern.search(r.path) and r.status
                if matches and (predicate is None or predicate(r)):
                    return r
            return None

        return await self._wait(check, timeout, lambda: f"a request {method} {path}")

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every session (the client then RESUMEs); as
        ``fake.faults.reconnect()``."""
        self.faults.reconnect()

    @property
    def refuse_resume(self) -> bool:
        """When True, RESUME is answered with INVALID_SESSION (d=false)."""
        return self.gateway.refuse_resume

    @refuse_resume.setter
    def refuse_resume(self, value: bool) -> None:
        self.gateway.refuse_resume = value

    # -- inspecting ---------------------------------------------------------------------------

    @property
    def errors(self) -> list[RecordedRequest]:
        """Rejected requests (HTTP >= 400, gateway closes) not yet taken by :meth:`take_errors`;
        injected failures (:meth:`fail_next`) are not counted."""
        return [r for r in self.requests if r.status >= 400 and not r.injected and not r.seen]

    def take_errors(self) -> list[RecordedRequest]:
        """Return the pending rejections and mark them seen (for tests that expect them)."""
        found = self.errors
        for r in found:
            r.seen = True
        return found

    def assert_no_errors(self) -> None:
        if self.errors:
            lines = "\n  ".join(str(r) for r in self.errors)
            raise AssertionError(f"the fake Discord rejected requests:\n  {lines}")

    def find_requests(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests filtered by method and by a regex searched in the path."""
        pattern = re.compile(path) if path else None
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (pattern is None or pattern.search(r.path))
        ]

    def messages(self, channel: FakeChannel, *, include_ephemeral: bool = False) -> list[JSON]:
        """Messages in ``channel``, oldest first (copies)."""
        out = []
        for message_id in self._channel_messages.get(channel.id, []):
            m = self._messages[message_id]
            if not m.deleted and (include_ephemeral or m.ephemeral_to is None):
                out.append(copy.deepcopy(m.data))
        return out

    def message(self, message: MessageRef) -> JSON:
        return copy.deepcopy(self._stored(_message_id(message)).data)

    def threads(self, guild: FakeGuild) -> list[JSON]:
        return [c.to_dict() for c in guild.channels.values() if c.is_thread]

    def thread(self, thread_id: int | str) -> FakeChannel:
        """A thread (or any channel) by id, to post in it with :meth:`send_user_message`."""
        channel = self._channels.get(int(thread_id))
        if channel is None:
            raise FakeDiscordError(f"no channel {thread_id}")
        return channel

    def commands(self, guild: FakeGuild | None = None) -> list[JSON]:
        """Commands registered globally (``guild=None``) or for ``guild``."""
        return copy.deepcopy(self._commands.get(guild.id if guild else None, []))

    def attachment_bytes(self, attachment: JSON | str) -> bytes:
        """The bytes behind an attachment dict or its url."""
        url = attachment if isinstance(attachment, str) else attachment["url"]
        path = url.removeprefix(self.base_url).split("?")[0]
        return self._cdn[path][0]

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        code: int = 0,
        message: str | None = None,
        times: int = 1,
        retry_after: float = 0.05,
    ) -> None:
        """Make the next ``times`` requests ``method`` matching regex ``path`` fail with
        ``status`` (a 429 is Discord's, headers included, so discord.py retries it). More
        faults: :attr:`faults`."""
        if status == 429:
            self.faults.rate_limited(method, path, retry_after=retry_after, times=times)
        else:
            self.faults.http_error(method, path, status, code=code, message=message, times=times)

    # -- internals shared with the REST and gateway layers ------------------------------------

    def _changed(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_until(
        self, check: Callable[[], T | None], *, timeout: float = 5.0, what: str = "a condition"
    ) -> T:
        """Re-evaluate ``check`` whenever the fake records something (a request, a message, a
        gateway frame) until it returns non-None; returns that value. On timeout the error
        lists what the bot did and what was rejected."""
        return await self._wait(check, timeout, lambda: what)

    async def _wait(
        self, check: Callable[[], T | None], timeout: float, what: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise FakeTimeout(self._timeout_report(what(), timeout))
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._waiters.discard(waiter)

    def _timeout_report(self, what: str, timeout: float) -> str:
        lines = [f"timed out after {timeout} s waiting for {what}"]
        if self.errors:
            lines.append("rejected requests:")
            lines += [f"  {r}" for r in self.errors]
        lines.append("last requests:")
        lines += [f"  {r}" for r in self.requests[-8:]] or ["  (none)"]
        return "\n".join(lines)

    def _record(self, request: RecordedRequest) -> RecordedRequest:
        request.at = self.now()
        self.requests.append(request)
        return request

    def _add_channel(self, channel: FakeChannel) -> None:
        self._channels[channel.id] = channel
        self._channel_messages[channel.id] = []
        if channel.guild is not None:
            channel.guild.channels[channel.id] = channel

    def _dispatch(self, event: str, data: JSON, guild: FakeGuild | None) -> None:
        self.gateway.dispatch(event, data, guild.id if guild else None)

    def _bot_user_payload(self) -> JSON:
        return self.bot_user.to_dict() | {
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
        }

    def _application_flags(self) -> int:
        command_badge = 1 << 23
        if not self.privileged_intents_allowed:
            return command_badge
        return command_badge | (1 << 13) | (1 << 15) | (1 << 19)

    def _application_payload(self) -> JSON:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.bot_user.to_dict(),
            "owner": self.app_owner.to_dict(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self._application_flags(),
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self._guilds),
            "integration_types_config": {"0": {}},
        }

    def _guild_create_payload(self, guild: FakeGuild, session: GatewaySession) -> JSON:
        if session.has(Intents.GUILD_MEMBERS):
            members = list(guild.members.values())
        else:
            members = [guild.members[self.bot_user.id]]
        return guild.to_dict(members=members)

    def _member_of(self, channel: FakeChannel, who: Who) -> FakeMember | None:
        if channel.guild is None:
            return None
        return channel.guild.members.get(_user(who).id)

    def _require_member(self, channel: FakeChannel, user: FakeUser) -> FakeMember:
        member = self._member_of(channel, user)
        if member is None:
            raise FakeDiscordError(
                f"{user.name} is not a member of {channel.guild and channel.guild.name}"
            )
        return member

    def _bot_permissions(self, channel: FakeChannel) -> int:
        if channel.guild is None:
            return (
                P.VIEW_CHANNEL
                | P.SEND_MESSAGES
                | P.EMBED_LINKS
                | P.ATTACH_FILES
                | P.READ_MESSAGE_HISTORY
            )
        return channel.guild.permissions_in(channel, self.bot_member(channel.guild))

    def _stored(self, message_id: int) -> StoredMessage:
        stored = self._messages.get(message_id)
        if stored is None or stored.deleted:
            raise FakeDiscordError(f"no message {message_id}")
        return stored

    def _store_attachment(
        self,
        channel_id: int,
        filename: str,
        data: bytes,
        content_type: str | None,
        *,
        ephemeral: bool = False,
        description: str | None = None,
    ) -> JSON:
        attachment_id = self._ids.next()
        content_type = content_type or mimetypes.guess_type(filename)[0]
        if content_type and content_type.startswith("text/") and "charset" not in content_type:
            content_type += "; charset=utf-8"
        folder = "ephemeral-attachments" if ephemeral else "attachments"
        path = f"/{folder}/{channel_id}/{attachment_id}/{quote(filename)}"
        self._cdn[path] = (data, content_type or "application/octet-stream")
        attachment: JSON = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": self.base_url + path,
            "proxy_url": self.base_url + path,
            "content_type": content_type,
            "flags": 0,
        }
        if description is not None:
            attachment["description"] = description
        if ephemeral:
            attachment["ephemeral"] = True
        return attachment

    def _mentions(
        self,
        channel: FakeChannel,
        author: FakeUser,
        content: str,
        allowed: JSON | None,
        replied_author: FakeUser | None,
    ) -> tuple[list[FakeUser], list[int], bool]:
        """Who a message actually pings: mentions in the content, filtered by allowed_mentions
        (absent: everything), plus the replied-to author."""
        if allowed is None:
            parse, users_ok, roles_ok, ping_reply = (
                {"users", "roles", "everyone"},
                set(),
                set(),
                True,
            )
        else:
            parse = set(allowed.get("parse") or [])
            users_ok = {int(u) for u in allowed.get("users") or []}
            roles_ok = {int(r) for r in allowed.get("roles") or []}
            ping_reply = bool(allowed.get("replied_user", False))
        member = self._member_of(channel, author)
        perms = channel.guild.permissions_in(channel, member) if channel.guild and member else 0
        users: list[FakeUser] = []
        for raw in dict.fromkeys(int(x) for x in _USER_MENTION.findall(content)):
            if raw in self._users and ("users" in parse or raw in users_ok):
                users.append(self._users[raw])
        if replied_author is not None and ping_reply and replied_author not in users:
            users.append(replied_author)
        roles: list[int] = []
        if channel.guild is not None:
            for raw in dict.fromkeys(int(x) for x in _ROLE_MENTION.findall(content)):
                role = channel.guild.roles.get(raw)
                if role is None or not ("roles" in parse or raw in roles_ok):
                    continue
                if role.mentionable or perms & P.MENTION_EVERYONE:
                    roles.append(raw)
        everyone = (
            ("@everyone" in content or "@here" in content)
            and "everyone" in parse
            and bool(perms & P.MENTION_EVERYONE or channel.guild is None)
        )
        return users, roles, everyone

    def _create_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        payload: JSON,
        files: Sequence[FakeFile],
        *,
        interaction: FakeInteraction | None = None,
        flags: int | None = None,
    ) -> StoredMessage:
        """Store a (validated) message and dispatch MESSAGE_CREATE unless it is ephemeral."""
        message_id = self._ids.next()
        flags = (payload.get("flags") or 0) if flags is None else flags
        descriptions = {
            str(a.get("id")): a.get("description") for a in payload.get("attachments") or []
        }
        attachments = [
            self._store_attachment(
                channel.id, f.filename, f.data, f.content_type, description=descriptions.get(str(i))
            )
            for i, f in enumerate(files)
        ]
        reference = payload.get("message_reference")
        referenced: StoredMessage | None = None
        if reference and reference.get("message_id"):
            referenced = self._messages.get(int(reference["message_id"]))
        content = payload.get("content") or ""
        users, roles, everyone = self._mentions(
            channel,
            author,
            content,
            payload.get("allowed_mentions"),
            referenced.author if referenced else None,
        )
        kind = 19 if referenced else 0
        data: JSON = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "author": author.to_dict(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts")),
            "mention_everyone": everyone,
            "mentions": [u.to_dict() for u in users],
            "mention_roles": [str(r) for r in roles],
            "attachments": attachments,
            "embeds": _normalise_embeds(payload.get("embeds") or []),
            "pinned": False,
            "type": kind,
            "flags": flags,
            "components": number_components(payload.get("components") or []),
        }
        if payload.get("nonce") is not None:
            data["nonce"] = payload["nonce"]
        if referenced is not None:
            data["message_reference"] = {
                "type": 0,
                "message_id": str(referenced.id),
                "channel_id": str(referenced.channel.id),
                "guild_id": str(referenced.channel.guild_id) if referenced.channel.guild else None,
            }
            data["referenced_message"] = _without_reference(referenced.data)
        if interaction is not None:
            data.update(_interaction_message_fields(self, interaction))
        ephemeral_to = interaction.user.id if interaction and flags & FLAG_EPHEMERAL else None
        stored = StoredMessage(data, channel, author, ephemeral_to, interaction)
        self._messages[message_id] = stored
        self._channel_messages[channel.id].append(message_id)
        if ephemeral_to is None:
            channel.last_message_id = message_id
            if channel.is_thread:
                channel.message_count += 1
            self._dispatch("MESSAGE_CREATE", self._gateway_message(stored), channel.guild)
        self._changed()
        return stored

    def _edit_message(
        self, stored: StoredMessage, payload: JSON, files: Sequence[FakeFile]
    ) -> None:
        """Apply a (validated) PATCH: only the fields present change."""
        data = stored.data
        if "content" in payload:
            data["content"] = payload["content"] or ""
        if "embeds" in payload:
            data["embeds"] = _normalise_embeds(payload["embeds"] or [])
        if "components" in payload:
            data["components"] = number_components(payload["components"] or [])
        if "attachments" in payload:
            keep = {str(a.get("id")) for a in payload["attachments"] or []}
            data["attachments"] = [a for a in data["attachments"] if a["id"] in keep]
        for f in files:
            data["attachments"].append(
                self._store_attachment(stored.channel.id, f.filename, f.data, f.content_type)
            )
        if "flags" in payload and payload["flags"] is not None:
            keep_flags = data["flags"] & (FLAG_EPHEMERAL | (1 << 5))
            data["flags"] = keep_flags | (payload["flags"] & ~(FLAG_EPHEMERAL | FLAG_LOADING))
        was_loading = stored.loading
        data["flags"] &= ~FLAG_LOADING
        if "content" in payload or "allowed_mentions" in payload:
            users, roles, everyone = self._mentions(
                stored.channel,
                stored.author,
                data["content"],
                payload.get("allowed_mentions"),
                None,
            )
            data.update(
                mentions=[u.to_dict() for u in users],
                mention_roles=[str(r) for r in roles],
                mention_everyone=everyone,
            )
        if not was_loading:
            data["edited_timestamp"] = iso_now()
        if stored.ephemeral_to is None:
            self._dispatch("MESSAGE_UPDATE", self._gateway_message(stored), stored.channel.guild)
        self._changed()

    def _delete_message(self, stored: StoredMessage) -> None:
        stored.deleted = True
        if stored.ephemeral_to is None:
            guild = stored.channel.guild
            data: JSON = {"id": str(stored.id), "channel_id": str(stored.channel.id)}
            if guild is not None:
                data["guild_id"] = str(guild.id)
            self._dispatch("MESSAGE_DELETE", data, guild)
        self._changed()

    def _gateway_message(self, stored: StoredMessage) -> JSON:
        data = copy.deepcopy(stored.data)
        guild = stored.channel.guild
        if guild is None:
            return data
        data["guild_id"] = str(guild.id)
        if (member := guild.members.get(stored.author.id)) is not None and not data.get(
            "webhook_id"
        ):
            data["member"] = member.to_dict(with_user=False)
        for mention in data["mentions"]:
            if (m := guild.members.get(int(mention["id"]))) is not None:
                mention["member"] = m.to_dict(with_user=False)
        return data

    def _hides_content(self, data: JSON, *, has_intent: bool) -> bool:
        """Discord's message-content rule: without the intent, content is empty except in DMs,
        in the bot's own messages and in messages that mention the bot."""
        if has_intent or self._is_dm(data):
            return False
        if int(data["author"]["id"]) == self.bot_user.id:
            return False
        return not any(int(u["id"]) == self.bot_user.id for u in data.get("mentions", []))

    def _is_dm(self, data: JSON) -> bool:
        channel = self._channels.get(int(data["channel_id"]))
        return channel is not None and channel.guild is None

    def _redact(self, data: JSON, *, has_intent: bool) -> JSON:
        if not self._hides_content(data, has_intent=has_intent):
            return data
        data = dict(data, content="", embeds=[], attachments=[], components=[])
        data.pop("poll", None)
        if isinstance(data.get("referenced_message"), dict):
            data["referenced_message"] = self._redact(data["referenced_message"], has_intent=False)
        return data

    def _redact_for(self, session: GatewaySession, event: str, data: JSON) -> JSON:
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            return self._redact(data, has_intent=session.has(Intents.MESSAGE_CONTENT))
        return data

    def _new_thread(
        self, parent: FakeChannel, thread_id: int, name: str, owner: FakeUser, kind: int
    ) -> FakeChannel:
        thread = FakeChannel(
            thread_id, kind, name, parent.guild, parent_id=parent.id, owner_id=owner.id
        )
        thread.member_ids.add(owner.id)
        self._add_channel(thread)
        data = thread.to_dict() | {"newly_created": True}
        if owner.id == self.bot_user.id:
            data["member"] = {
                "id": str(thread.id),
                "user_id": str(owner.id),
                "join_timestamp": iso_now(),
                "flags": 0,
            }
        self._dispatch("THREAD_CREATE", data, parent.guild)
        self._changed()
        return thread

    def _find_command(self, channel: FakeChannel, name: str, kind: int) -> tuple[JSON, int | None]:
        scopes: list[int | None] = [channel.guild.id] if channel.guild else []
        scopes.append(None)
        for scope in scopes:
            for cmd in self._commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == kind:
                    return cmd, scope
        registered = {
            ("global" if k is None else f"guild {k}"): [c["name"] for c in v]
            for k, v in self._commands.items()
        }
        raise FakeDiscordError(
            f"no command {name!r} of type {kind} is registered for this channel "
            f"(registered: {registered or 'none'}). Did the bot sync its command tree?"
        )

    def _check_command_access(self, channel: FakeChannel, user: Who, cmd: JSON, label: str) -> None:
        """What the Discord client enforces before a user can even run a command."""
        contexts = cmd.get("contexts")
        context = 0 if channel.guild else 1
        if contexts is not None and context not in contexts:
            raise FakeDiscordError(f"{label} is not available in this context ({context})")
        if channel.guild is None:
            return
        member = self._require_member(channel, _user(user))
        perms = channel.guild.permissions_in(channel, member)
        if not perms & P.USE_APPLICATION_COMMANDS:
            raise FakeDiscordError(f"{member.name} may not use application commands here")
        required = cmd.get("default_member_permissions")
        if required is not None and not perms & P.ADMINISTRATOR:
            needed = int(required)
            if needed == 0 or perms & needed != needed:
                raise FakeDiscordError(
                    f"{member.name} cannot see {label}: default_member_permissions={needed}"
                )

    def _command_data(
        self, cmd: JSON, guild_id: int | None, options: list[JSON] | None, resolved: JSON
    ) -> JSON:
        data: JSON = {"id": cmd["id"], "name": cmd["name"], "type": cmd.get("type", 1)}
        if options:
            data["options"] = options
        if resolved:
            data["resolved"] = resolved
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data

    def _component(
        self, channel: FakeChannel, user: Who, message: MessageRef, custom_id: str
    ) -> tuple[StoredMessage, JSON]:
        stored = self._stored(_message_id(message))
        if stored.channel.id != channel.id:
            raise FakeDiscordError(f"message {stored.id} is not in #{channel.name}")
        if stored.ephemeral_to is not None and stored.ephemeral_to != _user(user).id:
            raise FakeDiscordError(f"{_user(user).name} cannot see that ephemeral message")
        for component in _walk_components(stored.data.get("components") or []):
            if component.get("custom_id") == custom_id:
                if component.get("disabled"):
                    raise FakeDiscordError(f"component {custom_id!r} is disabled")
                return stored, component
        ids = [c.get("custom_id") for c in _walk_components(stored.data.get("components") or [])]
        raise FakeDiscordError(f"message {stored.id} has no component {custom_id!r} (has {ids})")

    def _interact(
        self,
        kind: int,
        channel: FakeChannel,
        who: Who,
        data: JSON,
        label: str,
        *,
        message: StoredMessage | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        guild_id = channel.guild.id if channel.guild is not None else None
        if not any(s.ready and s.handles_guild(guild_id) for s in self.gateway.live_sessions()):
            # (a session whose connection dropped still gets it, when it RESUMEs)
            raise FakeDiscordError(
                "no bot is connected to the fake gateway for this guild's shard "
                "(await fake.wait_ready())"
            )
        user = _user(who)
        interaction_id = self._ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel.id),
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(self._bot_permissions(channel)),
        }
        channel_data = channel.to_dict()
        guild = channel.guild
        if guild is not None:
            member = self._require_member(channel, user)
            perms = guild.permissions_in(channel, member)
            channel_data["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.locale, "features": []},
                guild_locale=guild.locale,
                member=member.to_dict() | {"permissions": str(perms)},
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            channel_data["permissions"] = str(self._bot_permissions(channel))
            payload.update(
                user=user.to_dict(), authorizing_integration_owners={"0": "0"}, context=1
            )
        payload["channel"] = channel_data
        if message is not None:
            payload["message"] = copy.deepcopy(message.data)
        ix = FakeInteraction(
            fake=self,
            id=interaction_id,
            token=token,
            type=kind,
            payload=payload,
            channel=channel,
            user=user,
            created_at=self.now(),
            label=label,
            source_message_id=message.id if message is not None else None,
        )
        self.interactions.append(ix)
        self._interactions[interaction_id] = ix
        self._tokens[token] = ix
        self._user_events[channel.id] = interaction_id
        self._dispatch("INTERACTION_CREATE", payload, guild)
        return ix


_SELECT_OPTION = {5: 6, 6: 8, 7: 9, 8: 7}  # select type -> the option type its values resolve as


def _user(who: Who) -> FakeUser:
    return who.user if isinstance(who, FakeMember) else who


def _message_id(ref: MessageRef) -> int:
    return int(ref["id"]) if isinstance(ref, dict) else int(ref)


def _spec_type(spec: FileSpec) -> str | None:
    return spec[2] if len(spec) > 2 else None


def _normalise_embeds(embeds: list[JSON]) -> list[JSON]:
    return [{"type": "rich", **copy.deepcopy(e)} for e in embeds]


def number_components(components: list[JSON]) -> list[JSON]:
    """Discord gives every component a numeric ``id`` (in order) when the bot did not."""
    components = copy.deepcopy(components)
    counter = iter(range(1, 1000))
    for c in _walk_components(components):
        if "id" not in c:
            c["id"] = next(counter)
    return components


def _walk_components(components: list[JSON]) -> list[JSON]:
    out: list[JSON] = []
    for c in components:
        out.append(c)
        out.extend(_walk_components(c.get("components") or []))
        for key in ("accessory", "component"):
            if isinstance(c.get(key), dict):
                out.extend(_walk_components([c[key]]))
    return out


def _without_reference(data: JSON) -> JSON:
    out = copy.deepcopy(data)
    out.pop("referenced_message", None)
    return out


def _interaction_message_fields(fake: FakeDiscord, ix: FakeInteraction) -> JSON:
    data = ix.payload.get("data") or {}
    name = data.get("name") or data.get("custom_id") or ""
    metadata: JSON = {
        "id": str(ix.id),
        "type": ix.type,
        "user": ix.user.to_dict(),
        "authorizing_integration_owners": ix.payload.get("authorizing_integration_owners", {}),
    }
    if ix.original_message_id is not None:
        metadata["original_response_message_id"] = str(ix.original_message_id)
    if ix.source_message_id is not None:
        metadata["interacted_message_id"] = str(ix.source_message_id)
    kind = 0
    if ix.type == APPLICATION_COMMAND:
        kind = 20 if data.get("type", 1) == 1 else 23
        metadata["name"] = name
        metadata["command_type"] = data.get("type", 1)
    return {
        "type": kind,
        "webhook_id": str(fake.application_id),
        "application_id": str(fake.application_id),
        "interaction_metadata": metadata,
        "interaction": {"id": str(ix.id), "type": ix.type, "name": name, "user": ix.user.to_dict()},
    }


def _modal_inputs(modal: JSON) -> dict[str, JSON]:
    return {
        c["custom_id"]: c
        for c in _walk_components(modal.get("components") or [])
        if c.get("type") in MODAL_INPUTS
    }


def _modal_answer(top: JSON, values: Mapping[str, Any], builder: OptionBuilder) -> JSON:
    """One top-level modal component as Discord submits it back."""

    def answer(c: JSON) -> JSON:
        kind, custom_id = c["type"], c["custom_id"]
        given = values.get(custom_id)
        out: JSON = {"type": kind, "id": c.get("id"), "custom_id": custom_id}
        if kind == TEXT_INPUT:
            out["value"] = given if given is not None else c.get("value") or ""
        elif kind == 3:
            out["values"] = [str(v) for v in given or []]
        elif kind in _SELECT_OPTION:
            schema = {"type": _SELECT_OPTION[kind], "name": custom_id}
            out["values"] = [builder.value(schema, v, {}) for v in given or []]
        elif kind == FILE_UPLOAD:
            schema = {"type": 11, "name": custom_id}
            out["values"] = [builder.value(schema, spec, {}) for spec in given or []]
        elif kind == CHECKBOX_GROUP:
            out["values"] = [str(v) for v in given or []]
        elif kind == CHECKBOX:
            out["value"] = bool(given)
        else:
            out["value"] = given
        return out

    if top.get("type") == 1:
        return {
            "type": 1,
            "id": top.get("id"),
            "components": [answer(c) for c in top["components"]],
        }
    if top.get("type") == 18:
        return {"type": 18, "id": top.get("id"), "component": answer(top["component"])}
    return {"type": top.get("type"), "id": top.get("id")}

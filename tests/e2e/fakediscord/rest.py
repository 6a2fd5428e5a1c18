"""The REST half of the fake: routes under ``/api/v10``, the attachment CDN, recording.

Handlers return JSON (200), ``None`` (204) or raise :class:`DiscordHTTPError`. A middleware
parses bodies (JSON or multipart ``payload_json`` + ``files[n]``), checks the bot token, applies
the faults of ``fake.faults`` (errors before or after handling, 429s and rate-limit buckets,
slow answers, actions) and records every request with the status it got.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BodyPartReader, web

from . import errors as E
from .errors import DiscordHTTPError, FormErrors
from .fake import (
    ATTACHMENT_SIZE_LIMIT,
    FOLLOWUP_WINDOW,
    FakeDiscord,
    RecordedRequest,
    StoredMessage,
    number_components,
)
from .faults import RestVerdict, sleep_answer
from .interactions import (
    ALLOWED_CALLBACKS,
    FakeFile,
    FakeInteraction,
    InteractionReply,
    snapshot,
)
from .models import JSON, ChannelType, FakeChannel, FakeGuild, P
from .validate import (
    FLAG_EPHEMERAL,
    FLAG_HAS_THREAD,
    FLAG_LOADING,
    check_choices,
    check_commands,
    check_message,
    check_modal,
    is_empty,
)

API = "/api/v10"
NONCE_MAX = 25
NONCE_WINDOW = 5 * 60.0  # "the past few minutes" in which an enforced nonce is unique
RECORD = web.RequestKey("record", RecordedRequest)
Handler = Callable[["Call"], Awaitable[Any]]


class Call:
    """A parsed request as handlers see it."""

    def __init__(self, request: web.Request, record: RecordedRequest) -> None:
        self.request = request
        self.record = record
        self.params = request.match_info
        self.query = request.query
        self.json: Any = record.json
        self.files: list[FakeFile] = record.files

    def int(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise E.not_found_route() from None

    def body(self) -> JSON:
        return self.json if isinstance(self.json, dict) else {}


def _json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # exactly "application/json": discord.py ignores a body labelled with a charset
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def _parse_body(request: web.Request) -> tuple[Any, list[FakeFile]]:
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[FakeFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            name = part.name or ""
            if name == "payload_json":
                payload = json.loads(data)
            else:
                files.append(
                    FakeFile(
                        name,
                        part.filename or name,
                        bytes(data),
                        part.headers.get("Content-Type"),
                    )
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise DiscordHTTPError(400, 50109, "The request body contains invalid JSON.") from None


def build_app(fake: FakeDiscord) -> web.Application:
    rest = Rest(fake)

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        path = request.path.removeprefix(API)
        record = RecordedRequest(request.method, path, dict(request.query), None, [])
        record.reason = request.headers.get("X-Audit-Log-Reason")
        fake._record(record)
        request[RECORD] = record
        verdict = RestVerdict()
        try:
            record.json, record.files = await _parse_body(request)
            if request.path.startswith(API):
                verdict = await fake.faults.on_request(request.method, path)
            if verdict.drop:
                record.injected, record.note = True, "injected: connection dropped"
                return _drop(request)
            if verdict.error is not None:
                status, body, headers = verdict.error
                record.injected = True
                record.status, record.response = status, body
                record.note = "injected"
                await sleep_answer(verdict.delay)
                return _json_response(body, status, headers)
            needs_token = request.path.startswith(API) and not _token_in_url(path)
            if needs_token and request.headers.get("Authorization") != f"Bot {fake.token}":
                raise E.unauthorized()
            result = await handler(request)
        except DiscordHTTPError as exc:
            record.status, record.response = exc.status, exc.body()
            if exc.code == 0 and exc.status in (404, 405):
                record.note = "route or method not implemented by the fake"
            await sleep_answer(verdict.delay)
            return _json_response(exc.body(), exc.status, verdict.headers)
        except web.HTTPException as exc:
            record.status, record.response = exc.status, {"message": exc.reason, "code": 0}
            record.note = "route or method not implemented by the fake"
            return _json_response(record.response, exc.status)
        finally:
            fake._changed()
        await sleep_answer(verdict.delay)
        if verdict.after is not None and verdict.after.drop:
            record.injected = True
            record.note = f"injected: connection dropped after handling (answered {result.status})"
            return _drop(request)
        if verdict.after is not None:  # done, and the answer is lost on its way back
            lost = verdict.after
            record.injected = True
            record.status, record.response = lost.status, dict(lost.body)
            record.note = f"injected after handling (it was answered {result.status})"
            fake._changed()
            return _json_response(lost.body, lost.status, lost.headers)
        record.status = result.status
        if (
            isinstance(result, web.Response)
            and result.body
            and result.content_type == "application/json"
        ):
            record.response = json.loads(result.body)  # type: ignore[arg-type]
        result.headers.update(verdict.headers)
        return result

    app = web.Application(middlewares=[middleware], client_max_size=64 * 1024 * 1024)
    app.router.add_get("/gateway", fake.gateway.handle)
    app.router.add_get("/attachments/{channel}/{id}/{name}", rest.cdn)
    app.router.add_get("/ephemeral-attachments/{channel}/{id}/{name}", rest.cdn)
    for method, path, handler in rest.routes():
        app.router.add_route(method, API + path, _wrap(handler))
    app.router.add_route("*", API + "/{tail:.*}", _wrap(rest.unknown_route))
    return app


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer (the client sees it drop)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)  # never written: the transport is gone


def _token_in_url(path: str) -> bool:
    return path.startswith(("/interactions/", "/webhooks/")) or path in ("/gateway",)


def _wrap(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def run(request: web.Request) -> web.StreamResponse:
        call = Call(request, request[RECORD])
        result = await handler(call)
        if result is None:
            return web.Response(status=204)
        return _json_response(result)

    return run


class Rest:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def routes(self) -> list[tuple[str, str, Handler]]:
        a, g = "/applications/{app}", "/applications/{app}/guilds/{guild}"
        msg = "/channels/{channel}/messages/{message}"
        hook = "/webhooks/{app}/{token}"
        return [
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/users/@me", self.get_me),
            ("GET", "/users/{user}", self.get_user),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", a + "/commands", self.get_commands),
            ("PUT", a + "/commands", self.put_commands),
            ("POST", a + "/commands", self.post_command),
            ("GET", a + "/commands/{command}", self.get_command),
            ("DELETE", a + "/commands/{command}", self.delete_command),
            ("GET", g + "/commands", self.get_commands),
            ("PUT", g + "/commands", self.put_commands),
            ("POST", g + "/commands", self.post_command),
            ("GET", g + "/commands/{command}", self.get_command),
            ("DELETE", g + "/commands/{command}", self.delete_command),
            ("GET", g + "/commands/permissions", self.get_command_permissions),
            ("GET", a + "/entitlements", self.empty_list),
            ("GET", "/channels/{channel}", self.get_channel),
            ("PATCH", "/channels/{channel}", self.patch_channel),
            ("POST", "/channels/{channel}/typing", self.typing),
            ("GET", "/channels/{channel}/messages", self.get_messages),
            ("POST", "/channels/{channel}/messages", self.post_message),
            ("POST", "/channels/{channel}/messages/bulk-delete", self.bulk_delete),
            ("GET", msg, self.get_message),
            ("PATCH", msg, self.patch_message),
            ("DELETE", msg, self.delete_message),
            ("PUT", msg + "/reactions/{emoji}/@me", self.add_reaction),
            ("DELETE", msg + "/reactions/{emoji}/@me", self.remove_reaction),
            ("POST", msg + "/threads", self.thread_from_message),
            ("POST", "/channels/{channel}/threads", self.thread_without_message),
            ("PUT", "/channels/{channel}/thread-members/{user}", self.join_thread),
            ("GET", "/guilds/{guild}", self.get_guild),
            ("GET", "/guilds/{guild}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild}/roles", self.get_roles),
            ("GET", "/guilds/{guild}/members", self.get_members),
            ("GET", "/guilds/{guild}/members/{user}", self.get_member),
            ("GET", "/guilds/{guild}/threads/active", self.get_active_threads),
            ("POST", "/interactions/{id}/{token}/callback", self.interaction_callback),
            ("POST", hook, self.followup),
            ("GET", hook + "/messages/{message}", self.get_webhook_message),
            ("PATCH", hook + "/messages/{message}", self.edit_webhook_message),
            ("DELETE", hook + "/messages/{message}", self.delete_webhook_message),
        ]

    # -- helpers ------------------------------------------------------------------------------

    def channel(self, call: Call, *, need: int = P.VIEW_CHANNEL) -> FakeChannel:
        channel = self.fake._channels.get(call.int("channel"))
        if channel is None:
            raise E.unknown_channel()
        self.require(channel, need)
        return channel

    def require(self, channel: FakeChannel, need: int) -> None:
        perms = self.fake._bot_permissions(channel)
        if not perms & P.VIEW_CHANNEL:
            raise E.missing_access()
        if perms & need != need:
            raise E.missing_permissions()

    def guild(self, call: Call) -> FakeGuild:
        guild = self.fake._guilds.get(call.int("guild"))
        if guild is None:
            raise E.unknown("Guild", 10004)
        return guild

    def message_in(self, channel: FakeChannel, message_id: int) -> StoredMessage:
        stored = self.fake._messages.get(message_id)
        if (
            stored is None
            or stored.deleted
            or stored.channel.id != channel.id
            or stored.ephemeral_to is not None
        ):
            raise E.unknown_message()
        return stored

    def rest_message(self, stored: StoredMessage) -> JSON:
        return self.fake._redact(
            copy.deepcopy(stored.data), has_intent=self.fake.privileged_intents_allowed
        )

    def validate_message(
        self, payload: JSON, files: list[FakeFile], *, prefix: tuple[str, ...] = (), ephemeral: bool
    ) -> None:
        errors = FormErrors(prefix)
        check_message(errors, payload, allow_ephemeral=ephemeral)
        errors.raise_if_any()
        if sum(len(f.data) for f in files) > ATTACHMENT_SIZE_LIMIT:
            raise DiscordHTTPError(413, 40005, "Request entity too large")

    def check_reference(self, channel: FakeChannel, payload: JSON) -> None:
        reference = payload.get("message_reference")
        if not reference:
            return
        target = self.fake._messages.get(int(reference.get("message_id") or 0))
        if target is None or target.deleted or target.ephemeral_to is not None:
            if reference.get("fail_if_not_exists", True):
                errors = FormErrors()
                errors.add(
                    ("message_reference",),
                    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    "Unknown message",
                )
                errors.raise_if_any()
            payload.pop("message_reference")
        elif target.channel.id != channel.id and reference.get("type", 0) == 0:
            errors = FormErrors()
            errors.add(
                ("message_reference",),
                "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL",
                "Cannot reply to a message in a different channel",
            )
            errors.raise_if_any()

    # -- misc ---------------------------------------------------------------------------------

    async def unknown_route(self, call: Call) -> Any:
        raise E.not_found_route()

    async def empty_list(self, call: Call) -> Any:
        return []

    async def cdn(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path not in self.fake._cdn:
            raise DiscordHTTPError(404, 0, "404: Not Found")
        data, content_type = self.fake._cdn[path]
        return web.Response(body=data, headers={"Content-Type": content_type})

    async def get_gateway(self, call: Call) -> Any:
        return {"url": self.fake.gateway_url}

    async def get_gateway_bot(self, call: Call) -> Any:
        return {
            "url": self.fake.gateway_url,
            "shards": self.fake.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    async def get_me(self, call: Call) -> Any:
        return self.fake._bot_user_payload()

    async def get_user(self, call: Call) -> Any:
        user = self.fake._users.get(call.int("user"))
        if user is None:
            raise E.unknown("User", 10013)
        return user.to_dict()

    async def create_dm(self, call: Call) -> Any:
        user = self.fake._users.get(int(call.body().get("recipient_id") or 0))
        if user is None:
            raise E.unknown("User", 10013)
        return self.fake.dm_channel(user).to_dict()

    async def get_application(self, call: Call) -> Any:
        return self.fake._application_payload()

    # -- application commands -----------------------------------------------------------------

    def scope(self, call: Call) -> int | None:
        if call.int("app") != self.fake.application_id:
            raise E.unknown("Application", 10002)
        if "guild" in call.params:
            return self.guild(call).id
        return None

    def register(self, scope: int | None, command: JSON) -> JSON:
        kind = command.get("type", 1)
        key = (scope, kind, command["name"])
        command_id = self.fake._command_ids.setdefault(key, self.fake._ids.next())
        out = copy.deepcopy(command)
        out.update(
            id=str(command_id),
            application_id=str(self.fake.application_id),
            version=str(self.fake._ids.next()),
            type=kind,
            description=command.get("description", ""),
            default_member_permissions=command.get("default_member_permissions"),
            nsfw=command.get("nsfw", False),
        )
        if scope is not None:
            out["guild_id"] = str(scope)
        else:
            out.setdefault("contexts", None)
            out.setdefault("integration_types", [0])
        return out

    async def get_commands(self, call: Call) -> Any:
        return copy.deepcopy(self.fake._commands.get(self.scope(call), []))

    async def put_commands(self, call: Call) -> Any:
        scope = self.scope(call)
        commands = call.json if isinstance(call.json, list) else []
        errors = FormErrors()
        check_commands(errors, commands)
        errors.raise_if_any()
        self.fake._commands[scope] = [self.register(scope, c) for c in commands]
        return copy.deepcopy(self.fake._commands[scope])

    async def post_command(self, call: Call) -> Any:
        scope = self.scope(call)
        errors = FormErrors()
        check_commands(errors, [call.body()])
        errors.raise_if_any()
        new = self.register(scope, call.body())
        existing = [c for c in self.fake._commands.get(scope, []) if c["id"] != new["id"]]
        self.fake._commands[scope] = [*existing, new]
        return copy.deepcopy(new)

    def command(self, call: Call) -> tuple[int | None, JSON]:
        scope = self.scope(call)
        for cmd in self.fake._commands.get(scope, []):
            if cmd["id"] == call.params["command"]:
                return scope, cmd
        raise E.unknown("application command", 10063)

    async def get_command(self, call: Call) -> Any:
        return copy.deepcopy(self.command(call)[1])

    async def delete_command(self, call: Call) -> Any:
        scope, cmd = self.command(call)
        self.fake._commands[scope].remove(cmd)
        return None

    async def get_command_permissions(self, call: Call) -> Any:
        self.scope(call)
        return []

    # -- channels and messages ----------------------------------------------------------------

    async def get_channel(self, call: Call) -> Any:
        return self.channel(call).to_dict()

    async def patch_channel(self, call: Call) -> Any:
        channel = self.channel(call)
        body = call.body()
        if channel.is_thread:
            if channel.owner_id != self.fake.bot_user.id:
                self.require(channel, P.MANAGE_THREADS)
            channel.name = body.get("name", channel.name)
            channel.archived = body.get("archived", channel.archived)
            channel.locked = body.get("locked", channel.locked)
            event = "THREAD_UPDATE"
        else:
            self.require(channel, P.MANAGE_CHANNELS)
            channel.name = body.get("name", channel.name)
            channel.topic = body.get("topic", channel.topic)
            event = "CHANNEL_UPDATE"
        self.fake._dispatch(event, channel.to_dict(), channel.guild)
        return channel.to_dict()

    async def typing(self, call: Call) -> Any:
        self.channel(call)
        return None

    async def get_messages(self, call: Call) -> Any:
        channel = self.channel(call, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        limit = min(int(call.query.get("limit", 50)), 100)
        before = int(call.query.get("before", 0)) or None
        after = int(call.query.get("after", 0))
        ids = [
            i
            for i in self.fake._channel_messages.get(channel.id, [])
            if i > after and (before is None or i < before)
        ]
        found = [self.fake._messages[i] for i in ids]
        visible = [m for m in found if not m.deleted and m.ephemeral_to is None]
        visible = visible[:limit] if "after" in call.query else visible[-limit:]
        return [self.rest_message(m) for m in reversed(visible)]

    async def get_message(self, call: Call) -> Any:
        channel = self.channel(call, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        return self.rest_message(self.message_in(channel, call.int("message")))

    async def post_message(self, call: Call) -> Any:
        channel = self.fake._channels.get(call.int("channel"))
        if channel is None:
            raise E.unknown_channel()
        payload = call.body()
        need = P.VIEW_CHANNEL
        need |= P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
        if payload.get("message_reference"):
            need |= P.READ_MESSAGE_HISTORY
        if call.files:
            need |= P.ATTACH_FILES
        self.require(channel, need)
        if channel.is_thread and channel.archived:
            if channel.locked:
                raise DiscordHTTPError(400, 50083, "Thread is archived")
            channel.archived = False
            self.fake._dispatch("THREAD_UPDATE", channel.to_dict(), channel.guild)
        self.validate_message(payload, call.files, ephemeral=False)
        if is_empty(payload, n_attachments=len(call.files)):
            raise E.empty_message()
        self.check_reference(channel, payload)
        nonce = payload.get("nonce")
        if nonce is not None and len(str(nonce)) > NONCE_MAX:
            errors = FormErrors()
            errors.max_length(("nonce",), str(nonce), NONCE_MAX)
            errors.raise_if_any()
        key = (channel.id, self.fake.bot_user.id, str(nonce))
        if nonce is not None and payload.get("enforce_nonce"):
            # the same nonce within a few minutes: Discord answers with the message it made
            earlier_id, at = self.fake._nonces.get(key, (0, 0.0))
            earlier = self.fake._messages.get(earlier_id)
            fresh = self.fake.now() - at < NONCE_WINDOW
            if earlier is not None and not earlier.deleted and fresh:
                return copy.deepcopy(earlier.data)
        if not self.fake._bot_permissions(channel) & P.EMBED_LINKS:
            payload = dict(payload, embeds=[])  # Discord drops embeds the bot may not post
        stored = self.fake._create_message(channel, self.fake.bot_user, payload, call.files)
        if nonce is not None:
            self.fake._nonces[key] = (stored.id, self.fake.now())
        return copy.deepcopy(stored.data)

    async def patch_message(self, call: Call) -> Any:
        channel = self.channel(call)
        stored = self.message_in(channel, call.int("message"))
        payload = call.body()
        if stored.author.id != self.fake.bot_user.id:
            if set(payload) - {"flags"}:
                raise DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")
            self.require(channel, P.MANAGE_MESSAGES)
        self.edit(stored, payload, call.files, prefix=())
        return copy.deepcopy(stored.data)

    def edit(
        self,
        stored: StoredMessage,
        payload: JSON,
        files: list[FakeFile],
        *,
        prefix: tuple[str, ...],
    ) -> None:
        self.validate_message(payload, files, prefix=prefix, ephemeral=True)
        merged = {
            "content": payload.get("content", stored.data["content"]),
            "embeds": payload.get("embeds", stored.data["embeds"]),
            "components": payload.get("components", stored.data["components"]),
        }
        kept = (
            len(payload["attachments"])
            if "attachments" in payload
            else len(stored.data["attachments"])
        )
        if is_empty(merged, n_attachments=kept + len(files)):
            raise E.empty_message()
        self.fake._edit_message(stored, payload, files)

    async def delete_message(self, call: Call) -> Any:
        channel = self.channel(call)
        stored = self.message_in(channel, call.int("message"))
        if stored.author.id != self.fake.bot_user.id:
            self.require(channel, P.MANAGE_MESSAGES)
        self.fake._delete_message(stored)
        return None

    async def bulk_delete(self, call: Call) -> Any:
        channel = self.channel(call, need=P.VIEW_CHANNEL | P.MANAGE_MESSAGES)
        ids = [int(i) for i in call.body().get("messages") or []]
        if not 2 <= len(ids) <= 100:
            errors = FormErrors()
            errors.length_between(("messages",), ids, 2, 100)
            errors.raise_if_any()
        for message_id in ids:
            self.fake._delete_message(self.message_in(channel, message_id))
        return None

    def reaction_event(self, stored: StoredMessage, emoji: str, event: str) -> None:
        guild = stored.channel.guild
        name, _, emoji_id = emoji.partition(":")
        data: JSON = {
            "user_id": str(self.fake.bot_user.id),
            "channel_id": str(stored.channel.id),
            "message_id": str(stored.id),
            "emoji": {"id": emoji_id or None, "name": name},
            "burst": False,
            "type": 0,
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if event == "MESSAGE_REACTION_ADD":
                data["member"] = self.fake.bot_member(guild).to_dict()
                data["message_author_id"] = str(stored.author.id)
        self.fake._dispatch(event, data, guild)

    def render_reactions(self, stored: StoredMessage) -> None:
        stored.data["reactions"] = [
            {
                "emoji": {"id": e.partition(":")[2] or None, "name": e.partition(":")[0]},
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": self.fake.bot_user.id in users,
                "me_burst": False,
                "burst_colors": [],
            }
            for e, users in stored.reactions.items()
            if users
        ]

    async def add_reaction(self, call: Call) -> Any:
        channel = self.channel(call, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        stored = self.message_in(channel, call.int("message"))
        emoji = call.params["emoji"]
        if not stored.reactions.get(emoji):
            self.require(channel, P.ADD_REACTIONS)
        users = stored.reactions.setdefault(emoji, set())
        if self.fake.bot_user.id not in users:
            users.add(self.fake.bot_user.id)
            self.render_reactions(stored)
            self.reaction_event(stored, emoji, "MESSAGE_REACTION_ADD")
        return None

    async def remove_reaction(self, call: Call) -> Any:
        channel = self.channel(call)
        stored = self.message_in(channel, call.int("message"))
        emoji = call.params["emoji"]
        if self.fake.bot_user.id in stored.reactions.get(emoji, set()):
            stored.reactions[emoji].discard(self.fake.bot_user.id)
            self.render_reactions(stored)
            self.reaction_event(stored, emoji, "MESSAGE_REACTION_REMOVE")
        return None

    # -- threads ------------------------------------------------------------------------------

    def thread_name(self, body: JSON) -> str:
        errors = FormErrors()
        errors.length_between(("name",), body.get("name"), 1, 100)
        if body.get("auto_archive_duration") not in (None, 60, 1440, 4320, 10080):
            errors.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                "Value must be one of {60, 1440, 4320, 10080}.",
            )
        errors.raise_if_any()
        return str(body["name"])

    def thread_parent(self, call: Call, need: int) -> FakeChannel:
        channel = self.channel(call)
        if channel.type not in (ChannelType.TEXT, ChannelType.NEWS):
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        self.require(channel, need)
        return channel

    async def thread_from_message(self, call: Call) -> Any:
        channel = self.thread_parent(call, P.VIEW_CHANNEL | P.CREATE_PUBLIC_THREADS)
        stored = self.message_in(channel, call.int("message"))
        if stored.id in self.fake._channels:
            raise DiscordHTTPError(
                400, 160004, "A thread has already been created for this message"
            )
        body = call.body()
        name = self.thread_name(body)
        thread = self.fake._new_thread(
            channel, stored.id, name, self.fake.bot_user, ChannelType.PUBLIC_THREAD
        )
        thread.auto_archive_duration = body.get("auto_archive_duration") or 1440
        stored.data["thread"] = thread.to_dict()
        stored.data["flags"] |= FLAG_HAS_THREAD
        self.fake._dispatch("MESSAGE_UPDATE", self.fake._gateway_message(stored), channel.guild)
        return thread.to_dict()

    async def thread_without_message(self, call: Call) -> Any:
        body = call.body()
        kind = body.get("type", ChannelType.PRIVATE_THREAD)
        if kind not in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD):
            errors = FormErrors()
            errors.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.")
            errors.raise_if_any()
        need = (
            P.CREATE_PUBLIC_THREADS
            if kind == ChannelType.PUBLIC_THREAD
            else P.CREATE_PRIVATE_THREADS
        )
        channel = self.thread_parent(call, P.VIEW_CHANNEL | need)
        name = self.thread_name(body)
        thread = self.fake._new_thread(
            channel, self.fake._ids.next(), name, self.fake.bot_user, kind
        )
        return thread.to_dict()

    async def join_thread(self, call: Call) -> Any:
        thread = self.channel(call)
        if not thread.is_thread:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        user = call.params["user"]
        thread.member_ids.add(self.fake.bot_user.id if user == "@me" else int(user))
        return None

    # -- guilds -------------------------------------------------------------------------------

    async def get_guild(self, call: Call) -> Any:
        guild = self.guild(call)
        data = guild.to_dict(members=[])
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at"):
            data.pop(key, None)
        data["approximate_member_count"] = len(guild.members)
        return data

    async def get_guild_channels(self, call: Call) -> Any:
        guild = self.guild(call)
        return [c.to_dict() for c in guild.channels.values() if not c.is_thread]

    async def get_roles(self, call: Call) -> Any:
        return [r.to_dict() for r in self.guild(call).roles.values()]

    async def get_members(self, call: Call) -> Any:
        guild = self.guild(call)
        if not self.fake.privileged_intents_allowed:
            raise E.missing_access()
        limit = int(call.query.get("limit", 1))
        after = int(call.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return [m.to_dict() for m in members[:limit]]

    async def get_member(self, call: Call) -> Any:
        member = self.guild(call).members.get(call.int("user"))
        if member is None:
            raise E.unknown("Member", 10007)
        return member.to_dict()

    async def get_active_threads(self, call: Call) -> Any:
        guild = self.guild(call)
        threads = [c for c in guild.channels.values() if c.is_thread and not c.archived]
        return {"threads": [t.to_dict() for t in threads], "members": []}

    # -- interactions and their webhooks ------------------------------------------------------

    def interaction(self, call: Call) -> FakeInteraction:
        ix = self.fake._interactions.get(call.int("id"))
        if ix is None or ix.token != call.params["token"]:
            raise E.unknown_interaction()
        return ix

    async def interaction_callback(self, call: Call) -> Any:
        ix = self.interaction(call)
        body = call.body()
        if ix.callback_type is not None:
            raise E.already_acknowledged()
        if self.fake.now() - ix.created_at > self.fake.interaction_timeout:
            raise E.unknown_interaction()
        if ix.channel.id not in self.fake._channels:
            raise E.unknown_channel()
        kind = body.get("type")
        data = body.get("data") or {}
        allowed = set(ALLOWED_CALLBACKS[ix.type]) | {1}
        if kind in (6, 7) and ix.source_message_id is None:
            allowed -= {6, 7}
        if kind not in allowed:
            errors = FormErrors()
            errors.add(("type",), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(allowed)}.")
            errors.raise_if_any()
        message: StoredMessage | None = None
        if kind == 4:
            self.validate_message(data, call.files, prefix=("data",), ephemeral=True)
            if is_empty(data, n_attachments=len(call.files)):
                raise E.empty_message()
            message = self.fake._create_message(
                ix.channel, self.fake.bot_user, data, call.files, interaction=ix
            )
            ix.original_message_id = message.id
        elif kind == 5:
            flags = FLAG_LOADING | ((data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self.fake._create_message(
                ix.channel, self.fake.bot_user, {"content": ""}, [], interaction=ix, flags=flags
            )
            ix.original_message_id = message.id
        elif kind in (6, 7):
            message = self.fake._messages[ix.source_message_id or 0]
            ix.original_message_id = message.id
            if kind == 7:
                self.edit(message, data, call.files, prefix=("data",))
        elif kind == 8:
            errors = FormErrors(("data",))
            check_choices(errors, data)
            errors.raise_if_any()
            ix.choices = copy.deepcopy(data["choices"])
        elif kind == 9:
            errors = FormErrors(("data",))
            check_modal(errors, data)
            errors.raise_if_any()
            ix.modal = dict(data, components=number_components(data["components"]))
        ix.callback_type = kind
        shown = message if kind in (4, 7) else None
        self.reply(ix, call, "callback", kind, data, shown)
        if "with_response" not in call.query:
            return None
        info: JSON = {"id": str(ix.id), "type": ix.type}
        if message is not None:
            info.update(
                response_message_id=str(message.id),
                response_message_loading=kind == 5,
                response_message_ephemeral=message.ephemeral_to is not None,
            )
        resource: JSON = {"type": kind}
        if message is not None and kind != 6:
            resource["message"] = copy.deepcopy(message.data)
        return {"interaction": info, "resource": resource}

    def reply(
        self,
        ix: FakeInteraction,
        call: Call,
        kind: str,
        callback: int | None,
        data: JSON,
        message: StoredMessage | None,
    ) -> None:
        shot = snapshot(message.data, data.get("allowed_mentions")) if message else None
        data = copy.deepcopy(data)
        reply = InteractionReply(kind, callback, data, call.files, shot, call.record.at)
        ix.responses.append(reply)
        self.fake._changed()

    def webhook_interaction(self, call: Call) -> FakeInteraction:
        ix = self.fake._tokens.get(call.params["token"])
        if ix is None or call.int("app") != self.fake.application_id:
            raise E.unknown_webhook()
        if self.fake.now() - ix.created_at > FOLLOWUP_WINDOW:
            raise DiscordHTTPError(401, 50027, "Invalid Webhook Token")
        if ix.callback_type is None:
            raise E.unknown_webhook()
        if ix.channel.id not in self.fake._channels:
            raise E.unknown_channel()
        return ix

    def webhook_message(self, ix: FakeInteraction, call: Call) -> StoredMessage:
        raw = call.params["message"]
        message_id = ix.original_message_id if raw == "@original" else _int_or_zero(raw)
        if message_id is None or (
            message_id != ix.original_message_id and message_id not in ix.followup_ids
        ):
            raise E.unknown_message()
        stored = self.fake._messages.get(message_id)
        if stored is None or stored.deleted:
            raise E.unknown_message()
        return stored

    async def followup(self, call: Call) -> Any:
        ix = self.webhook_interaction(call)
        payload = call.body()
        self.validate_message(payload, call.files, ephemeral=True)
        if is_empty(payload, n_attachments=len(call.files)):
            raise E.empty_message()
        original = self.fake._messages.get(ix.original_message_id or 0)
        if (
            ix.callback_type == 5
            and original is not None
            and original.loading
            and not original.deleted
        ):
            # the first follow-up after a "thinking" defer replaces the placeholder (once the
            # bot deleted the placeholder, a follow-up is a new message, ephemeral or not)
            self.fake._edit_message(
                original, {k: v for k, v in payload.items() if k != "flags"}, call.files
            )
            message = original
        else:
            message = self.fake._create_message(
                ix.channel, self.fake.bot_user, payload, call.files, interaction=ix
            )
            ix.followup_ids.append(message.id)
        self.reply(ix, call, "followup", None, payload, message)
        if call.query.get("wait") in ("1", "true", "True"):
            return copy.deepcopy(message.data)
        return None

    async def get_webhook_message(self, call: Call) -> Any:
        ix = self.webhook_interaction(call)
        return copy.deepcopy(self.webhook_message(ix, call).data)

    async def edit_webhook_message(self, call: Call) -> Any:
        ix = self.webhook_interaction(call)
        stored = self.webhook_message(ix, call)
        payload = call.body()
        self.edit(stored, payload, call.files, prefix=())
        self.reply(ix, call, "edit", None, payload, stored)
        return copy.deepcopy(stored.data)

    async def delete_webhook_message(self, call: Call) -> Any:
        ix = self.webhook_interaction(call)
        stored = self.webhook_message(ix, call)
        self.fake._delete_message(stored)
        self.reply(ix, call, "delete", None, {}, None)
        return None


def _int_or_zero(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0

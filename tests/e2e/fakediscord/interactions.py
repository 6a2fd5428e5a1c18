"""Interactions the fake sends to the bot, what the bot answered, and building command options
from the schema the bot registered (so types and subcommand nesting are Discord's, not a guess)."""

# A ``timeout=`` argument on waits is this API's contract (as in asyncio.wait_for).
# ruff: noqa: ASYNC109

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import FakeDiscordError
from .models import FakeChannel, FakeMember, FakeRole, FakeUser

if TYPE_CHECKING:
    from .fake import FakeDiscord

JSON = dict[str, Any]

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Interaction callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)

# A file a test gives as an option or attachment: (filename, bytes) or (filename, bytes, type).
FileSpec = tuple[str, bytes] | tuple[str, bytes, str]


@dataclass
class FakeFile:
    """A file the bot uploaded (``files[n]`` of a multipart request)."""

    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class InteractionReply:
    """One thing the bot did with an interaction, in order.

    ``kind``: "callback" (``type`` is the callback type 1, 4-9), "followup", "edit"
    (PATCH of @original or of a follow-up), "delete".
    ``data``: the JSON body the bot sent (``payload_json`` of a multipart request).
    ``message``: the message this produced or changed, as Discord stores it right after this
    reply, plus ``allowed_mentions`` as the bot sent it; ``None`` when no message was involved.
    ``at``: the fake's clock (``fake.now()``) when the request arrived;
    ``at - interaction.created_at`` is the bot's latency from dispatch.
    """

    kind: str
    type: int | None
    data: JSON
    files: list[FakeFile]
    message: JSON | None = None
    at: float = 0.0


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake dispatched, and everything the bot answered to it."""

    fake: FakeDiscord
    id: int
    token: str
    type: int
    payload: JSON
    channel: FakeChannel
    user: FakeUser
    created_at: float  # the fake's clock (``fake.now()``) when the fake dispatched it
    label: str
    source_message_id: int | None = None
    responses: list[InteractionReply] = field(default_factory=list)
    callback_type: int | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: JSON | None = None
    choices: list[JSON] | None = None

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None

    @property
    def deferred(self) -> bool:
        """The bot deferred (callback 5 "thinking" or 6 "deferred update")."""
        return self.callback_type in (5, 6)

    def messages(self) -> list[JSON]:
        """Every message-bearing reply so far (snapshots, see :class:`InteractionReply`)."""
        return [r.message for r in self.responses if r.message is not None and r.kind != "delete"]

    async def wait_response(self, timeout: float = 5.0, *, index: int = 0) -> JSON:
        """The ``index``-th message the bot produced for this interaction: a type 4/7 callback,
        a follow-up, or an edit of @original / a follow-up (a defer's "thinking" placeholder
        does not count). A message dict as Discord stores it (``content``, ``embeds``,
        ``components``, ``attachments``, ``flags`` incl. 64 when ephemeral, ...) plus
        ``allowed_mentions`` as the bot sent it."""

        def check() -> JSON | None:
            found = self.messages()
            return found[index] if len(found) > index else None

        return await self.fake._wait(check, timeout, lambda: f"reply #{index} to {self.label}")

    async def wait_callback(self, timeout: float = 5.0) -> int:
        """The type of the bot's initial response (4 reply, 5 defer, 6, 7 update, 8, 9 modal)."""
        return await self.fake._wait(
            lambda: self.callback_type, timeout, lambda: f"an initial response to {self.label}"
        )

    async def wait_modal(self, timeout: float = 5.0) -> JSON:
        """The modal (``{"custom_id", "title", "components"}``) the bot opened."""

        def check() -> JSON | None:
            if self.callback_type is not None and self.callback_type != 9:
                raise FakeDiscordError(
                    f"{self.label}: the bot answered with callback type {self.callback_type}, "
                    f"not a modal; replies: {self.messages()}"
                )
            return self.modal

        return await self.fake._wait(check, timeout, lambda: f"a modal from {self.label}")

    async def wait_choices(self, timeout: float = 5.0) -> list[JSON]:
        return await self.fake._wait(
            lambda: self.choices, timeout, lambda: f"autocomplete choices for {self.label}"
        )


# -- building an APPLICATION_COMMAND interaction from the registered schema -------------------


def find_option_schema(
    command: JSON, path: list[str], label: str
) -> tuple[list[JSON], Callable[[list[JSON]], list[JSON]]]:
    """Walk ``path`` (subcommand group, subcommand) into ``command``; returns the leaf's option
    schema and a function wrapping leaf options into the nested payload Discord sends."""
    schema: list[JSON] = command.get("options") or []
    wrappers: list[tuple[str, int]] = []
    for name in path:
        node = next((o for o in schema if o["name"] == name and o["type"] in (1, 2)), None)
        if node is None:
            subs = [o["name"] for o in schema if o["type"] in (1, 2)]
            raise FakeDiscordError(f"/{label}: no subcommand {name!r} (there are {subs})")
        wrappers.append((name, node["type"]))
        schema = node.get("options") or []
    if any(o["type"] in (1, 2) for o in schema):
        subs = [o["name"] for o in schema if o["type"] in (1, 2)]
        raise FakeDiscordError(f"/{label} is a group: name one of its subcommands {subs}")

    def wrap(leaf: list[JSON]) -> list[JSON]:
        options = leaf
        for name, kind in reversed(wrappers):
            options = [{"name": name, "type": kind, "options": options}]
        return options

    return schema, wrap


class OptionBuilder:
    """Converts test-given option values into Discord's option payload and ``resolved`` data."""

    def __init__(self, fake: FakeDiscord, channel: FakeChannel, label: str) -> None:
        self.fake = fake
        self.channel = channel
        self.label = label
        self.resolved: JSON = {}

    def _resolve(self, kind: str, key: int, value: JSON) -> None:
        self.resolved.setdefault(kind, {})[str(key)] = value

    def resolve_user(self, who: FakeUser | FakeMember) -> int:
        guild = self.channel.guild
        member = who if isinstance(who, FakeMember) else None
        if member is None and guild is not None:
            member = guild.members.get(who.id)
        user = who.user if isinstance(who, FakeMember) else who
        self._resolve("users", user.id, user.to_dict())
        if member is not None and guild is not None:
            data = member.to_dict(with_user=False)
            data["permissions"] = str(guild.permissions_in(self.channel, member))
            self._resolve("members", user.id, data)
        return user.id

    def resolve_message(self, message: JSON) -> int:
        self._resolve("messages", int(message["id"]), message)
        return int(message["id"])

    def value(self, schema: JSON, given: Any, attachments: Mapping[str, FileSpec]) -> Any:
        kind, name = schema["type"], schema["name"]
        where = f"/{self.label} option {name!r}"
        if kind == STRING:
            if not isinstance(given, str):
                raise FakeDiscordError(f"{where} takes a string, not {given!r}")
            low, high = schema.get("min_length", 0), schema.get("max_length", 6000)
            if not low <= len(given) <= high:
                raise FakeDiscordError(f"{where}: length must be {low}..{high}")
        elif kind == INTEGER:
            if isinstance(given, bool) or not isinstance(given, int):
                raise FakeDiscordError(f"{where} takes an integer, not {given!r}")
        elif kind == NUMBER:
            if isinstance(given, bool) or not isinstance(given, int | float):
                raise FakeDiscordError(f"{where} takes a number, not {given!r}")
        elif kind == BOOLEAN:
            if not isinstance(given, bool):
                raise FakeDiscordError(f"{where} takes a bool, not {given!r}")
        elif kind in (USER, MENTIONABLE) and isinstance(given, FakeUser | FakeMember):
            return str(self.resolve_user(given))
        elif kind in (ROLE, MENTIONABLE) and isinstance(given, FakeRole):
            self._resolve("roles", given.id, given.to_dict())
            return str(given.id)
        elif kind == CHANNEL and isinstance(given, FakeChannel):
            data = given.to_dict()
            member = self.fake._member_of(self.channel, self.fake.bot_user)
            if given.guild is not None and member is not None:
                data["permissions"] = str(given.guild.permissions_in(given, member))
            self._resolve("channels", given.id, data)
            return str(given.id)
        elif kind == ATTACHMENT:
            spec = attachments.get(name) if given is None else given
            if not isinstance(spec, tuple):
                raise FakeDiscordError(f"{where} takes (filename, bytes[, content_type])")
            attachment = self.fake._store_attachment(
                self.channel.id,
                spec[0],
                spec[1],
                spec[2] if len(spec) > 2 else None,
                ephemeral=True,
            )
            self._resolve("attachments", int(attachment["id"]), attachment)
            return attachment["id"]
        else:
            raise FakeDiscordError(f"{where} (type {kind}) cannot take {given!r}")
        if kind in (INTEGER, NUMBER):
            low, high = schema.get("min_value"), schema.get("max_value")
            if (low is not None and given < low) or (high is not None and given > high):
                raise FakeDiscordError(f"{where}: must be within {low}..{high}")
        choices = schema.get("choices")
        if choices and given not in [c["value"] for c in choices]:
            raise FakeDiscordError(
                f"{where}: {given!r} is not one of the choices {[c['value'] for c in choices]}"
            )
        return given

    def options(
        self,
        schema: list[JSON],
        given: Mapping[str, Any],
        attachments: Mapping[str, FileSpec],
        *,
        focused: str | None = None,
    ) -> list[JSON]:
        names = {o["name"] for o in schema}
        unknown = (set(given) | set(attachments)) - names
        if focused is not None and focused not in names:
            unknown.add(focused)
        if unknown:
            raise FakeDiscordError(
                f"/{self.label} has no option {sorted(unknown)}; its options: {sorted(names)}"
            )
        out: list[JSON] = []
        for opt in schema:
            name = opt["name"]
            if name == focused:
                if not opt.get("autocomplete"):
                    raise FakeDiscordError(f"/{self.label} option {name!r} has no autocomplete")
                out.append(
                    {
                        "name": name,
                        "type": opt["type"],
                        "value": given.get(name, ""),
                        "focused": True,
                    }
                )
                continue
            if name not in given and name not in attachments:
                if opt.get("required") and focused is None:
                    raise FakeDiscordError(f"/{self.label}: required option {name!r} is missing")
                continue
            value = self.value(opt, given.get(name), attachments)
            out.append({"name": name, "type": opt["type"], "value": value})
        return out


def snapshot(message: JSON, allowed_mentions: Any) -> JSON:
    shot = copy.deepcopy(message)
    shot["allowed_mentions"] = copy.deepcopy(allowed_mentions)
    return shot

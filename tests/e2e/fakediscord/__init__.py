"""A fake Discord (REST v10 + gateway) on 127.0.0.1 for end-to-end tests of an unmodified
discord.py client. It plays Discord's users, records everything the bot does, and rejects what
Discord rejects (with Discord's status codes, error codes and JSON bodies).

Example (the ``fake`` pytest fixture in ``tests/e2e/conftest.py`` does start/close)::

    fake = FakeDiscord()                     # or FakeDiscord(privileged_intents_allowed=False)
    await fake.start()                       # also: async with FakeDiscord() as fake: ...
    guild = fake.create_guild("Guild A")     # @everyone, the bot's managed role + member, an owner
    mods = fake.create_role(guild, "Mods", permissions=discord.Permissions(manage_messages=True))
    general = fake.create_text_channel(guild, "general")
    alice = fake.create_member(guild, "alice", roles=[mods])
    bob = fake.create_member(guild, "bob")

    with fake.patch_discord_py():            # Route.BASE / DEFAULT_GATEWAY -> the fake
        task = asyncio.create_task(bot.start(fake.token))
        await fake.wait_ready()              # READY + GUILD_CREATEs sent
        await bot.wait_until_ready()
        # ... the bot syncs its tree (PUT /applications/{app}/commands) ...

        ix = await fake.slash(general, alice, "article post", {"text": "..."})
        reply = await ix.wait_response()     # message dict + "allowed_mentions" as sent
        assert reply["flags"] & 64 == 0      # not ephemeral
        ix2 = await fake.click(general, bob, reply["id"], "next")
        ix3 = await fake.submit_modal(ix, {"body": "..."})  # when the bot answered with a modal
        msg = await fake.send_user_message(general, alice, "!ping")
        answer = await fake.wait_for_bot_message(general)
        fake.assert_no_errors()              # nothing was rejected (or: fake.take_errors())

For a bot run as a subprocess: ``async with run_bot_process(fake, env={...}) as proc`` runs
``python -m bot`` with ``fake.env()`` (``DISCORD_TOKEN``, ``DISCORD_API_BASE``,
``DISCORD_GATEWAY_URL``), collects ``proc.output`` and stops it with SIGINT; ``await
fake.wait_ready()`` / ``await fake.wait_for_request("PUT", "/commands$")`` tell when it is up.

What tests get:

- world: ``create_guild``, ``create_role``, ``create_member`` (a name, or a ``FakeUser`` to put one
  person in several guilds), ``create_text_channel(overwrites={role_or_member: (allow, deny)})``,
  ``set_permissions``, ``set_bot_permissions``, ``set_role_permissions``, ``create_thread``,
  ``dm_channel(user)``; ``fake.bot_user``, ``fake.app_owner`` (the application's owner),
  ``fake.bot_member(guild)``. Changes after the bot connected are dispatched.
- users acting: ``send_user_message(channel, who, content, attachments=[(name, bytes, type)],
  reply_to=message, mentions=[fake.bot_user])``, ``slash(channel, who, "group sub", options,
  attachments={"file": (name, bytes, type)})``,
  ``context_menu(channel, who, name, message_or_user)``,
  ``autocomplete(channel, who, "cmd", focused="opt", value="Ama") -> choices``,
  ``click(channel, who, message, custom_id)``, ``select(channel, who, message, custom_id, values)``,
  ``submit_modal(interaction, {custom_id: value})``. Commands are built from the schema the bot
  registered: an unregistered command, a wrong option, a disabled button or a command the member
  cannot see raises :class:`FakeDiscordError` in the test.
- the bot's answers: :class:`FakeInteraction` (``wait_response(index=0)``, ``wait_callback()``,
  ``wait_modal()``, ``responses``, ``deferred``, ``messages()``), ``wait_for_bot_message``,
  ``wait_for_request``, ``wait_until(check)``, ``messages(channel)``, ``message(id)``,
  ``threads(guild)``, ``thread(id)``, ``commands(guild=None)``, ``attachment_bytes(attachment)``.
- records: ``requests`` (:class:`RecordedRequest`: method, path, query, json, files, status,
  response, code), ``find_requests(method, path_regex)``, ``errors`` / ``take_errors()`` /
  ``assert_no_errors()``, ``intents`` (of the last IDENTIFY), ``fail_next(method, path_regex,
  status=500)`` to inject a failure.
- gateway: ``request_reconnect()`` (op 7), ``refuse_resume = True`` (INVALID_SESSION),
  ``gateway.stats`` (connections, identifies, resumes, closes).
- faults, per test (:mod:`.faults`): ``fake.faults.http_error / rate_limited / route_limit /
  global_limit / slow / before`` on REST; ``close_gateway(code)``, ``reconnect()``,
  ``invalid_session(resumable)``, ``zombie()``, ``duplicate_on_resume(n)`` on the gateway;
  ``fake.advance(seconds)`` moves the fake's clock (interaction deadlines); ``delete_channel``,
  ``delete_message``, ``set_permissions`` change the world under the bot's feet.

Discord behaviour reproduced: RESUME replaying what a session missed, enforced nonces (a
retried ``POST /channels/{id}/messages`` with the same nonce returns the first message),
message-content intent stripping (except DMs, the bot's own
messages and messages mentioning it), GUILD_CREATE members only with the members intent, 4014
for disallowed privileged intents, 4004 for a bad token, the 3 s interaction deadline (10062),
double acknowledgement (40060), message/embed/component/modal/choice limits (50035), empty
messages (50006), unknown channel/message (10003/10008), missing access/permissions
(50001/50013) computed from roles and overwrites, 401 for a wrong token, the first follow-up
after a "thinking" defer replacing the placeholder, embeds dropped without Embed Links, threads
from messages (same id as the message; 160004 when one exists), and ``mentions`` /
``mention_everyone`` on stored messages computed from ``allowed_mentions`` (who is pinged).
"""

from .errors import DiscordHTTPError, FakeDiscordError
from .fake import FakeDiscord, FakeTimeout, RecordedRequest
from .faults import Faults, RateBucket, RestFault
from .gateway import Intents
from .interactions import FakeFile, FakeInteraction, InteractionReply
from .models import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, P
from .process import BotProcess, run_bot_process

__all__ = [
    "BotProcess",
    "DiscordHTTPError",
    "FakeChannel",
    "FakeDiscord",
    "FakeDiscordError",
    "FakeFile",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeTimeout",
    "FakeUser",
    "Faults",
    "Intents",
    "InteractionReply",
    "P",
    "RateBucket",
    "RecordedRequest",
    "RestFault",
    "run_bot_process",
]

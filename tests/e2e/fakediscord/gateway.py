"""The gateway half of the fake: HELLO, heartbeats, IDENTIFY/RESUME, intents, ordered dispatch,
and the gateway's faults (closes, RECONNECT, INVALID_SESSION, zombie connections, replays).

Each connection that identifies gets a :class:`GatewaySession`. Frames go out through one queue
per session, so events keep the order in which the fake produced them even when a synchronous
helper (``fake.create_text_channel`` after the bot connected) queues one. A session outlives its
connection: what is dispatched while the client is away is kept (the last
:data:`HISTORY_MAX` events) and replayed after the seq its RESUME gives, then RESUMED.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .fake import FakeDiscord

JSON = dict[str, Any]
log = logging.getLogger(__name__)


class Intents:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
    ALL = (1 << 26) - 1


HEARTBEAT_INTERVAL = 41.25  # seconds, Discord's usual HELLO
HISTORY_MAX = 5000  # events a session keeps for a RESUME

# Which intent an event needs: (in a guild, in a DM). None: always sent.
_EVENT_INTENTS: dict[str, tuple[int, int] | None] = {
    "MESSAGE_CREATE": (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES),
    "MESSAGE_UPDATE": (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES),
    "MESSAGE_DELETE": (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES),
    "MESSAGE_DELETE_BULK": (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES),
    "MESSAGE_REACTION_ADD": (Intents.GUILD_MESSAGE_REACTIONS, Intents.DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (Intents.GUILD_MESSAGE_REACTIONS, Intents.DIRECT_MESSAGE_REACTIONS),
    "GUILD_MEMBER_ADD": (Intents.GUILD_MEMBERS, 0),
    "GUILD_MEMBER_UPDATE": (Intents.GUILD_MEMBERS, 0),
    "GUILD_MEMBER_REMOVE": (Intents.GUILD_MEMBERS, 0),
    "CHANNEL_CREATE": (Intents.GUILDS, 0),
    "CHANNEL_UPDATE": (Intents.GUILDS, 0),
    "CHANNEL_DELETE": (Intents.GUILDS, 0),
    "THREAD_CREATE": (Intents.GUILDS, 0),
    "THREAD_UPDATE": (Intents.GUILDS, 0),
    "THREAD_DELETE": (Intents.GUILDS, 0),
    "GUILD_ROLE_CREATE": (Intents.GUILDS, 0),
    "GUILD_ROLE_UPDATE": (Intents.GUILDS, 0),
    "GUILD_ROLE_DELETE": (Intents.GUILDS, 0),
    "GUILD_UPDATE": (Intents.GUILDS, 0),
}


@dataclass(eq=False)
class GatewaySession:
    """One identified gateway session (survives a RESUME onto a new connection)."""

    session_id: str
    intents: int
    shard: tuple[int, int]
    identify: JSON
    seq: int = 0
    alive: bool = True
    resumable: bool = True
    connected: bool = False
    ready: bool = False
    # frames are serialised when dispatched, so later changes to the world cannot leak in
    history: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=HISTORY_MAX))
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    ws: web.WebSocketResponse | None = None
    writer: asyncio.Task[None] | None = None
    silent: bool = False  # a zombie connection: nothing is sent until the client resumes

    def handles_guild(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def wants(self, event: str, guild_id: int | None) -> bool:
        if not self.alive or not self.handles_guild(guild_id):
            return False
        needed = _EVENT_INTENTS.get(event)
        if needed is None:
            return True
        bit = needed[0] if guild_id is not None else needed[1]
        return bit == 0 or bool(self.intents & bit)

    def has(self, intent: int) -> bool:
        return bool(self.intents & intent)

    def dispatch(self, event: str, data: JSON) -> None:
        self.seq += 1
        text = json.dumps({"op": 0, "t": event, "s": self.seq, "d": data})
        self.history.append((self.seq, text))
        self.queue.put_nowait(text)

    def send_op(self, op: int, data: Any) -> None:
        self.queue.put_nowait(json.dumps({"op": op, "d": data, "s": None, "t": None}))

    def mark_ready(self) -> None:
        """Queued after READY and the GUILD_CREATEs: ``ready`` turns True once they are sent."""
        self.queue.put_nowait(None)

    def attach(self, ws: web.WebSocketResponse, changed: Callable[[], None]) -> None:
        """Send this session's frames on ``ws`` from now on (after IDENTIFY or RESUME)."""
        self.detach()
        self.ws, self.connected, self.silent = ws, True, False
        self.writer = asyncio.create_task(self._write(ws, changed))

    def detach(self, ws: web.WebSocketResponse | None = None) -> None:
        """Stop writing (``ws``: only if that connection is still the current one)."""
        if ws is not None and ws is not self.ws:
            return  # an old connection closing after the session resumed elsewhere
        if self.writer is not None:
            self.writer.cancel()
        self.ws, self.writer, self.connected = None, None, False

    def can_replay_after(self, seq: int) -> bool:
        """Whether every event after ``seq`` is still kept."""
        return not self.history or self.history[0][0] <= seq + 1

    def replay_after(self, seq: int) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        for number, text in self.history:
            if number > seq:
                self.queue.put_nowait(text)
        if not self.ready:
            self.queue.put_nowait(None)

    async def _write(self, ws: web.WebSocketResponse, changed: Callable[[], None]) -> None:
        while not ws.closed:
            text = await self.queue.get()
            if text is None:
                self.ready = True
                changed()
                continue
            if self.silent:
                continue  # dispatched events stay in the history for the RESUME
            try:
                await ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return


class Gateway:
    """Serves ``GET /gateway`` websocket connections for one :class:`FakeDiscord`."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: list[GatewaySession] = []
        self.connections: set[web.WebSocketResponse] = set()
        self.refuse_resume = False
        self.resume_overlap = 0
        self.frames_received: deque[JSON] = deque(maxlen=HISTORY_MAX)
        self.requests: dict[web.WebSocketResponse, web.Request] = {}
        self.stats: Counter[str] = Counter()

    # -- public helpers used by FakeDiscord -------------------------------------------------

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.alive]

    def dispatch(self, event: str, data: JSON, guild_id: int | None) -> int:
        """Queue an event for every session that should get it; returns how many will."""
        sent = 0
        for session in self.live_sessions():
            if session.wants(event, guild_id):
                session.dispatch(event, self.fake._redact_for(session, event, data))
                sent += 1
        return sent

    async def close(self) -> None:
        for ws in list(self.connections):
            await ws.close(code=1001, message=b"fake shutting down")

    def sessions_on(self, ws: web.WebSocketResponse) -> list[GatewaySession]:
        return [s for s in self.sessions if s.ws is ws]

    def send_to_sessions(self, op: int, data: Any) -> int:
        """Queue a non-dispatch frame (op 7, op 9...) for every connected session."""
        sessions = [s for s in self.live_sessions() if s.connected]
        for session in sessions:
            session.send_op(op, data)
        self.stats[f"op {op} sent"] += len(sessions)
        return len(sessions)

    def invalidate(self, *, resumable: bool) -> None:
        """op 9 INVALID_SESSION to every connected session; ``resumable=False`` ends them (what
        is dispatched from now on waits for no one until a new IDENTIFY)."""
        for session in [s for s in self.live_sessions() if s.connected]:
            session.send_op(9, resumable)
            if not resumable:
                session.alive = False
        self.stats["invalid sessions"] += 1

    def silence(self) -> None:
        for session in self.live_sessions():
            if session.connected:
                session.silent = True
        self.stats["zombies"] += 1

    async def close_connections(self, code: int, reason: str = "") -> int:
        """Close every open connection with ``code`` as Discord would (1006: drop the TCP
        connection without a close frame). Codes 4007 and 4009 end the session."""
        closed = 0
        for ws in list(self.connections):
            for session in self.sessions_on(ws):
                session.detach(ws)  # frames from now on wait in the history for the RESUME
                if code in (4007, 4009):
                    session.resumable = False
            self._record_close("CLOSE", code, reason, None, injected=True)
            self.stats[f"closed {code}"] += 1
            closed += 1
            request = self.requests.pop(ws, None)  # (so the close is not counted as the client's)
            if code == 1006:
                transport = request.transport if request is not None else None
                if transport is not None:
                    transport.abort()
            else:
                await ws.close(code=code, message=reason.encode())
        self.fake._changed()
        return closed

    # -- the websocket ------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        try:
            await ws.prepare(request)
        except ConnectionError:
            # the client gave up on this connection before it was accepted (aiohttp finds the
            # transport closed when it writes this, and says nothing)
            return web.Response(status=400)
        self.connections.add(ws)
        self.requests[ws] = request
        self.stats["connections"] += 1
        session: GatewaySession | None = None
        try:
            interval = round(self.fake.heartbeat_interval * 1000)
            await ws.send_json({"op": 10, "d": {"heartbeat_interval": interval}})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.frames_received.append(frame)
                self.fake._changed()
                op, data = frame.get("op"), frame.get("d")
                if op == 1:
                    if session is not None and session.ws is ws:
                        session.send_op(11, None)
                    elif session is None:
                        await ws.send_json({"op": 11})
                elif op == 2 and session is None:
                    self.stats["identifies"] += 1
                    session = await self._identify(ws, data or {})
                    if session is None:
                        break
                    session.attach(ws, self.fake._changed)
                elif op == 6 and session is None:
                    self.stats["resumes"] += 1
                    session = self._resume(data, ws)
                    if session is None:
                        self.stats["resumes refused"] += 1
                        await ws.send_json({"op": 9, "d": False})
                        continue
                elif op == 8 and session is not None:
                    self._request_members(session, data)
                elif op in (3, 4):
                    pass  # presence / voice state updates: recorded only
                else:
                    log.debug("fake gateway ignores op %s", op)
        except ConnectionError:
            pass  # the client went away while the fake was answering it
        finally:
            self.connections.discard(ws)
            if self.requests.pop(ws, None) is not None and ws.close_code is not None:
                self.stats[f"client closed {ws.close_code}"] += 1
            if session is not None:
                session.detach(ws)
            self.fake._changed()
        return ws

    async def _reject(self, ws: web.WebSocketResponse, code: int, reason: str, data: Any) -> None:
        """Close like Discord does, and record it as a rejected "GATEWAY IDENTIFY" request."""
        shown = {k: v for k, v in data.items() if k != "token"} if isinstance(data, dict) else data
        self._record_close("IDENTIFY", code, reason, shown, injected=False)
        await ws.close(code=code, message=reason.encode())

    def _record_close(
        self, what: str, code: int, reason: str, data: Any, *, injected: bool
    ) -> None:
        """A close as a recorded "GATEWAY <what>" request (a fault's is ``injected``)."""
        from .fake import RecordedRequest

        response = {"code": code, "message": reason}
        record = RecordedRequest("GATEWAY", what, {}, data, [], status=code, response=response)
        record.injected = injected
        self.fake._record(record)

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> GatewaySession | None:
        fake = self.fake
        intents = data.get("intents") if isinstance(data, dict) else None
        shard = (data.get("shard") if isinstance(data, dict) else None) or [0, 1]
        if not isinstance(data, dict) or data.get("token") != fake.token:
            await self._reject(ws, 4004, "Authentication failed.", data)
        elif not isinstance(intents, int) or intents < 0 or intents > Intents.ALL:
            await self._reject(ws, 4013, "Invalid intent(s).", data)
        elif intents & Intents.PRIVILEGED and not fake.privileged_intents_allowed:
            await self._reject(ws, 4014, "Disallowed intent(s).", data)
        elif len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            await self._reject(ws, 4010, "Invalid shard.", data)
        else:
            return self._start_session(data, intents, shard)
        return None

    def _start_session(self, data: JSON, intents: int, shard: list[int]) -> GatewaySession:
        fake = self.fake
        for old in self.sessions:
            if old.shard == tuple(shard):
                old.alive = False
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            intents=intents,
            shard=(shard[0], shard[1]),
            identify=data,
        )
        self.sessions.append(session)
        guilds = [g for g in fake._guilds.values() if session.handles_guild(g.id)]
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": fake._bot_user_payload(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": fake.gateway_url,
                "shard": list(session.shard),
                "application": {"id": str(fake.application_id), "flags": fake._application_flags()},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "session_type": "normal",
                "auth": {},
                "user_settings": {},
                "_trace": ["fakediscord"],
            },
        )
        for guild in guilds:
            session.dispatch("GUILD_CREATE", fake._guild_create_payload(guild, session))
        session.mark_ready()
        fake._changed()
        return session

    def _resume(self, data: JSON, ws: web.WebSocketResponse) -> GatewaySession | None:
        """Attach the session named by a RESUME to ``ws``, replay what it missed (and
        ``resume_overlap`` events it had seen), then RESUMED; None when it cannot resume."""
        if self.refuse_resume or not isinstance(data, dict) or data.get("token") != self.fake.token:
            return None
        session = next(
            (
                s
                for s in self.sessions
                if s.session_id == data.get("session_id") and s.alive and s.resumable
            ),
            None,
        )
        seq = data.get("seq") or 0
        if session is None or not isinstance(seq, int) or not session.can_replay_after(seq):
            return None
        overlap, self.resume_overlap = self.resume_overlap, 0
        session.attach(ws, self.fake._changed)
        session.replay_after(max(0, seq - overlap))
        session.dispatch("RESUMED", {"_trace": ["fakediscord"]})
        self.stats["resumed"] += 1
        return session

    def _request_members(self, session: GatewaySession, data: JSON) -> None:
        guild = self.fake._guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        query = (data.get("query") or "").lower()
        user_ids = {int(u) for u in data.get("user_ids") or []}
        limit = data.get("limit") or len(guild.members)
        members = [
            m
            for m in guild.members.values()
            if (not user_ids or m.id in user_ids) and m.name.lower().startswith(query)
        ][:limit]
        payload: JSON = {
            "guild_id": str(guild.id),
            "members": [m.to_dict() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in user_ids - {m.id for m in members}],
        }
        if data.get("nonce"):
            payload["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", payload)

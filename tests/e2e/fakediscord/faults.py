"""Faults a real Discord shows now and then, switched on per test: ``fake.faults``.

REST rules match a method (``None``: any) and a regex searched in the path relative to the API
base (``"/channels/\\d+/messages$"``). Each returns a :class:`RestFault` (``hits``: how many
requests it touched so far; ``cancel()``); rules apply in the order they were added.

- ``http_error(method, path, status=500, times=1, code=0, after=False)``: Discord's JSON error
  body with that status for the next ``times`` matching requests. discord.py retries 500, 502,
  504 (and 524) after 1, 3, 5, 7, 9 s, five tries in all, and raises ``DiscordServerError`` for
  503 at once, so ``times=1`` with a 500 costs a test one second. ``after=True``: Discord
  carries the request out and the answer is lost on the way back (the client sees the error and
  retries: a second message, unless the first was sent with an enforced nonce).
- ``rate_limited(method, path, retry_after=0.05, times=1, is_global=False)``: a 429 exactly as
  Discord sends it (``X-RateLimit-*``, ``Retry-After``, ``Via``; a body with ``retry_after``
  and ``global``). discord.py retries a 429 only when it carries ``Via``; a global one pauses
  every request of the client.
- ``route_limit(method, path, limit=5, per=1.0)`` and ``global_limit(limit=50, per=1.0)``:
  real buckets. Every answer on a limited route carries its ``X-RateLimit-*`` headers (per
  channel, guild or webhook, as Discord's major parameters); a request over the limit gets a
  429 with ``X-RateLimit-Scope: user`` (``global`` for the global limit).
- ``disconnect(method, path, times=1, after=False)``: the connection drops without an answer
  (aiohttp raises ``ServerDisconnectedError``, which discord.py does not retry); ``after``:
  once Discord carried the request out.
- ``slow(method, path, seconds, times=None)``: the answer comes ``seconds`` late.
- ``before(method, path, action, times=1)``: ``action()`` (a function or a coroutine
  function) runs when such a request arrives, before Discord handles it: delete the channel,
  take a permission away, move the clock past a deadline...

Gateway (every live connection; see :class:`~.gateway.Gateway`):

- ``await close_gateway(code=4000)``: Discord closes the connection with ``code``. discord.py
  RESUMEs after any code but 4004 and 4010-4014 (4014: privileged intent refused); 4007
  (invalid seq) and 4009 (session timed out) also end the session, so that RESUME gets an
  INVALID_SESSION and the client IDENTIFYs again. ``1006``: the TCP connection drops without
  a close frame.
- ``reconnect()``: op 7 RECONNECT (the client closes and RESUMEs).
- ``invalid_session(resumable=False)``: op 9; ``False`` ends the session (re-IDENTIFY).
- ``zombie()``: the connections go silent (no HEARTBEAT_ACK, no events) while staying open;
  the client has to notice (discord.py: nothing received for ``heartbeat_timeout`` seconds),
  close and RESUME. What was dispatched meanwhile is replayed then.
- ``duplicate_on_resume(n)``: the next RESUME also replays the ``n`` events before the seq the
  client gave (at-least-once delivery: the client sees them twice).
- ``refuse_resume = True``: every RESUME is answered with INVALID_SESSION (d=false).

Events produced while the client is disconnected (``fake.slash``, ``send_user_message``) are
kept and replayed when it RESUMEs, as Discord does. ``fake.gateway.stats`` counts connections,
IDENTIFYs, RESUMEs and closes.

The clock: ``fake.advance(seconds)`` moves the fake's clock forward, so interactions age
without anyone sleeping: their 3 s deadline for a first response (10062 Unknown interaction),
their 15 minutes of follow-ups (50027 Invalid Webhook Token). ``fake.now()`` reads it.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fake import FakeDiscord

JSON = dict[str, Any]
Action = Callable[[], Any]

RESUMABLE_CLOSE_CODES = (1001, 1006, 4000, 4001, 4002, 4003, 4005, 4008)
SESSION_ENDING_CLOSE_CODES = (4007, 4009)
_MAJOR = re.compile(r"^/(channels|guilds|webhooks|interactions)/(\d+)(?:/([^/]+))?")


@dataclass(eq=False)
class RestFault:
    """One REST rule. ``times=None``: every matching request until ``cancel()``."""

    method: str | None
    path: re.Pattern[str]
    times: int | None
    status: int = 0
    body: JSON = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    after: bool = False
    delay: float = 0.0
    action: Action | None = None
    drop: bool = False  # drop the connection instead of answering
    hits: int = 0
    cancelled: bool = False

    @property
    def active(self) -> bool:
        return not self.cancelled and (self.times is None or self.hits < self.times)

    def matches(self, method: str, path: str) -> bool:
        return (
            self.active
            and (self.method is None or self.method == method)
            and self.path.search(path) is not None
        )

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(eq=False)
class RateBucket:
    """``limit`` requests per ``per`` seconds for each major parameter (a channel, a guild, a
    webhook), as Discord counts them."""

    name: str
    method: str | None
    path: re.Pattern[str] | None  # None: the global limit
    limit: int
    per: float
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)
    refused: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.path is None:
            return True
        return (self.method is None or self.method == method) and bool(self.path.search(path))

    def take(self, key: str, now: float) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until the window resets)."""
        reset_at, used = self.windows.get(key, (now + self.per, 0))
        if now >= reset_at:
            reset_at, used = now + self.per, 0
        allowed = used < self.limit
        if allowed:
            used += 1
            self.windows[key] = (reset_at, used)
        else:
            self.refused += 1
        return allowed, self.limit - used, max(0.0, reset_at - now)


@dataclass
class RestVerdict:
    """What the faults decided for one request before Discord handles it."""

    error: tuple[int, JSON, dict[str, str]] | None = None
    drop: bool = False  # with `error` None: drop the connection before handling
    after: RestFault | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def error_body(status: int, code: int, message: str | None) -> JSON:
    text = message or _STATUS_TEXT.get(status, f"{status}: injected failure")
    return {"message": text, "code": code}


_STATUS_TEXT = {
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}


def rate_limit_headers(
    bucket: str, limit: int, remaining: int, reset_after: float, *, scope: str | None = None
) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, remaining)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }
    if scope is not None:
        headers["X-RateLimit-Scope"] = scope
    return headers


def too_many_requests(
    retry_after: float, *, is_global: bool, scope: str, bucket: tuple[str, int] | None = None
) -> tuple[JSON, dict[str, str]]:
    """Discord's 429: the body discord.py reads ``retry_after`` and ``global`` from, and the
    headers (``Via``: Cloudflare's 429s have none, and discord.py does not retry those)."""
    body: JSON = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    headers = {"Retry-After": str(max(1, math.ceil(retry_after))), "Via": "1.1 google"}
    if is_global:
        headers.update({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"})
    elif bucket is not None:
        name, limit = bucket
        headers.update(rate_limit_headers(name, limit, 0, retry_after, scope=scope))
    else:
        headers.update(rate_limit_headers("injected", 1, 0, retry_after, scope=scope))
    return body, headers


class Faults:
    """The switchboard of faults of one :class:`FakeDiscord` (see the module docstring)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.rules: list[RestFault] = []
        self.buckets: list[RateBucket] = []

    # -- REST -----------------------------------------------------------------------------

    def _add(self, method: str | None, path: str, times: int | None, **kw: Any) -> RestFault:
        rule = RestFault(method, re.compile(path), times, **kw)
        self.rules.append(rule)
        return rule

    def http_error(
        self,
        method: str | None,
        path: str,
        status: int = 500,
        *,
        times: int | None = 1,
        code: int = 0,
        message: str | None = None,
        after: bool = False,
    ) -> RestFault:
        """The next ``times`` matching requests fail with ``status`` (``after``: once done)."""
        if status == 429:
            return self.rate_limited(method, path, times=times)
        body = error_body(status, code, message)
        return self._add(method, path, times, status=status, body=body, after=after)

    def rate_limited(
        self,
        method: str | None,
        path: str,
        *,
        retry_after: float = 0.05,
        times: int | None = 1,
        is_global: bool = False,
        scope: str = "user",
    ) -> RestFault:
        """The next ``times`` matching requests get Discord's 429."""
        body, headers = too_many_requests(
            retry_after, is_global=is_global, scope="global" if is_global else scope
        )
        return self._add(method, path, times, status=429, body=body, headers=headers)

    def disconnect(
        self, method: str | None, path: str, *, times: int | None = 1, after: bool = False
    ) -> RestFault:
        """The next ``times`` matching requests get no answer: the connection drops."""
        return self._add(method, path, times, drop=True, after=after)

    def slow(
        self, method: str | None, path: str, seconds: float, *, times: int | None = None
    ) -> RestFault:
        """Matching requests are answered ``seconds`` late."""
        return self._add(method, path, times, delay=seconds)

    def before(
        self, method: str | None, path: str, action: Action, *, times: int | None = 1
    ) -> RestFault:
        """Run ``action()`` when a matching request arrives, before it is handled."""
        return self._add(method, path, times, action=action)

    def route_limit(
        self, method: str | None, path: str, *, limit: int = 5, per: float = 1.0
    ) -> RateBucket:
        """A rate-limit bucket on the matching routes (per major parameter)."""
        bucket = RateBucket(f"fake{len(self.buckets):04x}", method, re.compile(path), limit, per)
        self.buckets.append(bucket)
        return bucket

    def global_limit(self, *, limit: int = 50, per: float = 1.0) -> RateBucket:
        """Discord's global limit (50 requests a second for a bot) over every route."""
        bucket = RateBucket("global", None, None, limit, per)
        self.buckets.append(bucket)
        return bucket

    def clear(self) -> None:
        """Remove every REST rule and bucket."""
        for rule in self.rules:
            rule.cancel()
        self.rules.clear()
        self.buckets.clear()

    async def on_request(self, method: str, path: str) -> RestVerdict:
        """Apply the rules to a request that just arrived (the REST middleware calls this)."""
        verdict = RestVerdict()
        for rule in list(self.rules):
            if not rule.matches(method, path):
                continue
            if rule.action is not None:
                rule.hits += 1
                result = rule.action()
                if inspect.isawaitable(result):
                    await result
            elif rule.delay:
                rule.hits += 1
                verdict.delay += rule.delay
            elif rule.after:
                if verdict.after is None and verdict.error is None and not verdict.drop:
                    rule.hits += 1
                    verdict.after = rule
            elif verdict.error is None and verdict.after is None and not verdict.drop:
                rule.hits += 1
                if rule.drop:
                    verdict.drop = True
                else:
                    verdict.error = (rule.status, dict(rule.body), dict(rule.headers))
        self.rules = [r for r in self.rules if r.active]
        if verdict.error is None and not verdict.drop:
            self._limit(method, path, verdict)
        return verdict

    def _limit(self, method: str, path: str, verdict: RestVerdict) -> None:
        now = self.fake.now()
        major = _MAJOR.match(path)
        key = "/".join(g for g in major.groups() if g) if major else ""
        for bucket in self.buckets:
            if not bucket.matches(method, path):
                continue
            is_global = bucket.path is None
            allowed, remaining, reset_after = bucket.take("" if is_global else key, now)
            if not allowed:
                body, headers = too_many_requests(
                    reset_after,
                    is_global=is_global,
                    scope="global" if is_global else "user",
                    bucket=None if is_global else (bucket.name, bucket.limit),
                )
                verdict.error = (429, body, headers)
                return
            if not is_global:
                verdict.headers = rate_limit_headers(
                    bucket.name, bucket.limit, remaining, reset_after
                )

    # -- the gateway ----------------------------------------------------------------------

    async def close_gateway(self, code: int = 4000, reason: str = "") -> int:
        """Close every live connection with ``code`` (1006: drop it); returns how many."""
        return await self.fake.gateway.close_connections(code, reason)

    def reconnect(self) -> None:
        """op 7 RECONNECT to every connected session."""
        self.fake.gateway.send_to_sessions(7, None)

    def invalid_session(self, *, resumable: bool = False) -> None:
        """op 9 INVALID_SESSION; not resumable: the session ends (the client IDENTIFYs)."""
        self.fake.gateway.invalidate(resumable=resumable)

    def zombie(self) -> None:
        """Every connected session stops sending anything (no ACK, no events)."""
        self.fake.gateway.silence()

    def duplicate_on_resume(self, events: int) -> None:
        """The next RESUME replays ``events`` events the client had already seen."""
        self.fake.gateway.resume_overlap = events

    @property
    def refuse_resume(self) -> bool:
        return self.fake.gateway.refuse_resume

    @refuse_resume.setter
    def refuse_resume(self, value: bool) -> None:
        self.fake.gateway.refuse_resume = value


async def sleep_answer(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)

"""Per-key token buckets: sustained 10/30/100/200 requests per second by tier, bursts of 3x.

In-process by default; with `SYMAGE_REDIS_URL` the buckets live in Redis (one atomic Lua script
per request), so several API processes share one bucket per key. A 429 carries `Retry-After`
(whole seconds, at least 1) and every answer `X-RateLimit-Limit` (the sustained rate),
`-Remaining` (whole tokens left) and `-Reset` (Unix time at which the bucket is full again).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from symage_pipeline.errors import SymageError

TIER_RATES = {"free": 10.0, "pro": 30.0, "scale": 100.0, "enterprise": 200.0}
BURST = 3.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rate: float
    remaining: int
    retry_after: int  # seconds (>= 1) when refused, 0 when allowed
    reset: int  # Unix seconds at which the bucket is full

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": f"{self.rate:g}",
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise SymageError(
                429,
                "rate_limited",
                f"Rate limit exceeded ({self.rate:g} requests/s for this tier); retry in {self.retry_after} s.",
                headers=self.headers(),
            )


def _decide(rate: float, tokens: float, allowed: bool, now: float) -> Decision:
    capacity = rate * BURST
    retry = 0 if allowed else max(1, math.ceil((1 - tokens) / rate))
    reset = math.ceil(now + (capacity - tokens) / rate)
    return Decision(allowed, rate, max(0, math.floor(tokens)), retry, reset)


class Limiter(Protocol):
    def hit(self, key: str, tier: str) -> Decision: ...


class MemoryLimiter:
    """Buckets in this process: exact for one API process."""

    def __init__(self, clock=time.time):  # type: ignore[no-untyped-def]
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, tier: str) -> Decision:
        rate = TIER_RATES.get(tier, TIER_RATES["free"])
        capacity = rate * BURST
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[key] = (tokens, now)
        return _decide(rate, tokens, allowed, now)


# KEYS[1] bucket; ARGV rate, capacity, now. Returns {allowed, tokens*1000}.
_SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 5)
return {allowed, math.floor(tokens * 1000)}
"""


class RedisLimiter:
    """Buckets in Redis: one bucket per key however many API processes answer."""

    def __init__(self, url: str, prefix: str = "symage:ratelimit:"):
        import redis

        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_SCRIPT)
        self._prefix = prefix

    def hit(self, key: str, tier: str) -> Decision:
        rate = TIER_RATES.get(tier, TIER_RATES["free"])
        now = time.time()
        allowed, millitokens = self._script(keys=[self._prefix + key], args=[rate, rate * BURST, now])
        return _decide(rate, int(millitokens) / 1000, bool(allowed), now)


def make_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()


class RateLimitHeadersMiddleware:
    """Puts the key's `X-RateLimit-*` headers on every answer of a keyed route, streamed files and
    redirects included (a dependency's response headers reach only JSON answers). The access
    dependency leaves its `Decision` in the request state; a 429 carries its own headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            decision = scope.get("state", {}).get("rate_limit")
            if message["type"] == "http.response.start" and decision is not None:
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""Per-key token buckets by tier, over real HTTP; shared by two API processes through Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from api.main import create_app
from api.ratelimit import MemoryLimiter
from tests.api.test_credits_and_idempotency import QueueOnly, _key
from tests.conftest import ADMIN_TOKEN, INTERNAL_TOKEN
from tests.helpers import free_port, serve

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_bucket_arithmetic_burst_refill_and_retry_after() -> None:
    now = [1000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    decisions = [limiter.hit("k", "free") for _ in range(31)]
    assert [d.allowed for d in decisions] == [True] * 30 + [False]
    refused = decisions[-1]
    assert refused.retry_after == 1 and refused.headers()["Retry-After"] == "1"
    assert refused.headers()["X-RateLimit-Limit"] == "10" and refused.remaining == 0
    assert refused.reset == 1003  # 30 tokens at 10/s
    now[0] += 0.5  # five tokens back
    assert sum(limiter.hit("k", "free").allowed for _ in range(10)) == 5
    assert sum(limiter.hit("other", "enterprise").allowed for _ in range(700)) == 600


def _burst(base: str, headers: dict[str, str], count: int, paths: list[str] | None = None) -> list[httpx.Response]:
    """`count` requests from 8 threads over kept-alive connections: a connection per request made
    the burst slow enough on a busy machine (the suite runs two workers) that the bucket refilled
    as fast as it was drained, and nothing was refused (60 requests took 4.1 s)."""
    targets = paths or [base]
    with httpx.Client(headers=headers, limits=httpx.Limits(max_connections=8)) as client, ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda n: client.get(f"{targets[n % len(targets)]}/api/v1/account/balance"), range(count)))


def test_a_free_key_gets_its_burst_then_429_with_the_headers(settings) -> None:
    with serve(create_app(settings, QueueOnly())) as base:
        auth = _key(base, "limited")
        started = time.monotonic()
        answers = _burst(base, auth, 60)
        elapsed = time.monotonic() - started
        allowed = [a for a in answers if a.status_code == 200]
        refused = [a for a in answers if a.status_code == 429]
        # The burst of 30, plus what 10/s refilled while the requests were in flight.
        assert 30 <= len(allowed) <= 30 + 10 * elapsed + 1 and refused, (len(allowed), elapsed)
        assert allowed[0].headers["X-RateLimit-Limit"] == "10"
        sample = refused[0]
        assert sample.json()["detail"]["code"] == "rate_limited"
        assert int(sample.headers["Retry-After"]) >= 1 and sample.headers["X-RateLimit-Remaining"] == "0"
        assert int(sample.headers["X-RateLimit-Reset"]) >= int(time.time())
        time.sleep(1.0)  # ten tokens back
        started = time.monotonic()
        again = _burst(base, auth, 25)
        elapsed = time.monotonic() - started
        assert 10 <= sum(a.status_code == 200 for a in again) <= 10 + 10 * (elapsed + 0.2) + 1
        # Another key has its own bucket; public routes are not limited.
        assert httpx.get(f"{base}/api/v1/health").headers.get("X-RateLimit-Limit") is None
        assert httpx.get(f"{base}/api/v1/account/balance", headers=_key(base, "fresh")).status_code == 200
        assert all(httpx.get(f"{base}/api/v1/health").status_code == 200 for _ in range(40))


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.integration
@pytest.mark.skipif(not _redis_up(), reason="needs the Redis server at 127.0.0.1:6379")
def test_two_api_processes_share_one_bucket_through_redis(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SYMAGE_DATA_DIR": str(tmp_path),
        "SYMAGE_REDIS_URL": REDIS_URL,
        "SYMAGE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SYMAGE_INTERNAL_TOKEN": INTERNAL_TOKEN,
    }
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:create_app",
                "--factory",
                "--port",
                str(p),
                "--log-level",
                "warning",
            ],
            env=env,
        )
        for p in ports
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base in bases:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "API did not start"
                time.sleep(0.2)
        auth = _key(bases[0], "shared")
        started = time.monotonic()
        answers = _burst(bases[0], auth, 80, paths=bases)
        elapsed = time.monotonic() - started
        allowed = sum(a.status_code == 200 for a in answers)
        assert 30 <= allowed <= 30 + 10 * elapsed + 1, (allowed, elapsed)  # one bucket of 30, not two
        assert {a.url.port for a in answers if a.status_code == 429} == set(ports)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)

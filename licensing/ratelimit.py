"""Counting wrong activation codes, per account and per address, in Django's cache.

Somebody guessing keys gets LICENCE_CLAIM_MAX_FAILURES wrong answers within
LICENCE_CLAIM_WINDOW_SECONDS, per account and per IP address; after that every claim is
refused until the window ends, before the key is even looked at.
"""

import time

from django.conf import settings
from django.core.cache import cache

PREFIX = "licensing:claim-failures"


def _limit() -> int:
    return getattr(settings, "LICENCE_CLAIM_MAX_FAILURES", 10)


def _window() -> int:
    return getattr(settings, "LICENCE_CLAIM_WINDOW_SECONDS", 15 * 60)


def _buckets(user, ip: str | None) -> list[str]:
    buckets = [f"{PREFIX}:user:{user.pk}"]
    if ip:
        buckets.append(f"{PREFIX}:ip:{ip}")
    return buckets


def retry_after(user, ip: str | None) -> int | None:
    """Seconds until `user` (from `ip`) may try again, or None when they may try now."""
    now = time.time()
    waits = []
    for bucket in _buckets(user, ip):
        count = cache.get(bucket)
        if count is not None and count >= _limit():
            started = cache.get(f"{bucket}:started") or now
            waits.append(max(1, int(started + _window() - now)))
    return max(waits) if waits else None


def record_failure(user, ip: str | None) -> None:
    """Count one wrong key. The window starts at the first failure and is not extended."""
    now = time.time()
    for bucket in _buckets(user, ip):
        if cache.add(bucket, 0, timeout=_window()):
            cache.set(f"{bucket}:started", now, timeout=_window())
        started = cache.get(f"{bucket}:started") or now
        try:
            cache.incr(bucket)  # atomic on Redis
        except ValueError:  # the window ended between add and incr
            cache.set(bucket, 1, timeout=_window())
            cache.set(f"{bucket}:started", now, timeout=_window())
            continue
        # Some backends (the database cache) reset the expiry on incr: put it back.
        cache.touch(bucket, timeout=max(1, int(started + _window() - now)))


def reset(user, ip: str | None = None) -> None:
    for bucket in _buckets(user, ip):
        cache.delete_many([bucket, f"{bucket}:started"])

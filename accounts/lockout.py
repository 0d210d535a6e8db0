"""Sign-in lockout: counters in the shared cache (Redis in production).

Two limits, both on failures only:

- per username *and* client IP: after ``LOGIN_FAILURE_LIMIT`` failures the
  pair is paused for ``LOGIN_COOLOFF_SECONDS``. A colleague behind the same
  office IP (another username) is not affected; the owner of the username
  signing in from elsewhere is not either.
- per username, per clock hour, from any IP: ``LOGIN_ACCOUNT_HOURLY_LIMIT``
  failures pause the username until the hour ends (a distributed guess).

Usernames are counted whether or not they exist, so a locked answer tells
nothing about existence. Cache keys carry a keyed hash, never the username.
"""

import hashlib
import hmac
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from accounts import clock

_PREFIX = "accounts:signin"


@dataclass(frozen=True)
class LockStatus:
    locked: bool
    retry_after: int = 0  # seconds
    scope: str = ""  # "pair" or "account"


def _digest(*parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def _normalized(username: str) -> str:
    return (username or "").strip().lower()


def _pair_keys(username: str, ip: str | None) -> tuple[str, str]:
    digest = _digest("pair", _normalized(username), ip or "-")
    return f"{_PREFIX}:pair:{digest}:count", f"{_PREFIX}:pair:{digest}:until"


def _account_key(username: str, hour: int) -> str:
    return f"{_PREFIX}:acct:{_digest('acct', _normalized(username))}:{hour}"


def _current_hour(now_epoch: float) -> int:
    return int(now_epoch // 3600)


def lock_status(*, username: str, ip: str | None) -> LockStatus:
    """Is this username paused from this IP? Read before checking any password."""
    now = clock.epoch()
    _, until_key = _pair_keys(username, ip)
    until = cache.get(until_key)
    if until is not None and until > now:
        return LockStatus(True, math.ceil(until - now), "pair")
    hour = _current_hour(now)
    if (cache.get(_account_key(username, hour)) or 0) >= settings.LOGIN_ACCOUNT_HOURLY_LIMIT:
        return LockStatus(True, math.ceil((hour + 1) * 3600 - now), "account")
    return LockStatus(False)


def _incr(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def register_failure(*, username: str, ip: str | None) -> LockStatus:
    """Count one failed attempt (password or second factor); says whether it
    just paused the username."""
    now = clock.epoch()
    cooloff = settings.LOGIN_COOLOFF_SECONDS
    count_key, until_key = _pair_keys(username, ip)
    count = _incr(count_key, timeout=cooloff)
    hour = _current_hour(now)
    _incr(_account_key(username, hour), timeout=3600 + 60)
    if count >= settings.LOGIN_FAILURE_LIMIT:
        cache.set(until_key, now + cooloff, timeout=cooloff + 60)
        # The next window starts fresh after the cool-off; the hourly ceiling
        # still bounds what a patient guesser gets.
        cache.delete(count_key)
    return lock_status(username=username, ip=ip)


def register_success(*, username: str, ip: str | None) -> None:
    """A full sign-in clears the pair's counter (not the hourly ceiling)."""
    count_key, _ = _pair_keys(username, ip)
    cache.delete(count_key)

"""One clock for accounts: sessions, lockout and tokens read the time here, so
tests freeze it in one place (``django.utils.timezone.now``)."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def epoch() -> float:
    return timezone.now().timestamp()

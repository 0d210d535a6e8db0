"""Helpers for the account tests: a frozen clock, codes derived from a
device's key at that clock, and sign-in the way a person does it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD


class FrozenClock:
    def __init__(self, start: datetime):
        self.now = start

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def timestamp(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock(monkeypatch):
    """Time stands still until the test moves it: Django's ``timezone.now``
    and ``time.time`` (django-otp, the cache) read the same clock. It starts
    at the beginning of a 30-second TOTP step."""
    frozen = FrozenClock(datetime(2026, 3, 2, 2, 0, 0, tzinfo=UTC))
    monkeypatch.setattr("django.utils.timezone.now", lambda: frozen.now)
    monkeypatch.setattr("time.time", frozen.timestamp)
    return frozen


def totp_code(device: TOTPDevice, clock: FrozenClock, *, offset_steps: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = clock.timestamp() + offset_steps * device.step
    return f"{totp.token():06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def password_step(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def full_sign_in(client: Client, user, clock: FrozenClock, *, password: str = PASSWORD, **extra) -> Client:
    """Password, then a code from the person's device (made if missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or confirmed_device(user)
    response = password_step(client, user.username, password, **extra)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    response = client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device, clock)}, **extra)
    assert response.status_code == 302, response.content[:500]
    return client


def page_text(response) -> str:
    """The page without its per-request CSRF token, for comparing answers."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def english(client: Client) -> Client:
    """Read answers in English (the msgids), whatever the catalogue says."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def web():
    return english(Client())

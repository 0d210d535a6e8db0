"""Browser tests: Playwright driving Debian's Chromium at phone size.

They fail (never skip) when Chromium is missing: CI installs it.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 800}

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the tests make around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The regions and reference lists a migration loaded: a transactional
    test before this one flushed them, so they are loaded again when missing."""
    import io

    from django.core.management import call_command

    from agencies.models import Kelurahan, ReferenceItem

    if not ReferenceItem.objects.exists() or not Kelurahan.objects.exists():
        call_command("load_reference_data", stdout=io.StringIO())


@pytest.fixture
def phone(browser, live_server, reference_data):
    """A fresh browser context on a 360×800 viewport, failing on any request
    to a host other than the live server (no CDN, no remote fonts)."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="id-ID")
    foreign_requests: list[str] = []
    console_errors: list[str] = []

    def watch(request):
        if not request.url.startswith((live_server.url, "data:", "blob:")):
            foreign_requests.append(request.url)

    context.on("request", watch)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    yield page
    context.close()
    assert foreign_requests == [], f"requests to other hosts: {foreign_requests}"
    assert console_errors == [], f"console errors (CSP violations show here): {console_errors}"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in_in_browser(page, user, *, password: str | None = None) -> None:
    """Sign ``user`` in through the real pages: password, then a TOTP code
    computed from their device key (a confirmed device is made if missing).
    Codes are single-use per 30-second step, so a second sign-in of the same
    person within one step uses the next step's code (inside the tolerance)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD

    page.goto("/accounts/sign-in/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password or PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    if "/two-factor/" not in page.url:
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="browser test", confirmed=True)
        page.reload()
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    page.fill("input[name=code]", f"{totp.token():0{device.digits}d}")
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    page.wait_for_load_state()

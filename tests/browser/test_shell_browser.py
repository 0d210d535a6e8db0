"""The shell in a real browser on a phone: sign-in with the second factor,
the home page, the language switcher. No foreign request, no CSP violation
(the ``phone`` fixture fails on either)."""

import pytest

from tests.browser.conftest import screenshot, sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_signs_in_with_a_code_and_switches_to_english(phone, alice):
    phone.goto("/accounts/sign-in/")
    screenshot(phone, "shell-sign-in-360")
    sign_in_in_browser(phone, alice.user)
    assert phone.locator("html").get_attribute("lang") == "id"
    assert "UPTD PPA Test" in phone.content()
    screenshot(phone, "shell-home-360")

    phone.locator("[data-nav-toggle]").click()
    screenshot(phone, "shell-menu-360")
    # The select submits itself (static/js/app.js); the button is for no-JS.
    with phone.expect_navigation():
        phone.locator("select[name=language]").select_option("en")
    assert phone.locator("html").get_attribute("lang") == "en"
    screenshot(phone, "shell-home-en-360")


def test_a_wrong_code_keeps_the_person_out(phone, alice):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD

    TOTPDevice.objects.create(user=alice.user, name="phone", confirmed=True)
    phone.goto("/accounts/sign-in/")
    phone.fill("input[name=username]", alice.user.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.locator("form:has(input[name=password]) button[type=submit]").click()
    phone.wait_for_url("**/accounts/two-factor/**")
    phone.fill("input[name=code]", "000000")
    phone.locator("form:has(input[name=code]) button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.locator("input[name=code]").count() == 1
    screenshot(phone, "shell-wrong-code-360")
    phone.goto("/accounts/profile/")
    assert "/accounts/two-factor/" in phone.url

"""Intake on a 360×800 phone: a caseworker records an incident with two
victims and an alleged perpetrator (relationship to each victim, violence
types), the reporter and consent; leaves the page half-way and resumes the
autosaved draft; submits; exactly one case exists with the right parties.
Then she opens the case, adds a task and a service and requests closure, and
her supervisor approves it: the whole story in one browser.
No foreign request, no CSP violation (the ``phone`` fixture fails on either).
Screens are written to test-artifacts/intake-*.png to be looked at."""

import re

import pytest
from django.utils import timezone

from cases.models import Case, Consent, IntakeDraft, Party, PerpetratorRelation
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in_in_browser
from tests.browser.test_case_work_browser import _step, work_the_case_to_closure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 800}


def _wait_saved(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-autosave-status]').classList.contains('is-ok')", timeout=15000
    )


def _check(page, name: str, value: str) -> None:
    page.locator(f'[name="{name}"][value="{value}"]').check()


def test_a_caseworker_records_an_incident_on_a_phone_and_it_is_worked_to_closure(phone, alice, bob):
    from tests.factories import CaseFactory

    earlier = CaseFactory(agency=alice.agency, victim__nik="3276014506140003", victim__name="Contoh Nama Lain")
    sign_in_in_browser(phone, alice.user)
    phone.goto("/cases/intake/")
    screenshot(phone, "intake-01-start-360")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "nothing sticks out sideways on a phone"
    phone.set_viewport_size(DESKTOP)
    screenshot(phone, "intake-09-start-desktop-1280")
    assert phone.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    phone.set_viewport_size(PHONE)
    today = timezone.localdate()

    # The incident. The first change creates the draft on the server.
    phone.fill('[name="incident-occurred_on"]', today.replace(day=1).isoformat())
    phone.select_option('[name="incident-intake_channel"]', "LANGSUNG")
    phone.select_option('[name="incident-place_category"]', "RUMAH_TANGGA")
    phone.select_option('[name="incident-local_case_type"]', "FISIK")
    _check(phone, "incident-risk", "TINGGI")
    phone.locator('[name="incident-is_kdrt"]').check()
    phone.fill('[name="incident-chronology"]', "Kronologi contoh: pertengkaran di rumah, anak dan ibu dipukul.")
    # Victim 1: a girl of 12.
    phone.fill('[name="person-p1-name"]', "Contoh Anak Dua")
    phone.fill('[name="person-p1-birth_date"]', today.replace(year=today.year - 12).isoformat())
    _check(phone, "person-p1-sex", "P")
    _check(phone, "person-p1-violence_types", "FISIK")
    _check(phone, "person-p1-safe_to_call", "no")
    # Her NIK is in an earlier case of the agency: offered as "same person as",
    # with the case number and role only.
    phone.fill('[name="person-p1-nik"]', "3276014506140003")
    phone.locator('[name="person-p1-phone"]').focus()
    offer = phone.locator("#person-p1 .match-offer")
    offer.wait_for()
    phone.wait_for_load_state("networkidle")  # earlier questions of this card may still answer
    assert earlier.register_number in offer.inner_text()
    assert "Contoh Nama Lain" not in phone.content()
    phone.locator("#person-p1 [data-matches]").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "intake-02b-same-person-offer-360.png"))
    assert phone.locator('[data-age-for="p1"] .badge--warn').count() == 1  # the child flag, derived
    _wait_saved(phone)
    assert re.search(r"/cases/intake/\d+/$", phone.url), "the page became the draft's page"
    draft = IntakeDraft.objects.get(membership=alice)
    screenshot(phone, "intake-02-incident-and-victim-360")

    # A second victim (the mother, who reported the case).
    with phone.expect_navigation():
        phone.locator('button[value="add:victim"]').click()
    assert phone.url.endswith("#person-p4")
    assert phone.input_value('[name="person-p1-name"]') == "Contoh Anak Dua"
    phone.fill('[name="person-p4-name"]', "Contoh Ibu Dua")
    phone.fill('[name="person-p4-nik"]', "3273015208850002")  # from Bandung: a warning, not a block
    _check(phone, "person-p4-sex", "P")
    phone.fill('[name="person-p4-estimated_age"]', "38")
    phone.locator('[name="person-p4-also_reporter"]').check()
    _check(phone, "person-p4-violence_types", "PSIKIS")
    phone.locator('[name="person-p4-phone"]').focus()
    phone.wait_for_selector("#person-p4 .nik-notes")
    assert "Depok" in phone.locator("#person-p4 .nik-notes").inner_text()
    _wait_saved(phone)
    screenshot(phone, "intake-03-second-victim-360")

    # Leave half-way; the draft waits on the home page (and on the intake page).
    phone.goto("/")
    screenshot(phone, "intake-04-home-with-draft-360")
    with phone.expect_navigation():
        phone.locator(f'a[href="/cases/intake/{draft.pk}/"]').first.click()
    assert phone.input_value('[name="person-p4-name"]') == "Contoh Ibu Dua"
    assert phone.input_value('[name="incident-chronology"]').startswith("Kronologi contoh")
    assert phone.locator('[name="person-p1-violence_types"][value="FISIK"]').is_checked()

    # The alleged perpetrator, related to each victim; the separate reporter card goes.
    phone.fill('[name="person-p2-name"]', "Contoh Ayah Dua")
    _check(phone, "person-p2-sex", "L")
    phone.fill('[name="person-p2-estimated_age"]', "41")
    phone.select_option('[name="relation-p2-p1-relationship"]', "ORANG_TUA")
    phone.select_option('[name="relation-p2-p4-relationship"]', "SUAMI_ISTRI")
    with phone.expect_navigation():
        phone.locator('button[value="remove:p3"]').click()
    assert phone.locator("#person-p3").count() == 0
    assert phone.input_value('[name="person-p2-name"]') == "Contoh Ayah Dua"

    # Consent: the mother for her daughter (a child), and for herself.
    _check(phone, "consent-p1-purposes", "recording")
    _check(phone, "consent-p1-purposes", "referral")
    phone.select_option('[name="consent-p1-given_by"]', "p4")
    _check(phone, "consent-p1-capacity", "parent")
    _check(phone, "consent-p1-agency_kinds", "service_unit")
    _check(phone, "consent-p1-agency_kinds", "health")
    _check(phone, "consent-p1-disclosure_level", "contact")
    _check(phone, "consent-p4-purposes", "recording")
    phone.select_option('[name="consent-p4-given_by"]', "p4")
    _check(phone, "consent-p4-capacity", "victim")
    _check(phone, "consent-p4-agency_kinds", "service_unit")
    _check(phone, "consent-p4-disclosure_level", "full")
    phone.locator("#consent").scroll_into_view_if_needed()
    screenshot(phone, "intake-05-perpetrator-and-consent-360")

    # A forgotten field: refused, next to the field, nothing lost.
    phone.fill('[name="incident-chronology"]', "")
    with phone.expect_navigation():
        phone.locator("[data-submit-case]").click()
    assert phone.locator("#id_incident-chronology_error").is_visible()
    assert phone.input_value('[name="person-p2-name"]') == "Contoh Ayah Dua"
    screenshot(phone, "intake-06-refused-360")
    phone.fill('[name="incident-chronology"]', "Kronologi contoh: pertengkaran di rumah, anak dan ibu dipukul.")

    # Desktop width, the same draft.
    phone.set_viewport_size(DESKTOP)
    screenshot(phone, "intake-07-desktop-1280")
    phone.set_viewport_size(PHONE)

    with phone.expect_navigation():
        phone.locator("[data-submit-case]").click()
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert phone.url.endswith(f"/cases/{case.pk}/")
    assert case.register_number in phone.content()
    screenshot(phone, "intake-08-submitted-360")

    roles = sorted(Party.objects.filter(case=case).values_list("person__name", "role"))
    assert roles == [
        ("Contoh Anak Dua", "victim"),
        ("Contoh Ayah Dua", "perpetrator"),
        ("Contoh Ibu Dua", "reporter"),
        ("Contoh Ibu Dua", "victim"),
    ]
    relations = sorted(PerpetratorRelation.objects.filter(case=case).values_list("relationship__code", flat=True))
    assert relations == ["ORANG_TUA", "SUAMI_ISTRI"]
    assert sorted(Consent.objects.filter(case=case).values_list("purpose", "given_by_capacity")) == [
        ("recording", "parent"),
        ("recording", "victim"),
        ("referral", "parent"),
    ]
    draft.refresh_from_db()
    assert draft.submitted_case == case

    # The intake made a case in "intake (draft)": she opens it and works it.
    _step(phone, "open")
    case.refresh_from_db()
    assert case.status == "open"
    work_the_case_to_closure(phone, case, caseworker=alice, supervisor=bob)

"""A referral on a 360×800 phone: a caseworker refers her case to the police
PPA unit, her supervisor approves it, the receiving caseworker accepts it and
opens the case at the limited level (initials, not the name). The referral
pages are photographed at 360 and 1280 px to be looked at. No foreign
request, no CSP violation (the ``phone`` fixture fails on either)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Role
from cases.grants import Access
from cases.selectors import case_access
from referrals import services
from referrals.models import Referral, ReferralStatus
from tests.browser.conftest import screenshot, sign_in_in_browser
from tests.factories import AgencyFactory, CaseFactory, MembershipFactory, UserFactory
from tests.referrals.conftest import make_consent, referral_input

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _people(uptd, police):
    def member(username, first, last, agency, role):
        return MembershipFactory(
            user=UserFactory(username=username, first_name=first, last_name=last), agency=agency, role=role
        )

    return (
        member("rina", "Rina", "Pendamping", uptd, Role.CASEWORKER),
        member("sari", "Sari", "Manajer Kasus", uptd, Role.SUPERVISOR),
        member("budi", "Budi", "Penyidik", police, Role.CASEWORKER),
        member("agus", "Agus", "Kanit", police, Role.SUPERVISOR),
    )


def _case(uptd, caseworker, *, name):
    case = CaseFactory(agency=uptd, victim__name=name, victim__estimated_age=27)
    case.assignments.create(membership=caseworker)
    victim = case.parties.get()
    make_consent(case, victim, kinds=("police",), level="contact")
    return case


def _post_step(page, step: str) -> None:
    with page.expect_navigation():
        page.locator(f"form[action$='/{step}/'] button[type=submit]").click()


def test_refer_approve_accept_and_see_the_limited_view(phone, uptd, police):
    caseworker, supervisor, receiver, _receiving_supervisor = _people(uptd, police)
    case = _case(uptd, caseworker, name="Contoh Korban Rujukan")

    sign_in_in_browser(phone, caseworker.user)
    phone.goto(f"/referrals/new/{case.pk}/")
    phone.select_option("select[name=to_agency]", str(police.pk))
    phone.check("input[name=urgency][value=urgent]")
    phone.check("input[name=requested_services][value=PENEGAKAN_HUKUM]")
    phone.fill("textarea[name=reason]", "Korban ingin membuat laporan polisi.")
    phone.fill("textarea[name=summary]", "Korban dewasa, kekerasan fisik berulang; siap memberi keterangan.")
    assert phone.locator("[data-override-reason]").is_hidden()  # shown only with the override
    screenshot(phone, "referral-01-form-360")
    with phone.expect_navigation():
        phone.locator("form.ref-form button[type=submit]").click()
    referral = Referral.objects.get(case=case)
    assert phone.url.endswith(f"/referrals/{referral.pk}/")
    _post_step(phone, "submit")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    screenshot(phone, "referral-02-submitted-360")

    phone.context.clear_cookies()
    sign_in_in_browser(phone, supervisor.user)
    phone.goto("/referrals/approvals/")
    assert case.register_number in phone.content()
    screenshot(phone, "referral-03-approvals-360")
    with phone.expect_navigation():
        phone.locator(f"a[href='/referrals/{referral.pk}/']").first.click()
    _post_step(phone, "approve")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT

    phone.context.clear_cookies()
    sign_in_in_browser(phone, receiver.user)
    phone.goto("/referrals/")
    assert case.register_number in phone.content()
    screenshot(phone, "referral-04-incoming-360")
    with phone.expect_navigation():
        phone.locator(f"a[href='/referrals/{referral.pk}/']").first.click()
    assert "siap memberi keterangan" in phone.content()
    assert "Contoh Korban Rujukan" not in phone.content()
    assert "Korban ingin membuat laporan polisi." not in phone.content()  # the sender's reason
    with phone.expect_navigation():
        phone.locator(f"a[href='/referrals/{referral.pk}/accept/']").click()
    screenshot(phone, "referral-05-accept-360")
    with phone.expect_navigation():
        phone.locator("form:has(select[name=assignee]) button[type=submit]").click()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.assigned_to == receiver
    assert case_access(membership=receiver, case_id=case.pk) == Access.LIMITED
    screenshot(phone, "referral-06-accepted-360")

    # The case page at the limited level: initials, never the name or NIK.
    with phone.expect_navigation():
        phone.locator(f"a[href='/cases/{case.pk}/']").first.click()
    content = phone.content()
    assert case.register_number in content
    assert "Contoh Korban Rujukan" not in content and "3276010101900001" not in content
    assert "CKR" in content
    screenshot(phone, "referral-07-case-limited-360")


def test_screens_of_the_referral_pages(phone, browser, live_server, uptd, police):
    caseworker, supervisor, receiver, receiving_supervisor = _people(uptd, police)
    puspaga = AgencyFactory(code="puspaga-test", name="Puspaga Harmoni (uji)", kind="program")
    made = []
    for index, (urgency, state) in enumerate(
        [
            ("emergency", "sent"),
            ("urgent", "sent"),
            ("routine", "sent"),
            ("routine", "accepted"),
            ("urgent", "submitted"),
        ]
    ):
        case = _case(uptd, caseworker, name=f"Contoh Korban {index:03d}")
        make_consent(case, case.parties.get(), kinds=("program",), level="limited")
        referral, _ = services.referral_create(
            actor=caseworker,
            case_id=case.pk,
            data=referral_input(police, urgency=urgency, grant_level="contact" if index == 3 else "limited"),
        )
        services.referral_submit(actor=caseworker, referral_id=referral.pk)
        if state != "submitted":
            services.referral_approve(actor=supervisor, referral_id=referral.pk)
        if state == "accepted":
            services.referral_accept(actor=receiver, referral_id=referral.pk)
        made.append(referral)
    Referral.objects.filter(pk=made[2].pk).update(due_at=timezone.now() - timedelta(hours=3))
    services.referral_escalate(referral_id=made[2].pk)
    services.referral_create(actor=caseworker, case_id=made[0].case_id, data=referral_input(puspaga))

    sign_in_in_browser(phone, receiving_supervisor.user)
    phone.goto("/referrals/")
    screenshot(phone, "referral-incoming-360")
    phone.goto(f"/referrals/{made[2].pk}/")
    screenshot(phone, "referral-detail-overdue-360")
    phone.goto("/referrals/notifications/")
    screenshot(phone, "referral-notifications-360")

    desktop = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="id-ID")
    page = desktop.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in_in_browser(page, receiver.user)
    page.goto("/referrals/")
    screenshot(page, "referral-incoming-1280")
    page.goto(f"/referrals/{made[3].pk}/")
    screenshot(page, "referral-detail-accepted-1280")
    page.context.clear_cookies()
    sign_in_in_browser(page, supervisor.user)
    page.goto("/referrals/approvals/")
    screenshot(page, "referral-approvals-1280")
    page.goto("/referrals/outgoing/")
    screenshot(page, "referral-outgoing-1280")
    page.goto(f"/referrals/new/{made[0].case_id}/")
    screenshot(page, "referral-form-1280")
    desktop.close()
    assert errors == []

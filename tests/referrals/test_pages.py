"""The referral pages: drafting through the form, the steps, the lists'
order and query budget, the letter, notifications and the navigation counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from depok_cases.navigation import navigation_for
from referrals import services
from referrals.models import Notification, Referral, ReferralStatus
from tests.factories import CaseFactory
from tests.referrals.conftest import client_of, make_consent, referral_input

pytestmark = pytest.mark.django_db


def _form(police, **overrides):
    data = {
        "to_agency": police.pk,
        "kind": "referral",
        "urgency": "urgent",
        "grant_level": "limited",
        "requested_services": ["PENEGAKAN_HUKUM"],
        "reason": "Alasan rujukan rahasia.",
        "summary": "Ringkasan untuk penerima rahasia.",
    }
    data.update(overrides)
    return data


def test_a_caseworker_drafts_and_submits_through_the_pages(case, alice, police, consent):
    client = client_of(alice)
    page = client.get(reverse("referrals:create", kwargs={"case_id": case.pk}))
    assert page.status_code == 200 and police.name in page.content.decode()
    response = client.post(reverse("referrals:create", kwargs={"case_id": case.pk}), _form(police))
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "referrals:detail", kwargs={"referral_id": referral.pk}
    )
    response = client.post(reverse("referrals:step", kwargs={"referral_id": referral.pk, "step_name": "submit"}))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_bad_input_keeps_what_was_typed(case, alice, police):
    client = client_of(alice)
    response = client.post(
        reverse("referrals:create", kwargs={"case_id": case.pk}),
        _form(police, summary="", urgency="routine", emergency_override="on", override_reason=""),
    )
    html = response.content.decode()
    assert response.status_code == 200 and not Referral.objects.exists()
    assert "Alasan rujukan rahasia." in html  # the reason typed is still there
    assert "field-error" in html


def test_no_consent_is_refused_on_the_page_with_a_clear_message(case, alice, police):
    referral, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    client = client_of(alice)
    response = client.post(
        reverse("referrals:step", kwargs={"referral_id": referral.pk, "step_name": "submit"}), follow=True
    )
    # In the user's language (Indonesian by default).
    assert "Tidak ada persetujuan yang berlaku untuk rujukan" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


def test_a_stale_edit_keeps_the_input_and_says_why(draft, alice, police):
    client = client_of(alice)
    services.referral_update(actor=alice, referral_id=draft.pk, data=referral_input(police, urgency="routine"))
    response = client.post(
        reverse("referrals:edit", kwargs={"referral_id": draft.pk}),
        {**_form(police, summary="Ringkasan baru saya."), "version": "1"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Ringkasan baru saya." in html
    draft.refresh_from_db()
    assert draft.summary == "Ringkasan untuk penerima rahasia."


def test_the_supervisor_approves_and_the_receiver_accepts_and_completes(draft, alice, bob, charlie):
    services.referral_submit(actor=alice, referral_id=draft.pk)
    queue = client_of(bob).get(reverse("referrals:approvals"))
    assert draft.case.register_number in queue.content.decode()
    client_of(bob).post(reverse("referrals:step", kwargs={"referral_id": draft.pk, "step_name": "approve"}))
    receiver = client_of(charlie)
    page = receiver.get(reverse("referrals:detail", kwargs={"referral_id": draft.pk})).content.decode()
    assert "Ringkasan untuk penerima rahasia." in page
    assert "Alasan rujukan rahasia." not in page  # the reason is the sender's
    assert "Contoh Korban Rujukan" not in page  # limited: initials only
    receiver.post(
        reverse("referrals:step", kwargs={"referral_id": draft.pk, "step_name": "accept"}), {"assignee": charlie.pk}
    )
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.ACCEPTED
    receiver.post(
        reverse("referrals:step", kwargs={"referral_id": draft.pk, "step_name": "complete"}), {"outcome": "Selesai."}
    )
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.COMPLETED
    page = receiver.get(reverse("referrals:detail", kwargs={"referral_id": draft.pk})).content.decode()
    assert "Ringkasan untuk penerima rahasia." not in page and draft.case.register_number in page


def test_a_caseworker_cannot_approve_through_the_page(draft, alice):
    services.referral_submit(actor=alice, referral_id=draft.pk)
    response = client_of(alice).post(
        reverse("referrals:step", kwargs={"referral_id": draft.pk, "step_name": "approve"})
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SUBMITTED


def test_the_letter_is_a_pdf_named_by_id(sent, charlie):
    response = client_of(charlie).get(reverse("referrals:letter", kwargs={"referral_id": sent.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'inline; filename="referral-{sent.pk}.pdf"'


def test_the_letter_ends_with_the_referral(sent, charlie):
    services.referral_decline(actor=charlie, referral_id=sent.pk, reason="Penuh.")
    response = client_of(charlie).get(reverse("referrals:letter", kwargs={"referral_id": sent.pk}))
    assert response.status_code == 403


def test_the_letter_carries_only_the_granted_level(sent, charlie, monkeypatch):
    from referrals import pdf

    seen = {}
    real = pdf.referral_letter

    def spy(*, referral, facts):
        seen.update(facts)
        return real(referral=referral, facts=facts)

    monkeypatch.setattr(pdf, "referral_letter", spy)
    client_of(charlie).get(reverse("referrals:letter", kwargs={"referral_id": sent.pk}))
    assert seen["level"] == "limited"
    assert "name" not in seen["victims"][0] and "phone" not in seen["victims"][0]


def _many_referrals(case, alice, bob, police, count):
    for _ in range(count):
        referral, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
        services.referral_submit(actor=alice, referral_id=referral.pk)
        services.referral_approve(actor=bob, referral_id=referral.pk)


@pytest.mark.parametrize("name", ["referrals:incoming", "referrals:outgoing", "referrals:notifications"])
def test_list_pages_cost_the_same_queries_for_3_and_30_rows(
    case, victim, alice, bob, charlie, pat, police, uptd, consent, django_assert_max_num_queries, name
):
    viewer = charlie if name != "referrals:outgoing" else alice
    if name == "referrals:notifications":
        viewer = pat
    _many_referrals(case, alice, bob, police, 3)
    client = client_of(viewer)
    client.get(reverse(name))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    other = CaseFactory(agency=uptd)
    make_consent(other, other.parties.get(), kinds=("police",))
    _many_referrals(other, alice, bob, police, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_overdue_comes_first_in_the_incoming_page(case, alice, bob, charlie, police, consent):
    _many_referrals(case, alice, bob, police, 2)
    late = Referral.objects.order_by("id").last()
    Referral.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    html = client_of(charlie).get(reverse("referrals:incoming")).content.decode()
    first_link = html.index(reverse("referrals:detail", kwargs={"referral_id": late.pk}))
    other = Referral.objects.order_by("id").first()
    assert first_link < html.index(reverse("referrals:detail", kwargs={"referral_id": other.pk}))
    assert "ref-card--overdue" in html


def test_notifications_list_mark_read_and_open(pat, sent):
    client = client_of(pat)
    notification = Notification.objects.get(recipient=pat, kind="sent")
    html = client.get(reverse("referrals:notifications")).content.decode()
    assert sent.case.register_number in html and "Contoh" not in html
    response = client.post(reverse("referrals:notification_open", kwargs={"notification_id": notification.pk}))
    assert response["Location"] == reverse("referrals:detail", kwargs={"referral_id": sent.pk})
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_navigation_counts(pat, sent, alice, bob, charlie, django_assert_num_queries):
    services.referral_create(actor=alice, case_id=sent.case_id, data=referral_input(sent.to_agency))
    entries = {entry["url_name"]: entry for entry in navigation_for(user=pat.user, membership=pat)}
    with django_assert_num_queries(2):
        assert int(str(entries["referrals:incoming"]["count"])) == 1
        assert int(str(entries["referrals:notifications"]["count"])) == 1
    entries = {entry["url_name"]: entry for entry in navigation_for(user=alice.user, membership=alice)}
    assert int(str(entries["referrals:incoming"]["count"])) == 0


def test_a_double_submitted_form_makes_one_draft(case, alice, police, consent):
    client = client_of(alice)
    page = client.get(reverse("referrals:create", kwargs={"case_id": case.pk})).content.decode()
    token = page.split('name="request_token" value="')[1].split('"')[0]
    url = reverse("referrals:create", kwargs={"case_id": case.pk})
    first = client.post(url, {**_form(police), "request_token": token})
    second = client.post(url, {**_form(police), "request_token": token})
    assert Referral.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_case_panel_tag_lists_referrals_and_offers_referring_to_the_owner(sent, alice, charlie):
    from django.template import Context, Template
    from django.test import RequestFactory

    from cases.grants import Access

    template = Template("{% load referral_tags %}{% case_referrals case access %}")
    request = RequestFactory().get("/")
    request.membership = alice
    html = template.render(Context({"request": request, "case": sent.case, "access": Access.OWNER}))
    assert reverse("referrals:detail", kwargs={"referral_id": sent.pk}) in html
    assert reverse("referrals:create", kwargs={"case_id": sent.case_id}) in html
    request.membership = charlie
    html = template.render(Context({"request": request, "case": sent.case, "access": Access.LIMITED}))
    assert reverse("referrals:detail", kwargs={"referral_id": sent.pk}) in html
    assert reverse("referrals:create", kwargs={"case_id": sent.case_id}) not in html


@pytest.mark.parametrize(
    ("safe_to_call", "safe_to_message", "shown"), [(False, False, False), (None, None, False), (None, True, True)]
)
def test_a_contact_grant_sees_the_phone_only_when_a_call_or_message_is_safe(
    case, victim, consent, alice, bob, charlie, police, safe_to_call, safe_to_message, shown
):
    person = victim.person
    person.phone, person.safe_to_call, person.safe_to_message = "081277770000", safe_to_call, safe_to_message
    person.save()
    referral, _created = services.referral_create(
        actor=alice, case_id=case.pk, data=referral_input(police, grant_level="contact")
    )
    services.referral_submit(actor=alice, referral_id=referral.pk)
    services.referral_approve(actor=bob, referral_id=referral.pk)
    services.referral_accept(actor=charlie, referral_id=referral.pk)
    page = client_of(charlie).get(reverse("referrals:detail", kwargs={"referral_id": referral.pk})).content.decode()
    assert "Aman dikirimi pesan" in page  # the contact level is shown
    assert ("081277770000" in page) is shown

"""The referrals API: idempotent creation, If-Match on edits, the steps and
their answers (400 no consent, 403 not yours, 409 wrong state), and the audit."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from referrals.models import Referral, ReferralStatus
from tests.referrals.conftest import client_of

pytestmark = pytest.mark.django_db


def _body(case, police, **overrides):
    return {
        "case_id": case.pk,
        "to_agency_id": police.pk,
        "urgency": "urgent",
        "requested_services": ["PENEGAKAN_HUKUM"],
        "reason": "Alasan rujukan rahasia.",
        "summary": "Ringkasan untuk penerima rahasia.",
        **overrides,
    }


def _step(client, referral_id, **body):
    return client.post(
        reverse("api:referral-transition", kwargs={"referral_id": referral_id}), body, content_type="application/json"
    )


def test_create_is_idempotent_over_http(case, alice, police, consent):
    client = client_of(alice)
    url = reverse("api:referral-list")
    first = client.post(url, _body(case, police), content_type="application/json", headers={"Idempotency-Key": "a1"})
    again = client.post(url, _body(case, police), content_type="application/json", headers={"Idempotency-Key": "a1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    other = client.post(
        url, _body(case, police, urgency="routine"), content_type="application/json", headers={"Idempotency-Key": "a1"}
    )
    assert other.status_code == 422
    assert Referral.objects.count() == 1
    assert AuditEvent.objects.filter(action="referral.created").count() == 1


def test_edits_need_the_current_etag(draft, alice):
    client = client_of(alice)
    url = reverse("api:referral-detail", kwargs={"referral_id": draft.pk})
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"urgency": "routine"}, content_type="application/json").status_code == 428
    changed = client.patch(url, {"urgency": "routine"}, content_type="application/json", headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.json()["urgency"] == "routine"
    stale = client.patch(url, {"urgency": "urgent"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412


def test_the_workflow_over_http(draft, alice, bob, charlie):
    assert _step(client_of(alice), draft.pk, step="approve").status_code == 403
    assert _step(client_of(alice), draft.pk, step="submit").status_code == 200
    assert _step(client_of(bob), draft.pk, step="submit").status_code == 409
    sent = _step(client_of(bob), draft.pk, step="approve")
    assert sent.status_code == 200 and sent.json()["status"] == ReferralStatus.SENT
    accepted = _step(client_of(charlie), draft.pk, step="accept")
    body = accepted.json()
    assert body["status"] == ReferralStatus.ACCEPTED and body["case_facts"]["level"] == "limited"
    assert "reason" not in body  # the sender's reason stays with the sender
    assert _step(client_of(charlie), draft.pk, step="complete").status_code == 400  # an outcome is needed
    done = _step(client_of(charlie), draft.pk, step="complete", outcome="Selesai.")
    assert done.status_code == 200 and done.json()["content_available"] is False
    assert "summary" not in done.json()


def test_no_consent_answers_400_with_the_reason(case, alice, police):
    client = client_of(alice)
    created = client.post(reverse("api:referral-list"), _body(case, police), content_type="application/json")
    response = _step(client, created.json()["id"], step="submit")
    assert response.status_code == 400 and "consent" in response.json()

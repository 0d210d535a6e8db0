"""The referral workflow through its services: each step, who may take it,
the consent rule and its emergency override, grants opened and ended, the
transfer, and what each side reads afterwards."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from agencies.models import Role
from audit.models import AuditEvent
from cases import grants
from cases import services as case_services
from cases.selectors import case_access, visible_cases
from cases.services import CaseActionForbidden, CaseStateError
from referrals import selectors, services
from referrals.models import Notification, Referral, ReferralEvent, ReferralStatus
from referrals.selectors import ReferralNotVisible
from tests.factories import MembershipFactory, UserFactory
from tests.referrals.conftest import make_consent, referral_input

pytestmark = pytest.mark.django_db


def _actions(referral):
    return list(
        AuditEvent.objects.filter(target_type="referral", target_id=str(referral.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_whole_workflow(case, alice, bob, charlie, pat, police, consent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        referral, created = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    assert created and referral.status == ReferralStatus.DRAFT
    assert selectors.visible_referrals(membership=charlie).count() == 0  # not sent yet

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_submit(actor=alice, referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED and referral.consent_id == consent.pk
    assert Notification.objects.filter(recipient=bob, kind="submitted").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_approve(actor=bob, referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.approved_by == bob
    assert referral.due_at == referral.sent_at + timedelta(hours=24)
    assert Notification.objects.filter(recipient=pat, kind="sent").count() == 1
    # The e-mail names the register number and links; never the person.
    message = [m for m in mail.outbox if "pat@police.test" in m.to][0]
    assert case.register_number in message.subject and f"/referrals/{referral.pk}/" in message.body
    assert "Contoh" not in message.subject + message.body and "Ringkasan" not in message.body
    assert case_access(membership=charlie, case_id=case.pk) is None  # no grant before acceptance

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept(actor=charlie, referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.assigned_to == charlie
    assert case_access(membership=charlie, case_id=case.pk) == grants.Access.LIMITED
    assert grants.case_grants(case=case) == [(police.pk, grants.Access.LIMITED)]

    services.referral_start(actor=charlie, referral_id=referral.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_complete(actor=charlie, referral_id=referral.pk, outcome="Laporan diterima.")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.access_ended_at is not None
    assert case_access(membership=charlie, case_id=case.pk) is None
    assert grants.case_grants(case=case) == []
    assert _actions(referral) == [
        "referral.created",
        "referral.submitted",
        "referral.sent",
        "referral.accepted",
        "referral.started",
        "referral.completed",
    ]
    events = list(ReferralEvent.objects.filter(referral=referral).order_by("id").values_list("action", flat=True))
    assert events == ["create", "submit", "approve", "accept", "start", "complete"]
    # Afterwards both keep the metadata, the receiver not the content.
    assert selectors.referral_get(membership=charlie, referral_id=referral.pk).status == ReferralStatus.COMPLETED
    assert not selectors.content_visible(membership=charlie, referral=referral)
    assert selectors.content_visible(membership=alice, referral=referral)


def test_return_and_resubmit(draft, alice, bob):
    services.referral_submit(actor=alice, referral_id=draft.pk)
    with pytest.raises(ValidationError):
        services.referral_return(actor=bob, referral_id=draft.pk, comments="  ")
    services.referral_return(actor=bob, referral_id=draft.pk, comments="Tambahkan layanan kesehatan.")
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.RETURNED
    assert draft.events.get(action="return").note == "Tambahkan layanan kesehatan."
    services.referral_submit(actor=alice, referral_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SUBMITTED


def test_a_caseworker_cannot_approve(draft, alice):
    services.referral_submit(actor=alice, referral_id=draft.pk)
    with pytest.raises(CaseActionForbidden):
        services.referral_approve(actor=alice, referral_id=draft.pk)
    with pytest.raises(CaseActionForbidden):
        services.referral_return(actor=alice, referral_id=draft.pk, comments="x")
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SUBMITTED


def test_another_agencys_supervisor_can_neither_see_nor_approve(draft, alice, pat, zed):
    services.referral_submit(actor=alice, referral_id=draft.pk)
    for supervisor in (pat, zed):  # the receiving agency's (not yet sent) and a third agency's
        assert selectors.approval_queue(membership=supervisor) == []
        assert draft.pk not in set(selectors.visible_referrals(membership=supervisor).values_list("id", flat=True))
        with pytest.raises(ReferralNotVisible):
            services.referral_approve(actor=supervisor, referral_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SUBMITTED


def test_the_sender_cannot_answer_and_the_receiver_cannot_approve(sent, alice, bob, charlie, pat):
    with pytest.raises(CaseActionForbidden):
        services.referral_accept(actor=bob, referral_id=sent.pk)
    with pytest.raises(CaseActionForbidden):
        services.referral_withdraw(actor=charlie, referral_id=sent.pk, reason="x")
    with pytest.raises(CaseStateError):
        services.referral_approve(actor=bob, referral_id=sent.pk)


def test_no_consent_is_refused_with_a_clear_message(case, alice, police):
    referral, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            services.referral_submit(actor=alice, referral_id=referral.pk)
        assert "no consent in force" in error.value.message_dict["consent"][0]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


@pytest.mark.parametrize(
    ("kinds", "level", "purpose", "asked"),
    [
        (("health",), "full", "referral", "limited"),  # another kind of agency
        (("police",), "limited", "referral", "contact"),  # a lower level than asked
        (("police",), "full", "recording", "limited"),  # another purpose
    ],
)
def test_a_consent_that_does_not_cover_the_referral_is_refused(
    case, victim, alice, police, kinds, level, purpose, asked
):
    make_consent(case, victim, kinds=kinds, level=level, purpose=purpose)
    referral, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police, grant_level=asked))
    with pytest.raises(ValidationError):
        services.referral_submit(actor=alice, referral_id=referral.pk)


def test_a_withdrawn_consent_does_not_count(case, victim, alice, bob, police):
    consent = make_consent(case, victim)
    case_services.consent_withdraw(actor=bob, case_id=case.pk, consent_id=consent.pk, withdrawn_on=timezone.localdate())
    referral, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    with pytest.raises(ValidationError):
        services.referral_submit(actor=alice, referral_id=referral.pk)


def test_the_emergency_override(case, alice, bob, charlie, police):
    with pytest.raises(ValidationError) as error:
        services.referral_create(
            actor=alice, case_id=case.pk, data=referral_input(police, emergency_override=True, override_reason="x")
        )
    assert "emergency_override" in error.value.message_dict  # emergencies only
    with pytest.raises(ValidationError) as error:
        services.referral_create(
            actor=alice, case_id=case.pk, data=referral_input(police, urgency="emergency", emergency_override=True)
        )
    assert "override_reason" in error.value.message_dict
    referral, _ = services.referral_create(
        actor=alice,
        case_id=case.pk,
        data=referral_input(
            police, urgency="emergency", emergency_override=True, override_reason="Korban dalam bahaya malam ini."
        ),
    )
    services.referral_submit(actor=alice, referral_id=referral.pk)
    with pytest.raises(CaseActionForbidden):
        services.referral_approve(actor=alice, referral_id=referral.pk)
    services.referral_approve(actor=bob, referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.consent is None and referral.override_approved_by == bob
    assert referral.due_at == referral.sent_at + timedelta(hours=2)
    override = AuditEvent.objects.get(action="referral.override_approved", target_id=str(referral.pk))
    assert override.membership_id == bob.pk
    assert "bahaya" not in str(override.details)  # the reason stays out of the audit details
    services.referral_accept(actor=charlie, referral_id=referral.pk)
    assert case_access(membership=charlie, case_id=case.pk) == grants.Access.LIMITED


def test_the_receiving_agency_sees_exactly_its_level(case, victim, alice, bob, charlie, police):
    make_consent(case, victim, level="contact")
    referral, _ = services.referral_create(
        actor=alice, case_id=case.pk, data=referral_input(police, grant_level="contact")
    )
    services.referral_submit(actor=alice, referral_id=referral.pk)
    services.referral_approve(actor=bob, referral_id=referral.pk)
    referral.refresh_from_db()
    facts = selectors.case_facts(case=case, level=selectors.receiver_level(referral))
    assert "phone" not in facts["victims"][0]  # limited until accepted
    services.referral_accept(actor=charlie, referral_id=referral.pk)
    referral.refresh_from_db()
    assert case_access(membership=charlie, case_id=case.pk) == grants.Access.CONTACT
    facts = selectors.case_facts(case=case, level=selectors.receiver_level(referral))
    assert facts["victims"][0]["phone"] == "081234567890" and "name" not in facts["victims"][0]
    assert visible_cases(membership=charlie).filter(pk=case.pk).exists()


def test_a_grant_level_above_the_consent_is_refused(case, alice, police, consent):
    referral, _ = services.referral_create(
        actor=alice, case_id=case.pk, data=referral_input(police, grant_level="full")
    )
    with pytest.raises(ValidationError):
        services.referral_submit(actor=alice, referral_id=referral.pk)


def test_decline_keeps_metadata_only(sent, alice, charlie):
    with pytest.raises(ValidationError):
        services.referral_decline(actor=charlie, referral_id=sent.pk, reason="")
    services.referral_decline(actor=charlie, referral_id=sent.pk, reason="Di luar wilayah kami.")
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.DECLINED
    assert case_access(membership=charlie, case_id=sent.case_id) is None
    assert not selectors.content_visible(membership=charlie, referral=sent)
    assert selectors.content_visible(membership=alice, referral=sent)


def test_a_supervisor_accepting_must_choose_a_caseworker_of_the_agency(sent, pat, charlie, alice):
    with pytest.raises(ValidationError):
        services.referral_accept(actor=pat, referral_id=sent.pk)
    with pytest.raises(ValidationError):
        services.referral_accept(actor=pat, referral_id=sent.pk, assignee_id=alice.pk)
    services.referral_accept(actor=pat, referral_id=sent.pk, assignee_id=charlie.pk)
    sent.refresh_from_db()
    assert sent.assigned_to == charlie
    assert Notification.objects.filter(recipient=charlie, kind="assigned").exists()


def test_the_transfer_moves_ownership(case, victim, alice, bob, charlie, police, uptd):
    make_consent(case, victim, level="full")
    referral, _ = services.referral_create(
        actor=alice, case_id=case.pk, data=referral_input(police, kind="transfer", grant_level="full")
    )
    services.referral_submit(actor=alice, referral_id=referral.pk)
    services.referral_approve(actor=bob, referral_id=referral.pk)
    services.referral_accept(actor=charlie, referral_id=referral.pk)
    case.refresh_from_db()
    assert case.agency == police
    assert grants.case_grants(case=case) == []  # ownership, not a grant
    assert case_access(membership=charlie, case_id=case.pk) == grants.Access.OWNER
    assert case_access(membership=alice, case_id=case.pk) is None
    assert case_access(membership=bob, case_id=case.pk) is None
    assert list(case.assignments.values_list("membership_id", flat=True)) == [charlie.pk]
    transferred = AuditEvent.objects.get(action="case.transferred", target_id=str(case.pk))
    assert transferred.details["from_agency_id"] == uptd.pk and transferred.details["to_agency_id"] == police.pk
    # The sender keeps the metadata, not the content.
    assert selectors.referral_get(membership=alice, referral_id=referral.pk)
    assert not selectors.content_visible(membership=alice, referral=referral)
    with pytest.raises(CaseStateError):
        services.referral_withdraw(actor=alice, referral_id=referral.pk, reason="x")
    services.referral_complete(actor=charlie, referral_id=referral.pk, outcome="Diambil alih.")
    case.refresh_from_db()
    assert case.agency == police


def test_a_transfer_needs_full_access(case, alice, police, consent):
    with pytest.raises(ValidationError) as error:
        services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police, kind="transfer"))
    assert "grant_level" in error.value.message_dict


def test_an_agency_that_receives_no_referrals_is_refused(case, alice, consent):
    from tests.factories import AgencyFactory

    forum = AgencyFactory(code="forum-x", kind="forum", receives_referrals=False)
    with pytest.raises(ValidationError) as error:
        services.referral_create(actor=alice, case_id=case.pk, data=referral_input(forum))
    assert "to_agency_id" in error.value.message_dict


def test_the_owner_only_drafts(case, charlie, police, uptd, consent):
    analyst = MembershipFactory(user=UserFactory(), agency=uptd, role=Role.ANALYST)
    with pytest.raises(CaseActionForbidden):
        services.referral_create(actor=analyst, case_id=case.pk, data=referral_input(police))
    from cases.selectors import CaseNotVisible

    with pytest.raises(CaseNotVisible):
        services.referral_create(actor=charlie, case_id=case.pk, data=referral_input(uptd))


def test_create_is_idempotent(case, alice, police, consent):
    first, created = services.referral_create(
        actor=alice, case_id=case.pk, data=referral_input(police), idempotency_key="k1", fingerprint="f"
    )
    again, created_again = services.referral_create(
        actor=alice, case_id=case.pk, data=referral_input(police), idempotency_key="k1", fingerprint="f"
    )
    assert created and not created_again and first.pk == again.pk
    assert Referral.objects.count() == 1
    from cases.services import IdempotencyConflict

    with pytest.raises(IdempotencyConflict):
        services.referral_create(
            actor=alice, case_id=case.pk, data=referral_input(police), idempotency_key="k1", fingerprint="other"
        )


def test_a_stale_edit_is_refused(draft, alice, police):
    from cases.services import StaleVersion

    services.referral_update(
        actor=alice, referral_id=draft.pk, data=referral_input(police, urgency="routine"), expected_version=1
    )
    with pytest.raises(StaleVersion):
        services.referral_update(actor=alice, referral_id=draft.pk, data=referral_input(police), expected_version=1)


# --- access ends ---------------------------------------------------------------------------------


def _ended(referral, charlie):
    referral.refresh_from_db()
    assert case_access(membership=charlie, case_id=referral.case_id) is None
    assert not visible_cases(membership=charlie).filter(pk=referral.case_id).exists()
    assert not selectors.content_visible(
        membership=charlie, referral=selectors.referral_get(membership=charlie, referral_id=referral.pk)
    )


def test_access_ends_on_completion(accepted, charlie):
    services.referral_complete(actor=charlie, referral_id=accepted.pk, outcome="Selesai.")
    _ended(accepted, charlie)


def test_access_ends_on_withdrawal(accepted, alice, charlie):
    services.referral_withdraw(actor=alice, referral_id=accepted.pk, reason="Korban pindah.")
    _ended(accepted, charlie)
    assert accepted.status == ReferralStatus.WITHDRAWN


def test_access_ends_on_decline_before_any_grant(sent, charlie):
    services.referral_decline(actor=charlie, referral_id=sent.pk, reason="Penuh.")
    _ended(sent, charlie)


def test_access_ends_when_consent_is_withdrawn(accepted, bob, charlie, consent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.consent_withdraw(
            actor=bob, case_id=accepted.case_id, consent_id=consent.pk, withdrawn_on=timezone.localdate()
        )
    _ended(accepted, charlie)
    assert accepted.access_ended_at is not None
    assert AuditEvent.objects.filter(action="referral.access_ended", target_id=str(accepted.pk)).count() == 1


def test_a_withdrawn_consent_ends_access_even_when_another_referral_consent_remains(
    accepted, case, victim, bob, charlie, consent, django_capture_on_commit_callbacks
):
    make_consent(case, victim, kinds=("health",), level="limited")  # another consent stays in force
    with django_capture_on_commit_callbacks(execute=True):
        case_services.consent_withdraw(
            actor=bob, case_id=case.pk, consent_id=consent.pk, withdrawn_on=timezone.localdate()
        )
    _ended(accepted, charlie)


def test_access_ends_when_the_case_is_archived(accepted, bob, charlie, django_capture_on_commit_callbacks):
    from cases.models import Case

    Case.objects.filter(pk=accepted.case_id).update(status="closed")
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(actor=bob, case_id=accepted.case_id, transition="archive")
    _ended(accepted, charlie)


def test_access_ends_when_the_receiving_agency_is_deactivated(accepted, charlie, police):
    police.is_active = False
    police.save()
    charlie.agency.refresh_from_db()
    assert case_access(membership=charlie, case_id=accepted.case_id) is None
    assert selectors.visible_referrals(membership=charlie).count() == 0


def test_access_ends_when_the_sending_agency_is_deactivated(accepted, charlie, uptd):
    uptd.is_active = False
    uptd.save()
    _ended(accepted, charlie)


def test_a_second_open_referral_keeps_its_grant(accepted, case, alice, bob, charlie, police):
    second, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
    services.referral_submit(actor=alice, referral_id=second.pk)
    services.referral_approve(actor=bob, referral_id=second.pk)
    services.referral_accept(actor=charlie, referral_id=second.pk)
    services.referral_complete(actor=charlie, referral_id=accepted.pk, outcome="Selesai.")
    assert case_access(membership=charlie, case_id=case.pk) == grants.Access.LIMITED
    services.referral_complete(actor=charlie, referral_id=second.pk, outcome="Selesai.")
    assert case_access(membership=charlie, case_id=case.pk) is None


def test_accepting_after_consent_withdrawal_is_refused(sent, bob, charlie, consent):
    case_services.consent_withdraw(
        actor=bob, case_id=sent.case_id, consent_id=consent.pk, withdrawn_on=timezone.localdate()
    )
    with pytest.raises(CaseStateError):
        services.referral_accept(actor=charlie, referral_id=sent.pk)


def test_the_receiving_agency_records_services_within_its_grant(accepted, charlie, victim, police):
    service = case_services.service_add(
        actor=charlie,
        case_id=accepted.case_id,
        victim_party_id=victim.pk,
        given_on=timezone.localdate(),
        service_type="PENEGAKAN_HUKUM",
    )
    assert service.provider == police
    with pytest.raises(CaseActionForbidden):
        case_services.note_add(actor=charlie, case_id=accepted.case_id, body="Catatan.")


def test_notifications_carry_no_person_data(accepted):
    from referrals.notifications import notification_text

    for item in Notification.objects.filter(referral=accepted).select_related("referral__case"):
        text = notification_text(item)
        assert accepted.case.register_number in text
        assert "Contoh" not in text and "Ringkasan" not in text


def test_each_step_is_announced_after_commit(case, alice, bob, police, consent, django_capture_on_commit_callbacks):
    from referrals.signals import referral_changed

    heard = []

    def listen(sender, *, referral_id, change, **kwargs):
        heard.append((referral_id, change))

    referral_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            referral, _ = services.referral_create(actor=alice, case_id=case.pk, data=referral_input(police))
        assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            services.referral_submit(actor=alice, referral_id=referral.pk)
    finally:
        referral_changed.disconnect(listen)
    assert heard == [(referral.pk, "create"), (referral.pk, "submit")]

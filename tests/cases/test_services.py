"""Case services: creation with parties, version checks, consent rules, the
derived child flag, and the workflow."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from audit.models import AuditEvent
from cases import grants
from cases.models import Case, CaseStatus, CaseStatusChange, Party, PartyRole, is_child_at_incident
from cases.selectors import CaseNotVisible
from cases.services import (
    CaseActionForbidden,
    CaseInput,
    CaseStateError,
    PersonInput,
    RelationInput,
    StaleVersion,
    case_create,
    case_transition,
    case_update,
    consent_record,
)
from cases.signals import case_changed

pytestmark = pytest.mark.django_db


def _input(**overrides) -> CaseInput:
    values = dict(
        reported_at=timezone.now(),
        occurred_on=date(2025, 6, 1),
        risk="TINGGI",
        local_case_type="SEKSUAL",
        incident_kelurahan=None,
        chronology="Kronologi contoh.",
        persons=[
            PersonInput(
                roles=["victim"],
                name="Contoh Korban 001",
                birth_date=date(2008, 6, 2),
                violence_types=["SEKSUAL"],
                sex="P",
            ),
            PersonInput(roles=["reporter"], name="Contoh Ibu 001", estimated_age=40, sex="P"),
            PersonInput(roles=["perpetrator"], name="Contoh Pelaku 001", estimated_age=45, sex="L"),
        ],
        relations=[RelationInput(victim=0, perpetrator=2, relationship="ORANG_TUA")],
    )
    values.update(overrides)
    return CaseInput(**values)


def test_create_numbers_the_case_records_parties_history_audit_and_signal(alice, django_capture_on_commit_callbacks):
    received = []
    case_changed.connect(
        lambda **kw: received.append((kw["case_id"], kw["change"])), weak=False, dispatch_uid="test-create"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case, created = case_create(actor=alice, data=_input())
    finally:
        case_changed.disconnect(dispatch_uid="test-create")
    assert created and case.register_number == f"DPK-{timezone.localdate().year}-00001"
    assert case.agency_id == alice.agency_id and case.status == CaseStatus.DRAFT
    assert Party.objects.filter(case=case).count() == 3
    assert list(case.assignments.values_list("membership_id", flat=True)) == [alice.pk]
    assert CaseStatusChange.objects.filter(case=case, to_status=CaseStatus.DRAFT).exists()
    event = AuditEvent.objects.get(action="case.created")
    assert event.target_id == str(case.pk) and len(event.details["person_ids"]) == 3
    assert "Contoh" not in str(event.details)
    assert received == [(case.pk, "created")]
    second, _ = case_create(actor=alice, data=_input())
    assert second.register_number.endswith("-00002")


def test_a_case_needs_a_victim(alice):
    with pytest.raises(ValidationError):
        case_create(actor=alice, data=_input(persons=[PersonInput(roles=["reporter"], name="Contoh")], relations=[]))


def test_child_is_derived_at_the_incident_date(alice):
    case, _ = case_create(actor=alice, data=_input())
    victim = Party.objects.get(case=case, role=PartyRole.VICTIM).person
    # Born 2008-06-02: 16 on 2025-06-01 (a child at the incident) though an adult now.
    assert is_child_at_incident(person=victim, case=case) is True
    case.occurred_on = date(2026, 6, 2)
    assert is_child_at_incident(person=victim, case=case) is False
    case.occurred_on = date(2026, 6, 1)
    assert is_child_at_incident(person=victim, case=case) is True


def test_stale_version_is_refused_never_overwritten(alice, bob):
    case, _ = case_create(actor=alice, data=_input())
    case_update(actor=bob, case_id=case.pk, expected_version=1, changes={"risk": "TIDAK_TINGGI"})
    with pytest.raises(StaleVersion):
        case_update(actor=alice, case_id=case.pk, expected_version=1, changes={"risk": "TINGGI"})
    case.refresh_from_db()
    assert case.risk.code == "TIDAK_TINGGI" and case.version == 2


def test_idempotent_create_makes_one_case(alice):
    first, created = case_create(actor=alice, data=_input(), idempotency_key="k-1", fingerprint="f")
    again, created_again = case_create(actor=alice, data=_input(), idempotency_key="k-1", fingerprint="f")
    assert created and not created_again and first.pk == again.pk
    assert Case.objects.count() == 1


def _parties(case):
    by_role = {p.role: p for p in Party.objects.filter(case=case).select_related("person")}
    return by_role[PartyRole.VICTIM], by_role[PartyRole.REPORTER], by_role[PartyRole.PERPETRATOR]


def _consent(alice, case, giver, capacity, victim):
    return consent_record(
        actor=alice,
        case_id=case.pk,
        victim_party_id=victim.pk,
        given_by_person_id=giver.person_id,
        given_by_capacity=capacity,
        purpose="referral",
        agency_kinds=["police"],
        disclosure_level="limited",
        given_on=timezone.localdate(),
    )


def test_consent_by_the_alleged_perpetrator_is_refused(alice):
    case, _ = case_create(actor=alice, data=_input())
    victim, reporter, perpetrator = _parties(case)
    with translation.override("en"), pytest.raises(ValidationError, match="perpetrator"):
        _consent(alice, case, perpetrator, "parent", victim)
    # A child does not consent alone; the parent who reported does.
    with pytest.raises(ValidationError):
        _consent(alice, case, victim, "victim", victim)
    consent = _consent(alice, case, reporter, "parent", victim)
    assert consent.given_by_id == reporter.person_id


def test_adult_victim_consents_personally(alice):
    case, _ = case_create(actor=alice, data=_input(occurred_on=date(2026, 7, 1)))
    victim, reporter, _perpetrator = _parties(case)
    with pytest.raises(ValidationError):
        _consent(alice, case, reporter, "parent", victim)
    assert _consent(alice, case, victim, "victim", victim).given_by_capacity == "victim"


def test_the_workflow_checks_actor_and_state(alice, bob, charlie):
    case, _ = case_create(actor=alice, data=_input())
    with pytest.raises(CaseStateError):
        case_transition(actor=alice, case_id=case.pk, transition="start_service")
    for step in ["open", "start_assessment", "plan_intervention", "start_service", "start_monitoring"]:
        case_transition(actor=alice, case_id=case.pk, transition=step)
    with pytest.raises(ValidationError):
        case_transition(actor=alice, case_id=case.pk, transition="request_closure")
    case_transition(actor=alice, case_id=case.pk, transition="request_closure", reason="Layanan selesai.")
    with pytest.raises(CaseActionForbidden):
        case_transition(actor=alice, case_id=case.pk, transition="approve_closure")
    with pytest.raises(CaseNotVisible):
        case_transition(actor=charlie, case_id=case.pk, transition="approve_closure")
    case_transition(actor=bob, case_id=case.pk, transition="return_closure", reason="Belum lengkap.")
    case_transition(actor=alice, case_id=case.pk, transition="request_closure", reason="Sudah lengkap.")
    case_transition(actor=bob, case_id=case.pk, transition="approve_closure")
    grants.grant_case_access(case=case, agency=charlie.agency, level=grants.Access.FULL)
    case_transition(actor=bob, case_id=case.pk, transition="archive")
    # Archiving ends every grant.
    assert grants.case_grants(case=case) == []
    with pytest.raises(CaseStateError):
        case_update(actor=bob, case_id=case.pk, expected_version=case_version(case), changes={"risk": "TINGGI"})
    with pytest.raises(ValidationError):
        case_transition(actor=bob, case_id=case.pk, transition="reopen")
    case_transition(actor=bob, case_id=case.pk, transition="reopen", reason="Kasus berulang.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    history = list(CaseStatusChange.objects.filter(case=case).order_by("id").values_list("to_status", flat=True))
    assert history[0] == "draft" and history[-1] == "open" and "archived" in history
    reason = CaseStatusChange.objects.filter(case=case, transition="reopen").get().reason
    assert reason == "Kasus berulang."


def case_version(case) -> int:
    return Case.objects.values_list("version", flat=True).get(pk=case.pk)


def test_an_incident_date_in_the_future_is_refused(alice):
    with pytest.raises(ValidationError):
        case_create(actor=alice, data=_input(occurred_on=timezone.localdate() + timedelta(days=2)))

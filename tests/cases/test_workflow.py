"""The workflow pages: every transition by the right and the wrong role, the
plan and its tasks, assignment and restriction, records under a case, and
two people editing one case (the second save is refused, input kept)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import workflow
from cases.models import Case, CasePlan, CaseStatus, CaseTask, Consent, Party, PartyRole, Service
from cases.services import TRANSITIONS, StaleVersion
from tests.factories import PartyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _url(name: str, case, **kwargs) -> str:
    return reverse(f"cases:{name}", kwargs={"case_id": case.pk, **kwargs})


def _step(client, case, transition: str, reason: str = ""):
    case.refresh_from_db()
    return client.post(_url("transition", case, transition=transition), {"version": case.version, "reason": reason})


# --- transitions ------------------------------------------------------------------------


@pytest.mark.parametrize("transition", list(TRANSITIONS))
def test_each_transition_by_the_right_role_and_refused_to_the_wrong_one(
    transition, client_for, alice, bob, erin, limited_grant
):
    case = limited_grant
    step = TRANSITIONS[transition]
    Case.objects.filter(pk=case.pk).update(status=step.sources[0])
    wrong = [erin] + ([alice] if step.supervisor_only else [])
    for member in wrong:
        assert _step(client_for(member), case, transition, "Alasan.").status_code == 403
        case.refresh_from_db()
        assert case.status == step.sources[0]
    right = bob if step.supervisor_only else alice
    response = _step(client_for(right), case, transition, "Alasan yang cukup.")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == step.target
    change = case.status_history.latest("id")
    assert change.transition == transition and change.actor_id == right.pk


def test_the_case_page_offers_only_the_steps_of_the_role_and_state(client_for, alice, bob, case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSURE_REQUESTED)
    caseworker = client_for(alice).get(_url("detail", case)).content.decode()
    supervisor = client_for(bob).get(_url("detail", case)).content.decode()
    assert "/steps/approve_closure/" not in caseworker and "/steps/return_closure/" not in caseworker
    assert "/steps/approve_closure/" in supervisor and "/steps/return_closure/" in supervisor
    assert "/steps/start_assessment/" not in supervisor


def test_a_step_that_does_not_fit_the_state_changes_nothing(client_for, alice, case):
    response = _step(client_for(alice), case, "start_monitoring")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_request_closure_needs_a_reason_next_to_the_field(client_for, alice, case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.MONITORING)
    response = _step(client_for(alice), case, "request_closure", "")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_reason_error"' in body
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING


def test_return_and_reopen_keep_their_reasons_in_the_history(client_for, alice, bob, case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSURE_REQUESTED)
    _step(client_for(bob), case, "return_closure", "Layanan psikologis belum selesai.")
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING
    body = client_for(alice).get(_url("detail", case)).content.decode()
    assert "Layanan psikologis belum selesai." in body


def test_a_stale_transition_is_refused_with_the_reason_kept(client_for, alice, case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.MONITORING)
    case.refresh_from_db()
    stale = case.version
    Case.objects.filter(pk=case.pk).update(version=stale + 1)
    response = client_for(alice).post(
        _url("transition", case, transition="request_closure"), {"version": stale, "reason": "Tujuan tercapai."}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tujuan tercapai." in body and "form-errors" in body
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING


# --- two people editing one case --------------------------------------------------------


def test_concurrent_edit_the_second_save_is_refused_and_its_input_kept(client_for, alice, bob, case):
    first, second = client_for(alice), client_for(bob)
    assert first.get(_url("edit", case)).status_code == 200
    version = case.version
    form = {"version": version, "occurred_precision": "day", "risk": "TINGGI"}
    assert second.post(_url("edit", case), {**form, "chronology": "Versi penyelia."}).status_code == 302
    response = first.post(_url("edit", case), {**form, "chronology": "Versi pendamping yang diketik lama."})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Versi pendamping yang diketik lama." in body
    assert "form-errors" in body
    case.refresh_from_db()
    assert case.chronology == "Versi penyelia."
    # Saving again from the kept form is a deliberate overwrite, based on the current version.
    assert f'name="version" value="{case.version}"' in body


def test_concurrent_plan_edit_is_refused_with_input_kept(client_for, alice, bob, case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ASSESSMENT)
    form = {"version": 0, "intervention_plan": ""}
    assert client_for(bob).post(_url("plan", case), {**form, "assessment": "Asesmen penyelia."}).status_code == 302
    response = client_for(alice).post(_url("plan", case), {**form, "assessment": "Asesmen pendamping."})
    assert response.status_code == 200
    assert "Asesmen pendamping." in response.content.decode()
    plan = CasePlan.objects.get(case=case)
    assert plan.assessment == "Asesmen penyelia." and plan.version == 1


def test_plan_save_refuses_a_stale_version(alice, case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ASSESSMENT)
    workflow.plan_save(actor=alice, case_id=case.pk, expected_version=0, assessment="a", intervention_plan="b")
    with pytest.raises(StaleVersion):
        workflow.plan_save(actor=alice, case_id=case.pk, expected_version=0, assessment="c", intervention_plan="d")
    event = AuditEvent.objects.filter(action="case.plan_saved").latest("id")
    assert event.details == {"plan_id": CasePlan.objects.get(case=case).pk, "version": 1}


# --- tasks ---------------------------------------------------------------------------------


def test_task_added_on_the_page_once_shows_in_the_owner_queue_and_is_done(client_for, alice, bob, case):
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    form = {"title": "Kunjungan rumah bersama RT", "owner": alice.pk, "due_on": due}
    supervisor = client_for(bob)
    assert supervisor.post(_url("task_add", case), form).status_code == 302
    assert supervisor.post(_url("task_add", case), form).status_code == 302  # a double submit
    task = CaseTask.objects.get(case=case)
    home = client_for(alice).get(reverse("home")).content.decode()
    assert "Kunjungan rumah bersama RT" in home and case.register_number in home
    assert client_for(alice).post(_url("task_done", case, task_id=task.pk)).status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by_id == alice.pk
    assert "Kunjungan rumah bersama RT" not in client_for(alice).get(reverse("home")).content.decode()


def test_a_task_owner_must_work_in_the_owning_agency(client_for, alice, charlie, case):
    due = timezone.localdate().isoformat()
    response = client_for(alice).post(_url("task_add", case), {"title": "Tugas", "owner": charlie.pk, "due_on": due})
    assert response.status_code == 200
    assert 'id="id_owner_error"' in response.content.decode()
    assert "Tugas" in response.content.decode()
    assert not CaseTask.objects.exists()


def test_a_task_due_in_the_past_is_refused_next_to_the_field(client_for, alice, case):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(alice).post(
        _url("task_add", case), {"title": "Tugas lama", "owner": alice.pk, "due_on": past}
    )
    assert 'id="id_due_on_error"' in response.content.decode()
    assert not CaseTask.objects.exists()


# --- assignment and restriction -----------------------------------------------------------


def test_supervisor_assigns_and_reassigns_caseworkers(client_for, alice, bob, dave, case):
    client = client_for(bob)
    assert client.post(_url("assign", case), {"caseworkers": [dave.pk]}).status_code == 302
    assert list(case.assignments.values_list("membership_id", flat=True)) == [dave.pk]
    assert client_for(alice).get(_url("assign", case)).status_code == 403


def test_supervisor_marks_a_case_restricted_and_it_leaves_unassigned_caseworkers(client_for, bob, dave, case):
    response = client_for(bob).post(_url("restriction", case), {"version": case.version, "is_restricted": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_restricted
    assert client_for(dave).get(_url("detail", case)).status_code == 404


# --- records under the case -----------------------------------------------------------------


def test_service_note_and_legal_step_from_the_page(client_for, alice, case):
    client = client_for(alice)
    victim = Party.objects.get(case=case, role=PartyRole.VICTIM)
    today = timezone.localdate().isoformat()
    client.post(
        _url("service_add", case),
        {"victim": victim.pk, "service_type": "KESEHATAN", "given_on": today, "notes": "Visum di RSUD."},
    )
    client.post(_url("note_add", case), {"body": "Korban didampingi ibunya."})
    client.post(_url("legal_step_add", case), {"step": "LAPORAN_POLISI", "occurred_on": today})
    case.refresh_from_db()
    assert Service.objects.filter(case=case).count() == 1
    assert case.first_response_at is not None and case.police_reported_on is not None
    body = client.get(_url("detail", case)).content.decode()
    assert "Visum di RSUD." in body and "Korban didampingi ibunya." in body


def test_a_limited_grant_records_a_service_without_notes(client_for, erin, limited_grant, puskesmas):
    victim = Party.objects.get(case=limited_grant, role=PartyRole.VICTIM)
    form = client_for(erin).get(_url("service_add", limited_grant)).content.decode()
    assert 'name="notes"' not in form and "Contoh Korban" not in form
    response = client_for(erin).post(
        _url("service_add", limited_grant),
        {"victim": victim.pk, "service_type": "KESEHATAN", "given_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert Service.objects.get(case=limited_grant).provider_id == puskesmas.pk


def test_consent_by_the_alleged_perpetrator_is_refused_with_the_form_kept(client_for, alice, case):
    perpetrator = PersonFactory(case=case, name="Contoh Pelaku 9", estimated_age=40)
    PartyFactory(case=case, person=perpetrator, role=PartyRole.REPORTER)
    victim = Party.objects.get(case=case, role=PartyRole.VICTIM)
    PartyFactory(case=case, person=PersonFactory(case=case, name="Contoh Ayah"), role=PartyRole.PERPETRATOR)
    response = client_for(alice).post(
        _url("consent_add", case),
        {
            "victim": victim.pk,
            "given_by": perpetrator.pk,
            "given_by_capacity": "victim",
            "purpose": "referral",
            "agency_kinds": ["health"],
            "disclosure_level": "limited",
            "given_on": timezone.localdate().isoformat(),
            "notes": "Catatan persetujuan.",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "field-error" in body and "Catatan persetujuan." in body
    assert not Consent.objects.filter(case=case).exists()


def test_archived_case_offers_no_write_and_refuses_one(client_for, bob, case):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ARCHIVED)
    body = client_for(bob).get(_url("detail", case)).content.decode()
    assert _url("edit", case) not in body and _url("note_add", case) not in body
    assert "/steps/reopen/" in body
    assert client_for(bob).get(_url("edit", case)).status_code == 403

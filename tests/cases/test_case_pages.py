"""The case list and the case page: what each reader sees, searches that keep
their values out of URLs, deadlines, viewers, and query budgets that do not
grow with the data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import ReferenceItem
from audit.models import AuditEvent
from cases import grants
from cases.models import CaseNote, CaseStatusChange, CaseTask, LegalStep, Party, PartyRole, Service
from tests.factories import CaseFactory, PartyFactory, PersonFactory

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")


def _detail(case) -> str:
    return reverse("cases:detail", kwargs={"case_id": case.pk})


def _item(list_key: str, code: str) -> ReferenceItem:
    return ReferenceItem.objects.of(list_key).get(code=code)


def _queries(client, method: str, url: str, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200
    return len(captured)


# --- the list ------------------------------------------------------------------------


def test_list_shows_the_agency_cases_with_totals_and_hides_other_agencies(client_for, alice, uptd, police, case):
    other = CaseFactory(agency=police)
    response = client_for(alice).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert case.register_number in body
    assert other.register_number not in body
    assert "1–1" in body


def test_list_pages_with_totals(client_for, alice, uptd):
    cases = [CaseFactory(agency=uptd) for _ in range(27)]
    client = client_for(alice)
    first = client.get(LIST).content.decode()
    assert "1–25" in first and "27" in first
    assert cases[-1].register_number in first and cases[0].register_number not in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert "26–27" in second
    assert cases[0].register_number in second


def test_list_filters_by_status_risk_violence_and_overdue(client_for, alice, uptd):
    now = timezone.now()
    overdue = CaseFactory(agency=uptd, risk=_item("kriteria_risiko", "TINGGI"), reported_at=now - timedelta(hours=30))
    calm = CaseFactory(agency=uptd, risk=_item("kriteria_risiko", "TIDAK_TINGGI"), status="in_service")
    victim = Party.objects.get(case=calm, role=PartyRole.VICTIM)
    victim.violence_types.add(_item("jenis_kekerasan_simfoni", "FISIK"))
    client = client_for(alice)

    body = client.get(LIST, {"overdue": "on"}).content.decode()
    assert overdue.register_number in body and calm.register_number not in body
    body = client.get(LIST, {"status": "in_service"}).content.decode()
    assert calm.register_number in body and overdue.register_number not in body
    body = client.get(LIST, {"risk": "TINGGI"}).content.decode()
    assert overdue.register_number in body and calm.register_number not in body
    body = client.get(LIST, {"violence_type": "FISIK"}).content.decode()
    assert calm.register_number in body and overdue.register_number not in body


def test_list_assigned_to_me_and_date_range(client_for, alice, uptd, case):
    old = CaseFactory(agency=uptd, reported_at=timezone.now() - timedelta(days=40))
    client = client_for(alice)
    body = client.get(LIST, {"assigned_to_me": "on"}).content.decode()
    assert case.register_number in body and old.register_number not in body
    since = (timezone.localdate() - timedelta(days=50)).isoformat()
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    body = client.get(LIST, {"reported_from": since, "reported_to": until}).content.decode()
    assert old.register_number in body and case.register_number not in body


def test_list_refuses_a_reversed_date_range_next_to_the_field(client_for, alice):
    today = timezone.localdate()
    response = client_for(alice).get(
        LIST, {"reported_from": today.isoformat(), "reported_to": (today - timedelta(days=3)).isoformat()}
    )
    assert 'id="id_reported_to_error"' in response.content.decode()


def test_list_rows_show_running_and_overdue_deadlines(client_for, alice, uptd):
    now = timezone.now()
    CaseFactory(agency=uptd, is_tpks=True, reported_at=now - timedelta(hours=80))
    CaseFactory(agency=uptd, risk=_item("kriteria_risiko", "TINGGI"), reported_at=now - timedelta(hours=2))
    body = client_for(alice).get(LIST).content.decode()
    assert body.count("deadline--overdue") == 1
    assert body.count('class="deadline"') == 1
    assert "is-overdue" in body


def test_search_values_travel_in_the_body_only_and_are_not_audited(client_for, alice, uptd, case):
    CaseFactory(agency=uptd, victim__nik="3276019999990001", victim__name="Orang Lain")
    response = client_for(alice).post(LIST, {"kind": "nik", "value": "3276010101900001"})
    body = response.content.decode()
    assert response.status_code == 200
    assert case.register_number in body and "1–1" in body
    event = AuditEvent.objects.filter(action="case.searched").latest("id")
    assert event.details["case_ids"] == [case.pk]
    assert "3276010101900001" not in str(event.details)
    # Paging a search posts the value again: no link carries it.
    assert "?value=" not in body and "&value=" not in body


def test_search_by_exact_name_phone_and_register_number(client_for, alice, case):
    client = client_for(alice)
    for kind, value in (
        ("name", "contoh korban"),
        ("phone", "081234567890"),
        ("register_number", case.register_number.lower()),
    ):
        body = client.post(LIST, {"kind": kind, "value": value}).content.decode()
        assert case.register_number in body, kind


def test_a_limited_grant_matches_no_nik_or_name_search(client_for, erin, limited_grant):
    client = client_for(erin)
    assert limited_grant.register_number in client.get(LIST).content.decode()
    for kind, value in (("nik", "3276010101900001"), ("name", "Contoh Korban")):
        body = client.post(LIST, {"kind": kind, "value": value}).content.decode()
        assert limited_grant.register_number not in body


def test_search_keeps_a_bad_nik_with_its_message(client_for, alice):
    body = client_for(alice).post(LIST, {"kind": "nik", "value": "12345"}).content.decode()
    assert 'id="id_value_error"' in body
    assert 'value="12345"' in body


def test_restricted_case_is_invisible_to_an_unassigned_caseworker_of_the_agency(client_for, alice, bob, dave, uptd):
    restricted = CaseFactory(agency=uptd, is_restricted=True)
    restricted.assignments.create(membership=alice)
    assert restricted.register_number not in client_for(dave).get(LIST).content.decode()
    assert client_for(dave).get(_detail(restricted)).status_code == 404
    assert AuditEvent.objects.filter(action="case.access_denied", target_id=str(restricted.pk)).exists()
    for member in (alice, bob):
        assert client_for(member).get(_detail(restricted)).status_code == 200
        assert restricted.register_number in client_for(member).get(LIST).content.decode()


def test_list_query_count_is_the_same_for_3_and_30_cases(client_for, alice, bob, uptd, police, puskesmas):
    def add(count):
        for index in range(count):
            case = CaseFactory(agency=uptd, is_tpks=index % 2 == 0, risk=_item("kriteria_risiko", "TINGGI"))
            case.assignments.create(membership=alice)
            CaseFactory(agency=police)
            if index % 3 == 0:
                grants.grant_case_access(case=CaseFactory(agency=police), agency=uptd, level=grants.Access.LIMITED)

    add(3)
    client = client_for(bob)
    small = (_queries(client, "get", LIST), _queries(client, "get", LIST, {"overdue": "on", "assigned_to_me": "on"}))
    searched = _queries(client, "post", LIST, {"kind": "name", "value": "Contoh Korban"})
    add(27)
    assert _queries(client, "get", LIST) == small[0]
    assert _queries(client, "get", LIST, {"overdue": "on", "assigned_to_me": "on"}) == small[1]
    # A search counts a branch only once its top page comes back full (with 3
    # matches the page is the total): one query more, then never again.
    assert _queries(client, "post", LIST, {"kind": "name", "value": "Contoh Korban"}) == searched + 1
    add(30)
    assert _queries(client, "post", LIST, {"kind": "name", "value": "Contoh Korban"}) == searched + 1


def test_list_refuses_roles_that_do_not_work_cases(client_for, uptd):
    from agencies.models import Role
    from tests.factories import MembershipFactory

    analyst = MembershipFactory(agency=uptd, role=Role.ANALYST)
    assert client_for(analyst).get(LIST).status_code == 403


# --- the case page -------------------------------------------------------------------


def _full_case(case, alice, count: int):
    victim = Party.objects.get(case=case, role=PartyRole.VICTIM)
    for index in range(count):
        person = PersonFactory(case=case, name=f"Contoh Saksi {index:03d}", estimated_age=30)
        PartyFactory(case=case, person=person, role=PartyRole.WITNESS)
        Service.objects.create(
            case=case,
            victim=victim,
            given_on=timezone.localdate(),
            service_type=_item("jenis_layanan_simfoni", "PENGADUAN"),
            provider=case.agency,
            notes=f"Layanan {index}",
            recorded_by=alice,
        )
        CaseNote.objects.create(case=case, body=f"Catatan {index}", author=alice)
        LegalStep.objects.create(
            case=case, step=_item("proses_hukum", "LAPORAN_POLISI"), occurred_on=timezone.localdate(), notes=""
        )
        CaseStatusChange.objects.create(case=case, from_status="open", to_status="open", transition="seed", actor=alice)
        CaseTask.objects.create(case=case, title=f"Tugas {index}", owner=alice, due_on=timezone.localdate())


def test_case_page_query_count_is_the_same_for_3_and_30_rows(client_for, alice, bob, case):
    _full_case(case, alice, 3)
    client_for(alice).get(_detail(case))
    supervisor = client_for(bob)
    small = _queries(supervisor, "get", _detail(case))
    caseworker = _queries(client_for(alice), "get", _detail(case))
    _full_case(case, alice, 27)
    assert _queries(supervisor, "get", _detail(case)) == small
    assert _queries(client_for(alice), "get", _detail(case)) == caseworker


def test_owner_sees_everything_with_contact_safety_first(client_for, alice, case):
    victim = Party.objects.get(case=case, role=PartyRole.VICTIM).person
    victim.safe_to_call = False
    victim.contact_safety_notes = "Hanya setelah jam 14, suami di rumah pagi."
    victim.save()
    body = client_for(alice).get(_detail(case)).content.decode()
    assert "Contoh Korban" in body and "3276010101900001" in body and "081234567890" in body
    assert "Hanya setelah jam 14" in body
    assert body.index("safety") < body.index("3276010101900001")
    assert case.chronology in body
    assert reverse("cases:edit", kwargs={"case_id": case.pk}) in body


def test_limited_grant_sees_only_limited_fields_and_no_owner_action(client_for, erin, limited_grant):
    case = limited_grant
    response = client_for(erin).get(_detail(case))
    body = response.content.decode()
    assert response.status_code == 200
    assert case.register_number in body
    assert "CK" in body  # initials
    for secret in ("Contoh Korban", "3276010101900001", "081234567890", case.chronology):
        assert secret not in body, secret
    for route in ("edit", "plan", "task_add", "note_add", "legal_step_add", "consent_add", "assign"):
        assert reverse(f"cases:{route}", kwargs={"case_id": case.pk}) not in body
    assert "/steps/" not in body
    # A receiving agency records the services it gives.
    assert reverse("cases:service_add", kwargs={"case_id": case.pk}) in body
    event = AuditEvent.objects.filter(action="case.viewed", target_id=str(case.pk)).latest("id")
    assert event.details["level"] == "limited"


def test_contact_grant_sees_names_and_safe_ways_but_no_nik(client_for, erin, case, puskesmas):
    grants.grant_case_access(case=case, agency=puskesmas, level=grants.Access.CONTACT)
    victim = Party.objects.get(case=case, role=PartyRole.VICTIM).person
    victim.safe_to_call = False
    victim.safe_to_message = False
    victim.save()
    body = client_for(erin).get(_detail(case)).content.decode()
    assert "Contoh Korban" in body
    assert "3276010101900001" not in body
    assert "081234567890" not in body  # not safe to call or message
    assert case.chronology not in body


def test_supervisor_sees_who_viewed_the_case_caseworker_does_not(client_for, alice, bob, case):
    alice.user.first_name, alice.user.last_name = "Alice", "Pendamping"
    alice.user.save()
    client_for(alice).get(_detail(case))
    body = client_for(bob).get(_detail(case)).content.decode()
    assert 'id="viewers"' in body
    viewers = body[body.index('id="viewers"') :]
    assert "Alice Pendamping" in viewers and alice.agency.name in viewers
    assert "Contoh Korban" not in viewers
    assert 'id="viewers"' not in client_for(alice).get(_detail(case)).content.decode()


def test_every_view_of_the_case_page_is_audited_with_ids_only(client_for, alice, case):
    client_for(alice).get(_detail(case))
    event = AuditEvent.objects.filter(action="case.viewed", target_id=str(case.pk)).latest("id")
    assert event.membership_id == alice.pk
    assert event.details["level"] == "owner"
    assert "Contoh" not in str(event.details)


def test_detail_shows_deadlines_until_they_stop(client_for, alice, uptd):
    case = CaseFactory(agency=uptd, is_tpks=True, reported_at=timezone.now() - timedelta(hours=80))
    case.assignments.create(membership=alice)
    client = client_for(alice)
    assert "deadline--overdue" in client.get(_detail(case)).content.decode()
    client.post(
        reverse("cases:legal_step_add", kwargs={"case_id": case.pk}),
        {"step": "LAPORAN_POLISI", "occurred_on": timezone.localdate().isoformat()},
    )
    assert "deadline--overdue" not in client.get(_detail(case)).content.decode()
